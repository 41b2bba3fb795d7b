"""Plain dicts of models for the API and the live pushes (one shape for both)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dispatch.domain.lifecycle import COMMITTED
from dispatch.domain.lifecycle import LABELS_DE
from dispatch.domain.lifecycle import RequestState
from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Trip
from dispatch.models import TripStop
from dispatch.models._types import utcnow
from dispatch.services.wishes import wishes_of


def iso(dt: datetime | None) -> str | None:
    """ISO text of a naive local time (minutes precision is enough for people)."""
    return dt.replace(microsecond=0).isoformat() if dt else None


def needs_of(person: Person) -> dict[str, Any]:
    """What a volunteer must know before accepting: aids, languages, wishes."""
    prof = person.resident
    if prof is None:
        return {}
    return {"mobility_aids": list(prof.mobility_aids), "languages": list(prof.languages),
            "same_gender": prof.same_gender, "help_at_door": prof.help_at_door,
            "notes": prof.notes}


def ride_needs(req: RideRequest) -> dict[str, Any]:
    """The resident's needs for this ride: her profile, with the ride's own wishes."""
    needs = needs_of(req.resident)
    return {**needs, **wishes_of(req).as_dict()} if needs else needs


def car_of(volunteer: Person) -> str | None:
    """'VW Golf, blau, DO-AB 123' from the volunteer's profile (None if nothing is known)."""
    prof = volunteer.volunteer
    if prof is None:
        return None
    parts = [x for x in (prof.car_make, prof.car_colour, prof.car_plate) if x]
    return ", ".join(parts) or None


def person_dict(p: Person) -> dict[str, Any]:
    out: dict[str, Any] = {"id": p.id, "role": p.role, "first_name": p.first_name,
                           "display_name": p.display_name, "quarter": p.quarter_slug,
                           "ui_language": p.ui_language, "gender": p.gender,
                           "notifications": {"channels": list(p.notify_channels or []),
                                             "quiet_from": p.quiet_from,
                                             "quiet_until": p.quiet_until}}
    if p.resident is not None:
        r = p.resident
        out["resident"] = {"home": {"address": r.home_address, "lat": r.home_lat,
                                    "lon": r.home_lon},
                           **needs_of(p)}
    if p.volunteer is not None:
        v = p.volunteer
        out["volunteer"] = {"available": v.available, "drives": v.drives,
                            "escorts_on_foot": v.escorts_on_foot, "languages": list(v.languages),
                            "vehicle_seats": v.vehicle_seats,
                            "wheelchair_places": v.wheelchair_places,
                            "vetted_until": v.vetted_until.isoformat() if v.vetted_until else None,
                            "offer_filters": v.offer_filters or {},
                            "car": {"make": v.car_make, "colour": v.car_colour,
                                    "plate": v.car_plate}}
    return out


def register_dict(p: Person) -> dict[str, Any]:
    """A resident as the quarter office's register shows it (staff only): with name and phone."""
    return {**person_dict(p), "last_name": p.last_name, "phone": p.phone}


def _stops_of(req: RideRequest) -> tuple[TripStop | None, TripStop | None]:
    stops = db.session.query(TripStop).filter_by(request_id=req.id).all()
    pick = next((s for s in stops if s.kind == "pickup"), None)
    drop = next((s for s in stops if s.kind == "dropoff"), None)
    return pick, drop


#: States in which no volunteer has taken the ride yet: nobody is named as its volunteer.
NOT_YET_TAKEN = frozenset({RequestState.REQUESTED, RequestState.PLANNED, RequestState.OFFERED,
                           RequestState.UNSERVABLE, RequestState.CANCELLED})


def request_dict(req: RideRequest) -> dict[str, Any]:
    pick, drop = _stops_of(req)
    volunteer = offered_to = None
    if pick is not None and RequestState(req.state) not in NOT_YET_TAKEN:
        v = pick.trip.volunteer
        volunteer = {"id": v.id, "first_name": v.first_name, "car": car_of(v),
                     **_volunteer_phone(req, v)}
    elif pick is not None and req.state == RequestState.OFFERED:
        v = pick.trip.volunteer
        offered_to = {"id": v.id, "first_name": v.first_name}
    return_row = db.session.query(RideRequest.id).filter_by(return_of_id=req.id).first()
    return {
        "id": req.id, "kind": req.kind, "state": req.state,
        "state_label": LABELS_DE[RequestState(req.state)],
        "reason": {"code": req.reason_code, "text": req.reason_text} if req.reason_code else None,
        "quarter": req.quarter_slug,
        "pickup": {"address": req.pickup_address, "lat": req.pickup_lat, "lon": req.pickup_lon},
        "dropoff": {"address": req.dropoff_address, "lat": req.dropoff_lat,
                    "lon": req.dropoff_lon},
        "time_mode": req.time_mode, "time": iso(req.requested_time),
        "window": [iso(req.window_start), iso(req.window_end)],
        "planned_pickup": iso(pick.planned_arrival) if pick else None,
        "planned_dropoff": iso(drop.planned_arrival) if drop else None,
        # the volunteer reported "arrived" at the pick-up: waiting at the door
        "pickup_arrived": bool(pick is not None and pick.arrived_at is not None),
        "volunteer": volunteer,  # only once a volunteer has taken the ride
        "offered_to": offered_to,  # whom it is being offered to (the board)
        "passengers": req.passengers, "mobility_aids": list(req.mobility_aids),
        "return_of": req.return_of_id, "return_id": return_row[0] if return_row else None,
        "appointment_minutes": req.appointment_minutes,
        "series_id": req.series_id, "notes": req.notes, "purpose": req.purpose,
        "confirmed_at": req.confirmed_at.isoformat() + "Z" if req.confirmed_at else None,
        "resident": {"id": req.resident.id, "first_name": req.resident.first_name,
                     "needs": ride_needs(req)},
    }


def offer_dict(offer: Offer, *, request: dict[str, Any] | None = None) -> dict[str, Any]:
    """The offer with its request (``request``: that request already serialised)."""
    left = max(0, int((offer.expires_at - utcnow()).total_seconds()))
    return {"id": offer.id, "state": offer.state, "expires_at": offer.expires_at.isoformat() + "Z",
            "seconds_left": left if offer.state == "open" else 0,
            "request": request if request is not None else request_dict(offer.request)}


def stop_dict(s: TripStop) -> dict[str, Any]:
    status = "done" if s.done_at else "arrived" if s.arrived_at else "planned"
    return {"id": s.id, "kind": s.kind, "seq": s.seq, "address": s.address, "lat": s.lat,
            "lon": s.lon, "planned_arrival": iso(s.planned_arrival),
            "planned_departure": iso(s.planned_departure), "request_id": s.request_id,
            "request_state": s.request.state, "locked": s.locked,
            "resident_first_name": s.request.resident.first_name,
            "needs": ride_needs(s.request), "status": status,
            "request_kind": s.request.kind, "mobility_aids": list(s.request.mobility_aids),
            "passengers": s.request.passengers, "notes": s.request.notes,
            **_resident_phone(s)}


def _resident_phone(s: TripStop) -> dict[str, Any]:
    """The resident's phone, only while the trip's volunteer holds (has accepted) the ride."""
    req = s.request
    if RequestState(req.state) not in COMMITTED or not req.resident.phone:
        return {}
    return {"resident_phone": req.resident.phone}


def _volunteer_phone(req: RideRequest, volunteer: Person) -> dict[str, Any]:
    """The volunteer's phone for the resident, only while the volunteer holds the ride."""
    if RequestState(req.state) not in COMMITTED or not volunteer.phone:
        return {}
    return {"phone": volunteer.phone}


def trip_dict(t: Trip) -> dict[str, Any]:
    return {"id": t.id, "volunteer": {"id": t.volunteer.id, "first_name": t.volunteer.first_name},
            "quarter": t.quarter_slug, "day": t.service_day.date().isoformat(),
            "stops": [stop_dict(s) for s in t.stops]}
