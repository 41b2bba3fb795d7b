"""The simulated residents and volunteers of a quarter: drawn from the map, stored once.

People are keyed by e-mail (``sim-<quarter>-r<n>@example.invalid`` for residents,
``sim-<quarter>-v<n>@example.org`` for volunteers), so a second run (or the trickle of a
running demo) meets the same people again. Volunteers log in with the demo password; their
shifts for the day are added through :func:`dispatch.services.people.add_shift`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from dispatch.extensions import db
from dispatch.models import Person
from dispatch.models import ResidentProfile
from dispatch.models import Role
from dispatch.models import VolunteerProfile
from dispatch.services.people import add_shift
from dispatch.simulation.params import SimParams
from dispatch.simulation.places import QuarterPlaces

PASSWORD = "demo-demo"
FIRST_NAMES = {
    "de": (["Elfriede", "Gisela", "Ursula", "Helga", "Ingrid", "Renate", "Hannelore", "Brigitte"],
           ["Heinz", "Günter", "Manfred", "Werner", "Klaus", "Horst", "Dieter", "Wolfgang"]),
    "tr": (["Fatma", "Ayşe", "Emine", "Hatice", "Zeynep", "Elif"],
           ["Mehmet", "Mustafa", "Ahmet", "Hüseyin", "Hasan", "İbrahim"]),
    "ar": (["Fatima", "Aisha", "Mariam", "Samira", "Layla"],
           ["Mohammed", "Ahmad", "Khalid", "Yusuf", "Omar"]),
    "pl": (["Krystyna", "Danuta", "Jolanta", "Halina", "Barbara"],
           ["Stanisław", "Tadeusz", "Jan", "Zbigniew", "Andrzej"]),
}
LAST_NAMES = {
    "de": ["Schulz", "Wagner", "Becker", "Hoffmann", "Schäfer", "Koch", "Richter", "Klein",
           "Wolf", "Schröder", "Neumann", "Schwarz"],
    "tr": ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın"],
    "ar": ["Haddad", "Khalil", "Mansour", "Saleh", "Nasser"],
    "pl": ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński"],
}
VOLUNTEER_FIRST = ["Anke", "Bernd", "Carla", "Deniz", "Emre", "Frank", "Greta", "Hakan",
                   "Iris", "Jonas", "Katja", "Lars", "Merve", "Nils", "Olga", "Piotr",
                   "Rana", "Sven", "Tanja", "Ulrich", "Vera", "Walid", "Yasemin", "Zofia"]
# (start, end) of a shift in hours, with its share
SHIFTS = [((7.5, 12.5), 0.35), ((12.0, 17.5), 0.25), ((8.0, 16.0), 0.4)]


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    keys = sorted(shares)
    return rng.choices(keys, weights=[shares[k] for k in keys])[0]


def _at(day: date, hour: float) -> datetime:
    return datetime(day.year, day.month, day.day) + timedelta(hours=hour)


@dataclass(frozen=True)
class Population:
    """Ids of the people a simulation acts for."""

    residents: tuple[int, ...]
    volunteers: tuple[int, ...]


def _resident(rng: random.Random, params: SimParams, places: QuarterPlaces, n: int) -> Person:
    first_lang = _pick(rng, dict(params.languages()))
    langs = [first_lang]
    if first_lang != "de" and rng.random() < params.bilingual_share:
        langs.append("de")
    gender = "f" if rng.random() < params.female_share else "m"
    firsts = FIRST_NAMES.get(first_lang, FIRST_NAMES["de"])[0 if gender == "f" else 1]
    roll = rng.random()
    aids = (["wheelchair"] if roll < params.wheelchair_share else
            ["walker"] if roll < params.wheelchair_share + params.walker_share else [])
    same = "none"
    if gender == "f":
        wish = rng.random()
        strict = 0.15 if first_lang in ("tr", "ar") else 0.03
        same = "hard" if wish < strict else "soft" if wish < strict + 0.2 else "none"
    home = places.homes[rng.randrange(len(places.homes))]
    p = Person(role=Role.RESIDENT, quarter_slug=params.quarter, first_name=rng.choice(firsts),
               last_name=rng.choice(LAST_NAMES.get(first_lang, LAST_NAMES["de"])),
               gender=gender, ui_language=first_lang if first_lang in (
                   "de", "tr", "ar", "pl") else "de",
               email=f"sim-{params.quarter}-r{n}@example.invalid")
    p.resident = ResidentProfile(home_address=home.label, home_lat=home.lat, home_lon=home.lon,
                                 languages=langs, mobility_aids=aids, same_gender=same,
                                 notes="simuliert")
    return p


def _volunteer(rng: random.Random, params: SimParams, places: QuarterPlaces, n: int,
               password_hash: str) -> Person:
    drives = n % 5 != 4  # every fifth volunteer walks only
    others = params.volunteer_languages()
    langs = ["de", *sorted(k for k, share in others.items() if rng.random() < share)]
    spoken = {k: v for k, v in params.languages().items() if k != "de"}
    ranked = sorted(spoken, key=lambda k: (-spoken[k], k))
    if n < len(ranked) and n < 2:  # the first two speak the residents' commonest others
        langs = sorted({*langs, ranked[n]}, key=lambda k: (k != "de", k))
    home = places.homes[rng.randrange(len(places.homes))]
    p = Person(role=Role.VOLUNTEER, quarter_slug=params.quarter,
               first_name=VOLUNTEER_FIRST[n % len(VOLUNTEER_FIRST)],
               last_name=f"Sim{n + 1}", gender=rng.choice("fm"),
               email=f"sim-{params.quarter}-v{n}@example.org", password_hash=password_hash)
    p.volunteer = VolunteerProfile(
        languages=langs, drives=drives,
        escorts_on_foot=not drives or n % 3 == 2 or rng.random() < 0.3,
        vehicle_seats=rng.choice([3, 4]) if drives else 0,
        wheelchair_places=1 if drives and n % 4 == 1 else 0, home_address=home.label,
        home_lat=home.lat, home_lon=home.lon, max_hours_per_week=12.0,
        vetted_until=params.day + timedelta(days=365))
    return p


def ensure_population(params: SimParams, places: QuarterPlaces) -> Population:
    """The quarter's simulated residents and volunteers (created when missing) and the
    volunteers' shifts on the day (added when they have none); commits."""
    rng = random.Random(f"{params.seed}:{params.quarter}:people")
    residents: list[int] = []
    volunteers: list[int] = []
    password_hash: str | None = None
    for n in range(params.resident_count):
        drawn = _resident(rng, params, places, n)  # drawn even if stored, to keep the seed
        found = db.session.scalar(select(Person).where(Person.email == drawn.email))
        if found is None:
            db.session.add(drawn)
            db.session.flush()
            found = drawn
        residents.append(found.id)
    for n in range(params.volunteers):
        email = f"sim-{params.quarter}-v{n}@example.org"
        found = db.session.scalar(select(Person).where(Person.email == email))
        if found is None:
            password_hash = password_hash or generate_password_hash(PASSWORD)
            found = _volunteer(rng, params, places, n, password_hash)
            db.session.add(found)
            db.session.flush()
        volunteers.append(found.id)
    db.session.commit()
    shift_rng = random.Random(f"{params.seed}:{params.quarter}:{params.day}:shifts")
    for n, vid in enumerate(volunteers):
        person = db.session.get(Person, vid)
        assert person is not None
        assert person.volunteer is not None
        ((start, end),) = shift_rng.choices([s for s, _ in SHIFTS],
                                            weights=[w for _, w in SHIFTS])
        if n == 0:
            start, end = 7.0, 18.0  # someone covers the whole service day
        day0 = _at(params.day, 0)
        if not any(day0 <= s.starts_at < day0 + timedelta(days=1)
                   for s in person.volunteer.shifts):
            add_shift(person, _at(params.day, start), _at(params.day, end))
    return Population(tuple(residents), tuple(volunteers))
