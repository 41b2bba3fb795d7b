"""Place one request into its day's plans at once and offer it, or say why it can't be served."""

from __future__ import annotations

from dispatch import matching
from dispatch.domain.lifecycle import RequestState
from dispatch.extensions import db
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.services import outbox
from dispatch.services.audit import audit
from dispatch.services.notify import request_changed
from dispatch.services.offers import offer_to_planned_volunteer
from dispatch.services.plan_context import build_context
from dispatch.services.plan_context import rid
from dispatch.services.plan_day import day_of
from dispatch.services.plan_day import require_locked
from dispatch.services.plans import remove_from_plans
from dispatch.services.plans import write_plans
from dispatch.settings import Settings


def place_new(req: RideRequest, actor: Person | None, settings: Settings) -> None:
    """Insert one request into its day's plans and offer it, or mark it unservable.

    The caller holds the day's lock (:func:`dispatch.services.plan_day.lock_days`) and commits.
    """
    require_locked(day_of(req.quarter_slug, req.requested_time))
    db.session.flush()
    ctx = build_context(req.quarter_slug, req.requested_time, settings, extra=[req])
    result = matching.insert(ctx.problem, ctx.plans, rid(req))
    reason = result.reason(rid(req))
    if reason is not None:
        mark_unservable(req, actor, reason.code, reason.message_de)
        return
    write_plans(ctx, result.plans)
    if RequestState(req.state) == RequestState.REQUESTED:
        req.move_to(RequestState.PLANNED, reason_code=None, reason_text=None)
    audit(actor, "request.planned", "ride_request", req.id)
    offer_to_planned_volunteer(req, actor, settings)


def mark_unservable(req: RideRequest, actor: Person | None, code: str, text: str) -> None:
    """No volunteer can take the request: it leaves the plans with the engine's reason."""
    if RequestState(req.state) == RequestState.OFFERED:
        req.move_to(RequestState.PLANNED)
    req.move_to(RequestState.UNSERVABLE, reason_code=code, reason_text=text)
    remove_from_plans(req)
    audit(actor, "request.unservable", "ride_request", req.id, reason=code)
    outbox.unservable(req)
    request_changed(req)
