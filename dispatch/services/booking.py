"""Book, cancel and re-book rides and escorts. Each public function is one unit of work."""

from __future__ import annotations

import uuid
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dispatch.domain.kinds import RequestKind
from dispatch.domain.kinds import TimeMode
from dispatch.domain.lifecycle import TERMINAL
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import InvalidInput
from dispatch.errors import NotAllowed
from dispatch.errors import NotFound
from dispatch.errors import OutsideServiceArea
from dispatch.extensions import db
from dispatch.field_messages import say
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.services import outbox
from dispatch.services.access import check_request
from dispatch.services.access import is_staff
from dispatch.services.access import may_see_quarter
from dispatch.services.audit import audit
from dispatch.services.audit import current_via
from dispatch.services.clock import local_now
from dispatch.services.commands import BookRide
from dispatch.services.commands import EditRide
from dispatch.services.commands import Place
from dispatch.services.duplicates import find_duplicate
from dispatch.services.duplicates import refuse_duplicate
from dispatch.services.idempotency import booked_with
from dispatch.services.idempotency import remember
from dispatch.services.network import get_network
from dispatch.services.notify import request_changed
from dispatch.services.offers import withdraw_offers
from dispatch.services.placement import place_new
from dispatch.services.plan_day import commit
from dispatch.services.plan_day import day_of
from dispatch.services.plan_day import lock_days
from dispatch.services.plan_day import plan_writer
from dispatch.services.plans import remove_from_plans
from dispatch.services.plans import volunteer_of
from dispatch.services.wishes import profile_wishes
from dispatch.services.wishes import wishes_of
from dispatch.settings import Settings

MAX_DAYS_AHEAD = 90
WEEKLY_AHEAD = 4  # a standing weekly ride is booked this many weeks ahead
WALK_LIMIT_S = 45 * 60  # an escort on foot longer than this is not offered


def _resident_for(actor: Person, resident_id: int | None) -> Person:
    if actor.role == Role.RESIDENT:
        if resident_id not in (None, actor.id):
            raise NotAllowed("Sie können nur für sich selbst buchen.")
        return actor
    if not is_staff(actor):
        raise NotAllowed("Fahrten buchen Bewohnerinnen und Bewohner oder das Quartiersbüro.")
    if resident_id is None:
        raise InvalidInput("Bitte wählen Sie die Person aus, für die Sie buchen.",
                           fields={"resident_id": say("choose_person")})
    resident = db.session.get(Person, resident_id)
    if resident is None or resident.role != Role.RESIDENT or not may_see_quarter(
            actor, resident.quarter_slug or ""):
        raise NotFound("Diese Person gibt es in Ihrem Quartier nicht.",
                       fields={"resident_id": say("unknown_person")})
    return resident


def _check_place(settings: Settings, field: str, place: Place, mode: str) -> None:
    from dispatch.routing import OutsideServiceArea as RoutingOutside

    try:
        get_network(settings).snap(place.lat, place.lon, mode=mode)
    except RoutingOutside as exc:
        raise OutsideServiceArea(
            f"„{place.address}“ liegt außerhalb unseres Gebiets.",
            fields={field: say("outside_area", address=place.address,
                               metres=f"{exc.distance_m:.0f}")},
        ) from None


def _mode(kind: str) -> str:
    return "walk" if kind == RequestKind.ESCORT_WALK else "drive"


def _window(settings: Settings, mode: str, t: datetime) -> tuple[datetime, datetime]:
    rules = settings.service
    if mode == TimeMode.ARRIVE_BY:
        return t - timedelta(minutes=rules.arrive_by_window_min), t
    return t, t + timedelta(minutes=rules.pickup_window_min)


def _validate_time(t: datetime, now: datetime) -> None:
    if t < now - timedelta(minutes=5):
        raise InvalidInput("Dieser Zeitpunkt liegt in der Vergangenheit.",
                           fields={"time": say("future_time")})
    if t > now + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput("So weit im Voraus können wir noch nicht planen.",
                           fields={"time": say("days_ahead", max=MAX_DAYS_AHEAD)})


def _new_request(resident: Person, actor: Person, cmd: BookRide, when: datetime,
                 settings: Settings, *, series_id: str | None) -> RideRequest:
    prof = resident.resident
    assert prof is not None
    aids = list(cmd.mobility_aids) if cmd.mobility_aids is not None else list(prof.mobility_aids)
    default = profile_wishes(resident)
    start, end = _window(settings, cmd.time_mode, when)
    return RideRequest(
        resident_id=resident.id, quarter_slug=resident.quarter_slug, kind=cmd.kind.value,
        pickup_address=cmd.pickup.address, pickup_lat=cmd.pickup.lat,
        pickup_lon=cmd.pickup.lon, dropoff_address=cmd.dropoff.address,
        dropoff_lat=cmd.dropoff.lat, dropoff_lon=cmd.dropoff.lon,
        time_mode=cmd.time_mode.value, requested_time=when, window_start=start,
        window_end=end, passengers=cmd.passengers, mobility_aids=aids,
        needs_wheelchair_place="wheelchair" in aids, notes=cmd.notes,
        series_id=series_id, created_by_id=actor.id,
        purpose=cmd.purpose.value if cmd.purpose else None,
        languages=list(cmd.languages if cmd.languages is not None else default.languages),
        same_gender=(cmd.same_gender or default.same_gender).value,
    )


def _return_for(out: RideRequest, minutes: int, settings: Settings) -> RideRequest:
    """The return ride: its pick-up window opens when the appointment ends."""
    # a first estimate for display; the planner ties it to the planned drop-off
    opens = out.window_end + timedelta(minutes=minutes + 15)
    return RideRequest(
        resident_id=out.resident_id, quarter_slug=out.quarter_slug, kind=out.kind,
        pickup_address=out.dropoff_address, pickup_lat=out.dropoff_lat,
        pickup_lon=out.dropoff_lon, dropoff_address=out.pickup_address,
        dropoff_lat=out.pickup_lat, dropoff_lon=out.pickup_lon,
        time_mode=TimeMode.PICKUP_AFTER.value, requested_time=opens, window_start=opens,
        window_end=opens + timedelta(minutes=settings.service.pickup_window_min),
        appointment_minutes=minutes, passengers=out.passengers,
        mobility_aids=list(out.mobility_aids), needs_wheelchair_place=out.needs_wheelchair_place,
        notes=out.notes, series_id=out.series_id, created_by_id=out.created_by_id, return_of=out,
        purpose=out.purpose, languages=out.languages, same_gender=out.same_gender,
    )


def _check_walk(settings: Settings, cmd: BookRide) -> None:
    net = get_network(settings)
    pts = [(cmd.pickup.lat, cmd.pickup.lon), (cmd.dropoff.lat, cmd.dropoff.lon)]
    walk_s = float(net.travel_time_matrix(pts, mode="walk")[0, 1])
    if walk_s > WALK_LIMIT_S:
        raise InvalidInput(
            "Zu Fuß ist das zu weit.",
            fields={"kind": say("walk_too_far", minutes=f"{walk_s / 60:.0f}")})


@plan_writer
def create_request(actor: Person, cmd: BookRide, settings: Settings) -> RideRequest:
    """Validate, store and place a new request (and its return ride); commit once.

    Raises ``InvalidInput``/``OutsideServiceArea`` (422) with a message per field, and
    ``LikelyDuplicate`` (409) when the person has this ride booked already (same day, places
    and about the same time) unless ``cmd.confirm_duplicate``; a repeat of an
    ``idempotency_key`` returns the first booking and writes nothing.
    """
    resident = _resident_for(actor, cmd.resident_id)
    if resident.resident is None:
        raise InvalidInput("Für diese Person fehlt die Wohnadresse.")
    _validate_time(cmd.time, local_now())
    mode = _mode(cmd.kind)
    _check_place(settings, "pickup", cmd.pickup, mode)
    _check_place(settings, "dropoff", cmd.dropoff, mode)
    if mode == "walk":
        _check_walk(settings, cmd)
    series = uuid.uuid4().hex[:12] if cmd.repeat_weekly else None
    weeks = WEEKLY_AHEAD if series else 1
    batches: list[list[RideRequest]] = []
    for week in range(weeks):
        req = _new_request(resident, actor, cmd, cmd.time + timedelta(weeks=week), settings,
                           series_id=series)
        batch = [req]
        if cmd.return_after_minutes is not None:
            batch.append(_return_for(req, cmd.return_after_minutes, settings))
        batches.append(batch)
    lock_days(day_of(r.quarter_slug, r.requested_time) for b in batches for r in b)
    earlier = booked_with(actor.id, cmd.idempotency_key)
    if earlier is not None:
        db.session.rollback()  # the same booking again: nothing is written
        return earlier
    if not cmd.confirm_duplicate:
        same = find_duplicate(resident.id, [r for b in batches for r in b], settings.service)
        if same is not None:
            raise refuse_duplicate(same[1])
    for batch in batches:
        db.session.add_all(batch)
        db.session.flush()
        for r in batch:
            audit(actor, "request.created", "ride_request", r.id, kind=r.kind,
                  time=r.requested_time.isoformat(), return_of=r.return_of_id, series=series,
                  on_behalf=resident.id if actor.id != resident.id else None)
        for r in batch:
            place_new(r, actor, settings)
    first = batches[0][0]
    if RequestState(first.state) != RequestState.UNSERVABLE:
        outbox.booked(first)
    remember(actor.id, cmd.idempotency_key, first)
    commit()
    return batches[0][0]


def _with_return(req: RideRequest) -> list[RideRequest]:
    ret = db.session.scalar(select(RideRequest).where(RideRequest.return_of_id == req.id))
    return [req, ret] if ret is not None else [req]


@plan_writer
def cancel_request(actor: Person, request_id: int, settings: Settings) -> RideRequest:
    """Cancel a request (and its return ride); the volunteer's plan is updated and told."""
    req = check_request(actor, db.session.get(RideRequest, request_id))
    if actor.role == Role.VOLUNTEER:
        raise NotAllowed("Bitte geben Sie die Tour zurück, statt die Fahrt abzusagen.")
    lock_days(day_of(r.quarter_slug, r.requested_time) for r in _with_return(req))
    targets = [r for r in _with_return(req) if r is req or RequestState(r.state) not in TERMINAL]
    for r in targets:
        if RequestState(r.state) == RequestState.CANCELLED:
            continue
        holder = volunteer_of(r) if RequestState(r.state) in (
            RequestState.ACCEPTED, RequestState.EN_ROUTE) else None
        # the resident who cancels in the app knows; by phone, by link or by the office: tell
        outbox.cancelled(r, holder, tell_resident=r is req and (
            actor.id != r.resident_id or current_via() == "link"))
        r.move_to(RequestState.CANCELLED)
        withdraw_offers(r)
        remove_from_plans(r)
        audit(actor, "request.cancelled", "ride_request", r.id)
        request_changed(r)
    commit()
    return req


def book_again(actor: Person, request_id: int, when: datetime, settings: Settings, *,
               idempotency_key: str | None = None,
               confirm_duplicate: bool = False) -> RideRequest:
    """One tap: the same ride at a new time (with its return ride if it had one)."""
    old = check_request(actor, db.session.get(RideRequest, request_id))
    ret = db.session.scalar(select(RideRequest).where(RideRequest.return_of_id == old.id))
    wished = wishes_of(old)
    cmd = BookRide(
        kind=RequestKind(old.kind), time_mode=TimeMode(old.time_mode), time=when,
        pickup=Place(old.pickup_address, old.pickup_lat, old.pickup_lon),
        dropoff=Place(old.dropoff_address, old.dropoff_lat, old.dropoff_lon),
        passengers=old.passengers, mobility_aids=tuple(old.mobility_aids), notes=old.notes,
        resident_id=old.resident_id, languages=wished.languages,
        same_gender=wished.same_gender,
        return_after_minutes=ret.appointment_minutes if ret else None,
        idempotency_key=idempotency_key, confirm_duplicate=confirm_duplicate)
    return create_request(actor, cmd, settings)


#: States from which a request goes back to "requested" to be planned again after an edit.
BACK_TO_REQUESTED = {
    RequestState.REQUESTED: [],
    RequestState.PLANNED: [RequestState.REQUESTED],
    RequestState.OFFERED: [RequestState.PLANNED, RequestState.REQUESTED],
    RequestState.ACCEPTED: [RequestState.PLANNED, RequestState.REQUESTED],
    RequestState.UNSERVABLE: [RequestState.REQUESTED],
}


def _editable(req: RideRequest) -> dict[str, Any]:
    """What an edit may change, as plain values for the audit log."""
    return {"time": req.requested_time.isoformat(), "time_mode": req.time_mode,
            "pickup": [req.pickup_address, req.pickup_lat, req.pickup_lon],
            "dropoff": [req.dropoff_address, req.dropoff_lat, req.dropoff_lon],
            "passengers": req.passengers, "notes": req.notes,
            "mobility_aids": list(req.mobility_aids or []),
            **wishes_of(req).as_dict()}


@plan_writer
def edit_request(actor: Person, request_id: int, cmd: EditRide,
                 settings: Settings) -> RideRequest:
    """Change time, places, passengers, aids or notes; the request is planned and offered
    anew."""
    req = check_request(actor, db.session.get(RideRequest, request_id))
    if cmd.time is not None:
        _validate_time(cmd.time, local_now())
    mode = _mode(req.kind)
    for end, place in (("pickup", cmd.pickup), ("dropoff", cmd.dropoff)):
        if place is not None:
            _check_place(settings, end, place, mode)
    days = {day_of(req.quarter_slug, req.requested_time)}
    if cmd.time is not None:
        days.add(day_of(req.quarter_slug, cmd.time))
    lock_days(days)
    state = RequestState(req.state)
    if actor.role == Role.VOLUNTEER or (actor.role == Role.RESIDENT and state not in (
            RequestState.REQUESTED, RequestState.PLANNED, RequestState.OFFERED,
            RequestState.UNSERVABLE)):
        raise NotAllowed("Bitte rufen Sie das Quartiersbüro an, um diese Fahrt zu ändern.")
    if state not in BACK_TO_REQUESTED:
        from dispatch.errors import InvalidTransition

        raise InvalidTransition("Diese Fahrt läuft schon oder ist beendet.", current=state.value)
    before = _editable(req)
    for end, place in (("pickup", cmd.pickup), ("dropoff", cmd.dropoff)):
        if place is not None:
            setattr(req, f"{end}_address", place.address)
            setattr(req, f"{end}_lat", place.lat)
            setattr(req, f"{end}_lon", place.lon)
    if cmd.time is not None or cmd.time_mode is not None:
        req.time_mode = (cmd.time_mode or TimeMode(req.time_mode)).value
        req.requested_time = cmd.time or req.requested_time
        req.window_start, req.window_end = _window(settings, req.time_mode, req.requested_time)
    if cmd.passengers is not None:
        req.passengers = cmd.passengers
    if cmd.notes is not None:
        req.notes = cmd.notes
    if cmd.mobility_aids is not None:  # a wheelchair now: only a car with a wheelchair place
        req.mobility_aids = list(dict.fromkeys(cmd.mobility_aids))
        req.needs_wheelchair_place = "wheelchair" in req.mobility_aids
    if cmd.languages is not None:
        req.languages = list(cmd.languages)
    if cmd.same_gender is not None:
        req.same_gender = cmd.same_gender.value
    withdraw_offers(req)
    remove_from_plans(req)
    for step in BACK_TO_REQUESTED[state]:
        req.move_to(step, reason_code=None, reason_text=None)
    after = _editable(req)
    audit(actor, "request.edited", "ride_request", req.id,
          changes={k: [before[k], after[k]] for k in before if before[k] != after[k]})
    place_new(req, actor, settings)
    commit()
    return req
