"""Re-plan a day: solve on a snapshot outside the lock, then write only if nothing moved.

Locked stops (accepted, running, done) stay as they are; requests still waiting are placed
where possible. A re-plan whose day changed while it solved gives way: the next pass retries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from dispatch import matching
from dispatch.domain.lifecycle import RequestState
from dispatch.extensions import db
from dispatch.matching.result import Plan
from dispatch.matching.result import Result
from dispatch.models import Offer
from dispatch.models import OfferState
from dispatch.models import RideRequest
from dispatch.services.offers import offer_to_planned_volunteer
from dispatch.services.offers import withdraw
from dispatch.services.plan_context import DayContext
from dispatch.services.plan_context import build_context
from dispatch.services.plan_day import DayKey
from dispatch.services.plan_day import commit
from dispatch.services.plan_day import day_of
from dispatch.services.plan_day import lock_days
from dispatch.services.plan_day import plan_writer
from dispatch.services.plan_day import versions
from dispatch.services.plans import write_plans
from dispatch.settings import Settings

NOTHING = {"trips_changed": 0, "placed": 0, "gave_way": 0}


def replan_day(quarter: str, day: datetime, settings: Settings, *, seconds: float,
               seed: int = 0, iterations: int | None = None) -> dict[str, int]:
    """Improve a day's plans with the solver and commit the change; returns counts of what
    changed (``gave_way`` 1 when someone else wrote the day while it solved).

    ``iterations`` bounds the search by iterations instead of ``seconds`` (deterministic for
    a seed; the simulator uses it)."""
    key = day_of(quarter, day)
    before = versions([key])[key]
    ctx = build_context(quarter, day, settings)
    if not ctx.requests or not ctx.problem.vehicles:
        db.session.rollback()
        return dict(NOTHING)
    stop = (matching.MaxIterations(iterations) if iterations is not None
            else matching.MaxRuntime(seconds))
    result = matching.solve(ctx.problem, stop=stop, seed=seed,
                            initial=ctx.plans)
    return _apply(key, before, ctx, result, settings)


@plan_writer
def _apply(key: DayKey, before: int, ctx: DayContext, result: Result,
           settings: Settings) -> dict[str, int]:
    if lock_days([key])[key] != before + 1:
        db.session.rollback()  # someone booked, accepted or cancelled meanwhile
        return {**NOTHING, "gave_way": 1}
    unservable = {u.request_id for u in result.unservable}
    # an offered or committed request must never silently leave the plans
    if any(rid in unservable and RequestState(req.state) != RequestState.REQUESTED
           for rid, req in ctx.requests.items()):
        db.session.rollback()
        return dict(NOTHING)
    moved = _moved_offers(ctx, result.plans)
    changed = write_plans(ctx, result.plans)
    placed = 0
    for rid, req in ctx.requests.items():
        if rid not in unservable and RequestState(req.state) == RequestState.REQUESTED:
            req.move_to(RequestState.PLANNED)
            offer_to_planned_volunteer(req, None, settings)
            placed += 1
    for req in moved:
        offer_to_planned_volunteer(req, None, settings)
    commit()
    return {**NOTHING, "trips_changed": len(changed), "placed": placed}


def _moved_offers(ctx: DayContext, plans: Iterable[Plan]) -> list[RideRequest]:
    """Offered requests that the new plans give to another volunteer: withdraw the old offer."""
    owner = {s.request_id: p.vehicle_id for p in plans for s in p.stops}
    moved = []
    for rid, req in ctx.requests.items():
        if RequestState(req.state) != RequestState.OFFERED:
            continue
        offer = db.session.scalar(select(Offer).where(Offer.request_id == req.id,
                                                      Offer.state == OfferState.OPEN.value))
        if offer is not None and owner.get(rid) not in (None, str(offer.volunteer_id)):
            withdraw(offer)
            req.move_to(RequestState.PLANNED)
            moved.append(req)
    db.session.flush()
    return moved
