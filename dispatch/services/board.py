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
from dispatch.models import Shift
from dispatch.models import Trip
from dispatch.services.serialize import offer_dict
from dispatch.services.serialize import request_dict
from dispatch.services.serialize import trip_dict

UNASSIGNED = {*OPEN, RequestState.UNSERVABLE}


def day_bounds(day: datetime) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day)
    return start, start + timedelta(days=1)


#: How many days, from today, the board shows of each volunteer's shifts and trips.
WEEK_DAYS = 7


def volunteer_weeks(volunteers: list[Person], trips: list[Trip], start: datetime
                    ) -> dict[int, list[dict[str, Any]]]:
    """Per volunteer, each of the next :data:`WEEK_DAYS` days with a shift or a trip:
    ``{"day", "shifts": [[from, to]], "trips"}`` (one query for all the shifts)."""
    end = start + timedelta(days=WEEK_DAYS)
    shifts = db.session.scalars(select(Shift).where(
        Shift.volunteer_id.in_([v.id for v in volunteers]), Shift.ends_at > start,
        Shift.starts_at < end).order_by(Shift.starts_at)).all()
    days: dict[int, dict[str, dict[str, Any]]] = {v.id: {} for v in volunteers}

    def day(vid: int, when: datetime) -> dict[str, Any]:
        key = when.date().isoformat()
        return days[vid].setdefault(key, {"day": key, "shifts": [], "trips": 0})

    for sh in shifts:
        day(sh.volunteer_id, max(sh.starts_at, start))["shifts"].append(
            [sh.starts_at.isoformat(), sh.ends_at.isoformat()])
    for t in trips:
        if t.volunteer_id in days and start <= t.service_day < end:
            day(t.volunteer_id, t.service_day)["trips"] += 1
    return {vid: sorted(d.values(), key=lambda x: x["day"]) for vid, d in days.items()}


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
    # a request on a trip (planned or offered) is shown there, once; not also as unassigned
    on_trips = {s.request_id for t in trips for s in t.stops}
    unassigned = [r for r in db.session.scalars(select(RideRequest).where(
        RideRequest.quarter_slug == quarter,
        RideRequest.state.in_([s.value for s in UNASSIGNED]),
        RideRequest.requested_time >= start).order_by(RideRequest.requested_time)).all()
        if r.id not in on_trips]
    weeks = volunteer_weeks(list(volunteers), trips, start)
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
            "week": weeks[v.id],
        })
    from dispatch.services.tasks import failed_notices
    from dispatch.services.tasks import open_tasks

    return {"quarter": quarter, "volunteers": vol_out, "trips": [trip_dict(t) for t in trips],
            "unassigned": [request_dict(r) for r in unassigned],
            "tasks": open_tasks(quarter), "failed_notices": failed_notices(quarter)}


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
