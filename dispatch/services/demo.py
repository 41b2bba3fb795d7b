"""Demo data: a coordinator, volunteers and residents per quarter, for trying the service."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from dispatch.extensions import db
from dispatch.models import Person
from dispatch.models import ResidentProfile
from dispatch.models import Role
from dispatch.models import Shift
from dispatch.models import VolunteerProfile
from dispatch.services.clock import local_now
from dispatch.services.quarters import sync_quarters
from dispatch.settings import Settings

DEMO_PASSWORD = "demo-demo"
SHIFT_DAYS = 14

# (first name, last name, gender, languages, drives, on foot, seats, wheelchair places, offset)
VOLUNTEERS = [
    ("Anna", "Becker", "f", ["de", "en"], True, True, 3, 0, (0.001, -0.002)),
    ("Mehmet", "Yilmaz", "m", ["de", "tr"], True, False, 4, 1, (-0.002, 0.002)),
    ("Jolanta", "Nowak", "f", ["de", "pl"], False, True, 0, 0, (0.002, 0.002)),
]
# (first name, last name, gender, languages, aids, same gender wish, offset in degrees)
RESIDENTS = [
    ("Elfriede", "Schulz", "f", ["de"], ["walker"], "soft", (0.002, 0.001)),
    ("Hüseyin", "Kaya", "m", ["tr", "de"], [], "none", (-0.002, 0.003)),
    ("Gertrud", "Wagner", "f", ["de"], ["wheelchair"], "none", (0.003, -0.002)),
    ("Fatma", "Demir", "f", ["tr"], [], "hard", (-0.001, -0.003)),
]


def demo_phone(quarter_index: int, volunteer_index: int) -> str:
    """A made-up mobile number for a demo volunteer ("0170 555 102": quarter 1, volunteer 2)."""
    return f"0170 555 {quarter_index + 1}{volunteer_index + 1:02d}"


def seed_demo(settings: Settings) -> str:
    """Create the demo people once; running it again changes nothing."""
    sync_quarters(settings)
    created = 0
    for qi, q in enumerate(settings.quarters):
        email = f"koordination.{q.slug}@example.org"
        if db.session.scalar(select(Person).where(Person.email == email)):
            continue
        db.session.add(Person(role=Role.COORDINATOR, quarter_slug=q.slug, first_name="Koordination",
                              last_name=q.name, email=email,
                              password_hash=generate_password_hash(DEMO_PASSWORD)))
        for vi, (first, last, gender, langs, drives, foot, seats, wc, (dlat, dlon)) in \
                enumerate(VOLUNTEERS):
            p = Person(role=Role.VOLUNTEER, quarter_slug=q.slug, first_name=first, last_name=last,
                       gender=gender, email=f"{first.lower()}.{q.slug}@example.org",
                       phone=demo_phone(qi, vi),
                       password_hash=generate_password_hash(DEMO_PASSWORD))
            p.volunteer = VolunteerProfile(
                languages=langs, drives=drives, escorts_on_foot=foot, vehicle_seats=seats,
                wheelchair_places=wc, home_address=f"{q.office.address} (Nähe)",
                home_lat=q.office.lat + dlat, home_lon=q.office.lon + dlon,
                vetted_until=date.today() + timedelta(days=365))
            today = local_now().date()
            for d in range(SHIFT_DAYS):
                day = datetime(today.year, today.month, today.day) + timedelta(days=d)
                p.volunteer.shifts.append(Shift(starts_at=day.replace(hour=7),
                                                ends_at=day.replace(hour=19)))
            db.session.add(p)
            created += 1
        for first, last, gender, langs, aids, same, (dlat, dlon) in RESIDENTS:
            p = Person(role=Role.RESIDENT, quarter_slug=q.slug, first_name=first, last_name=last,
                       gender=gender, ui_language=langs[0])
            p.resident = ResidentProfile(
                home_address=f"{q.office.address} (Nähe)", home_lat=q.office.lat + dlat,
                home_lon=q.office.lon + dlon, languages=langs, mobility_aids=aids,
                same_gender=same)
            db.session.add(p)
            created += 1
    db.session.flush()
    return f"demo data: {created} people created (password for staff: {DEMO_PASSWORD})"
