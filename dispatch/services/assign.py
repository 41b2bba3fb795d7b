"""A coordinator assigns or re-assigns a request by hand; the engine checks feasibility."""

from __future__ import annotations

from dataclasses import replace

from dispatch import matching
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import InvalidTransition
from dispatch.errors import NotFound
from dispatch.errors import Unservable
from dispatch.extensions import db
from dispatch.field_messages import say
from dispatch.matching.forced import FORCEABLE
from dispatch.matching.forced import loosen_times
from dispatch.models import Offer
from dispatch.models import OfferState
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models._types import utcnow
from dispatch.services import outbox
from dispatch.services.access import check_request
from dispatch.services.access import require_role
from dispatch.services.audit import audit
from dispatch.services.notify import request_changed
from dispatch.services.offers import withdraw_offers
from dispatch.services.plan_context import build_context
from dispatch.services.plan_day import commit
from dispatch.services.plan_day import day_of
from dispatch.services.plan_day import lock_days
from dispatch.services.plan_day import plan_writer
from dispatch.services.plans import remove_from_plans
from dispatch.services.plans import write_plans
from dispatch.settings import Settings

#: How to walk the lifecycle from each state to ``offered``.
TO_OFFERED = {
    RequestState.UNSERVABLE: [RequestState.REQUESTED, RequestState.PLANNED, RequestState.OFFERED],
    RequestState.REQUESTED: [RequestState.PLANNED, RequestState.OFFERED],
    RequestState.PLANNED: [RequestState.OFFERED],
    RequestState.OFFERED: [],
    RequestState.ACCEPTED: [RequestState.PLANNED, RequestState.OFFERED],
}


@plan_writer
def assign_by_hand(actor: Person, request_id: int, volunteer_id: int,
                   settings: Settings, force_reason: str | None = None) -> RideRequest:
    """Give the request to this volunteer (as agreed on the phone) if the rules allow it.

    With ``force_reason`` (why the office overrides), a refusal about time only is lifted:
    the request may be served up to an hour later than its rules (:mod:`matching.forced`).
    """
    require_role(actor, Role.COORDINATOR, Role.ADMIN)
    req = check_request(actor, db.session.get(RideRequest, request_id))
    volunteer = db.session.get(Person, volunteer_id)
    if volunteer is None or volunteer.role != Role.VOLUNTEER or \
            volunteer.quarter_slug != req.quarter_slug:
        raise NotFound("Diese ehrenamtliche Person gibt es im Quartier nicht.",
                       fields={"volunteer_id": say("unknown")})
    lock_days([day_of(req.quarter_slug, req.requested_time)])
    state = RequestState(req.state)
    if state not in TO_OFFERED:
        raise InvalidTransition("Diese Fahrt läuft schon oder ist beendet; sie kann nicht mehr "
                                "umverteilt werden.", current=state.value)
    withdraw_offers(req)
    remove_from_plans(req)
    ctx = build_context(req.quarter_slug, req.requested_time, settings, extra=[req])
    vid, rid = str(volunteer.id), str(req.id)
    chosen = [v for v in ctx.problem.vehicles if v.id == vid]
    if not chosen:
        raise Unservable(f"{volunteer.first_name} hat an diesem Tag keinen Dienst, ist nicht "
                         "verfügbar oder nicht (mehr) geprüft.", reason="no_volunteer_on_shift")
    # only the chosen volunteer's plan is open to the request; as agreed on the phone, an
    # earlier decline of theirs no longer counts
    problem = replace(ctx.problem, vehicles=tuple(chosen)).with_request(
        replace(ctx.problem.request(rid), excluded=()))
    plans = [p for p in ctx.plans if p.vehicle_id == vid]
    result = matching.insert(problem, plans, rid)
    reason = result.reason(rid)
    forced = bool(force_reason) and reason is not None and reason.code in FORCEABLE
    if forced:
        problem = loosen_times(problem, rid, vid)
        result = matching.insert(problem, plans, rid)
        reason = result.reason(rid)
    if reason is not None:
        raise Unservable(f"Das geht nicht: {reason.message_de}", reason=reason.code,
                         forceable=reason.code in FORCEABLE and not forced)
    write_plans(replace(ctx, problem=problem) if forced else ctx, result.plans)
    for step in TO_OFFERED[RequestState(req.state)]:
        req.move_to(step, reason_code=None, reason_text=None)
    offer = Offer(request_id=req.id, volunteer_id=volunteer.id, expires_at=utcnow(),
                  state=OfferState.ACCEPTED.value, responded_at=utcnow())
    db.session.add(offer)
    req.move_to(RequestState.ACCEPTED)
    for trip in ctx.trips.values():
        for stop in trip.stops:
            if stop.request_id == req.id:
                stop.locked = True
    db.session.flush()
    override = {"forced": True, "reason": force_reason} if forced else {}
    audit(actor, "request.assigned", "ride_request", req.id, volunteer_id=volunteer.id,
          **override)
    outbox.accepted(req, volunteer)
    request_changed(req)
    commit()
    return req
