"""What each screen shows: the coordinator's board, a volunteer's day, a resident's rides."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dispatch.domain.lifecycle import OPEN
from dispatch.domain.lifecycle import RequestState
from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import OfferState
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models import Trip
from dispatch.services.serialize import offer_dict
from dispatch.services.serialize import request_dict
from dispatch.services.serialize import trip_dict

UNASSIGNED = {*OPEN, RequestState.UNSERVABLE}


def day_bounds(day: datetime) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day)
    return start, start + timedelta(days=1)


def board(quarter: str, now: datetime) -> dict[str, Any]:
    """Volunteers, today's and coming trips, and requests without a volunteer (with reasons)."""
    start, _ = day_bounds(now)
    volunteers = db.session.scalars(select(Person).where(
        Person.role == Role.VOLUNTEER, Person.quarter_slug == quarter, Person.active)
        .order_by(Person.first_name)).all()
    trips = db.session.scalars(select(Trip).where(
        Trip.quarter_slug == quarter, Trip.service_day >= start).order_by(Trip.service_day,
                                                                         Trip.id)).all()
    trips = [t for t in trips if t.stops]
    unassigned = db.session.scalars(select(RideRequest).where(
        RideRequest.quarter_slug == quarter,
        RideRequest.state.in_([s.value for s in UNASSIGNED]),
        RideRequest.requested_time >= start).order_by(RideRequest.requested_time)).all()
    vol_out = []
    for v in volunteers:
        prof = v.volunteer
        vol_out.append({
            "id": v.id, "first_name": v.first_name, "display_name": v.display_name,
            "phone": v.phone,  # the office calls its volunteers (the board is staff only)
            "available": bool(prof and prof.available),
            "drives": bool(prof and prof.drives),
            "escorts_on_foot": bool(prof and prof.escorts_on_foot),
            "languages": list(prof.languages) if prof else [],
            "lat": prof.home_lat if prof else None, "lon": prof.home_lon if prof else None,
            "vetted": bool(prof and prof.vetted_on(now.date())),
            "trips": [t.id for t in trips if t.volunteer_id == v.id],
        })
    return {"quarter": quarter, "volunteers": vol_out, "trips": [trip_dict(t) for t in trips],
            "unassigned": [request_dict(r) for r in unassigned]}


def volunteer_day(person: Person, now: datetime) -> dict[str, Any]:
    """Open offers and the trips of today and later."""
    start, _ = day_bounds(now)
    offers = db.session.scalars(select(Offer).where(
        Offer.volunteer_id == person.id, Offer.state == OfferState.OPEN.value)
        .order_by(Offer.expires_at)).all()
    trips = db.session.scalars(select(Trip).where(
        Trip.volunteer_id == person.id, Trip.service_day >= start).order_by(Trip.service_day)).all()
    return {"offers": [offer_dict(o) for o in offers],
            "trips": [trip_dict(t) for t in trips if t.stops]}


def resident_rides(person: Person) -> list[dict[str, Any]]:
    """The resident's 50 latest rides by time (standing rides weeks ahead included)."""
    rows = db.session.scalars(select(RideRequest).where(RideRequest.resident_id == person.id)
                              .order_by(RideRequest.requested_time.desc()).limit(50)).all()
    return [request_dict(r) for r in rows]
