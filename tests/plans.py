"""Check the plans stored in the database with the matching engine's independent checker."""

from __future__ import annotations

from datetime import datetime

from dispatch import matching
from dispatch.matching.check import Violation
from dispatch.services.plan_context import build_context
from dispatch.settings import Settings


def stored_plan_violations(quarter: str, day: datetime, settings: Settings, *,
                           require_all: bool = False,
                           waiting: frozenset[str] = frozenset(),
                           reported: frozenset[str] = frozenset()) -> list[Violation]:
    """What :func:`dispatch.matching.check` finds wrong with one quarter's stored day.

    Runs inside an app context. The day is read the way the planner reads it
    (:func:`dispatch.services.plan_context.build_context`). ``waiting`` names requests (by id)
    that are stored as ``requested``: they may legitimately sit outside every plan, so a
    ``missing`` finding about them is not a violation (unless ``require_all``).

    ``reported`` names requests with a stop the volunteer already reported done: the planner
    pins a done pick-up's window to the reported time while the stored planned times stay as
    planned, so times of these requests (``window``, ``travel``, ``ride_time``) are not judged.
    """
    ctx = build_context(quarter, day, settings)
    found = matching.check(ctx.problem, ctx.plans, require_all=require_all)
    if require_all:
        return found
    return [v for v in found if not (v.code == "missing" and v.request_id in waiting
                                     and "neither planned" in v.message)
            and not (v.code in ("window", "travel", "ride_time") and v.request_id in reported)]
