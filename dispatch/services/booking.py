"""Book, cancel and re-book rides and escorts. Each public function is one unit of work."""

from __future__ import annotations

import uuid
from datetime import datetime
from datetime import timedelta
from typing import Any

from dispatch.domain.lifecycle import TERMINAL
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import InvalidInput
from dispatch.errors import NotAllowed
from dispatch.errors import NotFound
from dispatch.errors import OutsideServiceArea
from dispatch.extensions import db
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.services.access import check_request
from dispatch.services.access import is_staff
from dispatch.services.access import may_see_quarter
from dispatch.services.audit import audit
from dispatch.services.clock import local_now
from dispatch.services.network import get_network
from dispatch.services.notify import request_changed
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
                           fields={"resident_id": "Bitte eine Person auswählen."})
    resident = db.session.get(Person, resident_id)
    if resident is None or resident.role != Role.RESIDENT or not may_see_quarter(
            actor, resident.quarter_slug or ""):
        raise NotFound("Diese Person gibt es in Ihrem Quartier nicht.",
                       fields={"resident_id": "Unbekannte Person."})
    return resident


def _check_place(settings: Settings, field: str, place: dict[str, Any], mode: str) -> None:
    from dispatch.routing import OutsideServiceArea as RoutingOutside

    try:
        get_network(settings).snap(place["lat"], place["lon"], mode=mode)
    except RoutingOutside as exc:
        raise OutsideServiceArea(
            f"„{place['address']}“ liegt außerhalb unseres Gebiets.",
            fields={field: f"„{place['address']}“ liegt außerhalb des Gebiets, das wir "
                           f"anfahren ({exc.distance_m:.0f} m von der nächsten Straße)."},
        ) from None


def _window(settings: Settings, mode: str, t: datetime) -> tuple[datetime, datetime]:
    rules = settings.service
    if mode == "arrive_by":
        return t - timedelta(minutes=rules.arrive_by_window_min), t
    return t, t + timedelta(minutes=rules.pickup_window_min)


def _validate_time(t: datetime, now: datetime) -> None:
    if t < now - timedelta(minutes=5):
        raise InvalidInput("Dieser Zeitpunkt liegt in der Vergangenheit.",
                           fields={"time": "Bitte einen Zeitpunkt in der Zukunft wählen."})
    if t > now + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput("So weit im Voraus können wir noch nicht planen.",
                           fields={"time": f"Höchstens {MAX_DAYS_AHEAD} Tage im Voraus."})


def _new_request(resident: Person, actor: Person, data: dict[str, Any], settings: Settings,
                 *, series_id: str | None) -> RideRequest:
    prof = resident.resident
    assert prof is not None
    aids = data["mobility_aids"] if data.get("mobility_aids") is not None else list(
        prof.mobility_aids)
    start, end = _window(settings, data["time_mode"], data["time"])
    return RideRequest(
        resident_id=resident.id, quarter_slug=resident.quarter_slug, kind=data["kind"],
        pickup_address=data["pickup"]["address"], pickup_lat=data["pickup"]["lat"],
        pickup_lon=data["pickup"]["lon"], dropoff_address=data["dropoff"]["address"],
        dropoff_lat=data["dropoff"]["lat"], dropoff_lon=data["dropoff"]["lon"],
        time_mode=data["time_mode"], requested_time=data["time"], window_start=start,
        window_end=end, passengers=data["passengers"], mobility_aids=aids,
        needs_wheelchair_place="wheelchair" in aids, notes=data["notes"],
        series_id=series_id, created_by_id=actor.id,
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
        time_mode="pickup_after", requested_time=opens, window_start=opens,
        window_end=opens + timedelta(minutes=settings.service.pickup_window_min),
        appointment_minutes=minutes, passengers=out.passengers,
        mobility_aids=list(out.mobility_aids), needs_wheelchair_place=out.needs_wheelchair_place,
        notes=out.notes, series_id=out.series_id, created_by_id=out.created_by_id, return_of=out,
    )


def create_request(actor: Person, data: dict[str, Any], settings: Settings) -> RideRequest:
    """Validate, store and place a new request (and its return ride); commit once.

    Raises ``InvalidInput``/``OutsideServiceArea`` (422) with a message per field.
    """
    from dispatch.services.planning import place_new

    resident = _resident_for(actor, data.get("resident_id"))
    if resident.resident is None:
        raise InvalidInput("Für diese Person fehlt die Wohnadresse.")
    _validate_time(data["time"], local_now())
    mode = "walk" if data["kind"] == "escort_walk" else "drive"
    _check_place(settings, "pickup", data["pickup"], mode)
    _check_place(settings, "dropoff", data["dropoff"], mode)
    if mode == "walk":
        net = get_network(settings)
        pts = [(data["pickup"]["lat"], data["pickup"]["lon"]),
               (data["dropoff"]["lat"], data["dropoff"]["lon"])]
        walk_s = float(net.travel_time_matrix(pts, mode="walk")[0, 1])
        if walk_s > WALK_LIMIT_S:
            raise InvalidInput(
                "Zu Fuß ist das zu weit.",
                fields={"kind": f"Der Weg dauert zu Fuß etwa {walk_s / 60:.0f} Minuten. "
                                "Bitte eine Fahrt mit Begleitung buchen."})
    series = uuid.uuid4().hex[:12] if data.get("repeat_weekly") else None
    weeks = WEEKLY_AHEAD if series else 1
    first: RideRequest | None = None
    for week in range(weeks):
        when = {**data, "time": data["time"] + timedelta(weeks=week)}
        req = _new_request(resident, actor, when, settings, series_id=series)
        db.session.add(req)
        created = [req]
        if data.get("return_after_minutes") is not None:
            created.append(_return_for(req, data["return_after_minutes"], settings))
            db.session.add(created[-1])
        db.session.flush()
        for r in created:
            audit(actor, "request.created", "ride_request", r.id, kind=r.kind,
                  time=r.requested_time.isoformat(), return_of=r.return_of_id, series=series,
                  on_behalf=resident.id if actor.id != resident.id else None)
        for r in created:
            place_new(r, actor, settings)
        first = first or req
    db.session.commit()
    assert first is not None
    return first


def cancel_request(actor: Person, request_id: int, settings: Settings) -> RideRequest:
    """Cancel a request (and its return ride); the volunteer's plan is updated and told."""
    from dispatch.services.planning import remove_from_plans
    from dispatch.services.planning import withdraw_offers

    req = check_request(actor, db.session.get(RideRequest, request_id))
    if actor.role == Role.VOLUNTEER:
        raise NotAllowed("Bitte geben Sie die Tour zurück, statt die Fahrt abzusagen.")
    targets = [req]
    ret = db.session.query(RideRequest).filter_by(return_of_id=req.id).first()
    if ret is not None and RequestState(ret.state) not in TERMINAL:
        targets.append(ret)
    for r in targets:
        if RequestState(r.state) == RequestState.CANCELLED:
            continue
        r.move_to(RequestState.CANCELLED)
        withdraw_offers(r)
        remove_from_plans(r)
        audit(actor, "request.cancelled", "ride_request", r.id)
        request_changed(r)
    db.session.commit()
    return req


def book_again(actor: Person, request_id: int, when: datetime,
               settings: Settings) -> RideRequest:
    """One tap: the same ride at a new time (with its return ride if it had one)."""
    old = check_request(actor, db.session.get(RideRequest, request_id))
    ret = db.session.query(RideRequest).filter_by(return_of_id=old.id).first()
    data = {
        "kind": old.kind, "time_mode": old.time_mode, "time": when,
        "pickup": {"address": old.pickup_address, "lat": old.pickup_lat, "lon": old.pickup_lon},
        "dropoff": {"address": old.dropoff_address, "lat": old.dropoff_lat,
                    "lon": old.dropoff_lon},
        "passengers": old.passengers, "mobility_aids": list(old.mobility_aids),
        "notes": old.notes, "resident_id": old.resident_id,
        "return_after_minutes": ret.appointment_minutes if ret else None,
    }
    return create_request(actor, data, settings)


#: States from which a request goes back to "requested" to be planned again after an edit.
BACK_TO_REQUESTED = {
    RequestState.REQUESTED: [],
    RequestState.PLANNED: [RequestState.REQUESTED],
    RequestState.OFFERED: [RequestState.PLANNED, RequestState.REQUESTED],
    RequestState.ACCEPTED: [RequestState.PLANNED, RequestState.REQUESTED],
    RequestState.UNSERVABLE: [RequestState.REQUESTED],
}


def edit_request(actor: Person, request_id: int, changes: dict[str, Any],
                 settings: Settings) -> RideRequest:
    """Change time, places, passengers or notes; the request is planned and offered anew."""
    from dispatch.services.planning import place_new
    from dispatch.services.planning import remove_from_plans
    from dispatch.services.planning import withdraw_offers

    req = check_request(actor, db.session.get(RideRequest, request_id))
    state = RequestState(req.state)
    if actor.role == Role.VOLUNTEER or (actor.role == Role.RESIDENT and state not in (
            RequestState.REQUESTED, RequestState.PLANNED, RequestState.OFFERED,
            RequestState.UNSERVABLE)):
        raise NotAllowed("Bitte rufen Sie das Quartiersbüro an, um diese Fahrt zu ändern.")
    if state not in BACK_TO_REQUESTED:
        from dispatch.errors import InvalidTransition

        raise InvalidTransition("Diese Fahrt läuft schon oder ist beendet.", current=state.value)
    mode = "walk" if req.kind == "escort_walk" else "drive"
    for end in ("pickup", "dropoff"):
        if end in changes:
            _check_place(settings, end, changes[end], mode)
            setattr(req, f"{end}_address", changes[end]["address"])
            setattr(req, f"{end}_lat", changes[end]["lat"])
            setattr(req, f"{end}_lon", changes[end]["lon"])
    if "time" in changes or "time_mode" in changes:
        when = changes.get("time", req.requested_time)
        _validate_time(when, local_now())
        req.time_mode = changes.get("time_mode", req.time_mode)
        req.requested_time = when
        req.window_start, req.window_end = _window(settings, req.time_mode, when)
    for key in ("passengers", "notes"):
        if key in changes:
            setattr(req, key, changes[key])
    withdraw_offers(req)
    remove_from_plans(req)
    for step in BACK_TO_REQUESTED[state]:
        req.move_to(step, reason_code=None, reason_text=None)
    audit(actor, "request.edited", "ride_request", req.id, fields=sorted(changes))
    place_new(req, actor, settings)
    db.session.commit()
    return req
