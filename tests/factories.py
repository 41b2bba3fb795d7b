"""Factories that create real rows (no mocks). Each flushes and returns the row."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta
from itertools import count
from typing import Any

from werkzeug.security import generate_password_hash

from dispatch.extensions import db
from dispatch.models import Person
from dispatch.models import ResidentProfile
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models import Shift
from dispatch.models import VolunteerProfile

_seq = count(1)
EVING_OFFICE = (51.55051, 7.46352)  # Evinger Straße 209
MARTEN_OFFICE = (51.50934, 7.38638)  # Martener Straße 292
PASSWORD = "correct horse battery"


def make_resident(quarter: str = "eving", *, lat: float = EVING_OFFICE[0],
                  lon: float = EVING_OFFICE[1], **profile: Any) -> Person:
    n = next(_seq)
    gender = profile.pop("gender", "f")
    p = Person(role=Role.RESIDENT, quarter_slug=quarter, first_name=f"Resi{n}", last_name="Test",
               gender=gender)
    p.resident = ResidentProfile(home_address=f"Teststraße {n}", home_lat=lat, home_lon=lon,
                                 **profile)
    db.session.add(p)
    db.session.flush()
    return p


def make_staff(role: Role, quarter: str | None = "eving", **fields: Any) -> Person:
    n = next(_seq)
    p = Person(role=role, quarter_slug=quarter, first_name=f"{role.value.title()}{n}",
               last_name="Test", email=f"{role.value}{n}@example.org",
               password_hash=generate_password_hash(PASSWORD), **fields)
    db.session.add(p)
    db.session.flush()
    return p


def make_volunteer(quarter: str = "eving", *, lat: float = EVING_OFFICE[0],
                   lon: float = EVING_OFFICE[1], shift: tuple[datetime, datetime] | None = None,
                   gender: str = "f", **profile: Any) -> Person:
    p = make_staff(Role.VOLUNTEER, quarter, gender=gender)
    profile.setdefault("vehicle_seats", 3)
    profile.setdefault("vetted_until", date.today() + timedelta(days=365))
    p.volunteer = VolunteerProfile(home_address="Zuhause", home_lat=lat, home_lon=lon, **profile)
    if shift:
        p.volunteer.shifts.append(Shift(starts_at=shift[0], ends_at=shift[1]))
    db.session.flush()
    return p


def make_request(resident: Person, *, when: datetime | None = None, **fields: Any) -> RideRequest:
    when = when or datetime(2026, 12, 1, 9, 0)
    assert resident.resident is not None
    values: dict[str, Any] = {
        "resident_id": resident.id,
        "quarter_slug": resident.quarter_slug,
        "kind": "ride",
        "pickup_address": resident.resident.home_address,
        "pickup_lat": resident.resident.home_lat,
        "pickup_lon": resident.resident.home_lon,
        "dropoff_address": "Arztpraxis",
        "dropoff_lat": 51.5450,
        "dropoff_lon": 7.4600,
        "requested_time": when,
        "window_start": when,
        "window_end": when + timedelta(minutes=15),
    }
    values.update(fields)
    r = RideRequest(**values)
    db.session.add(r)
    db.session.flush()
    return r
