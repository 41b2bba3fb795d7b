"""Accounts: password and one-time-code log-in, residents created by coordinators."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta
from typing import Any
from typing import NoReturn

from sqlalchemy import select
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from dispatch.errors import DispatchError
from dispatch.errors import NotAllowed
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.field_messages import say
from dispatch.models import Person
from dispatch.models import ResidentProfile
from dispatch.models import Role
from dispatch.models._types import utcnow
from dispatch.services.access import is_staff
from dispatch.services.access import may_see_quarter
from dispatch.services.audit import audit
from dispatch.services.commands import EditResident
from dispatch.services.notify import resident_changed
from dispatch.settings import Settings

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_DAYS = 14


class LoginFailed(DispatchError):
    code = "login_failed"
    status = 401


def _hash_code(code: str) -> str:
    normal = code.strip().upper().replace(" ", "").replace("-", "")
    return hashlib.sha256(normal.encode()).hexdigest()


@functools.cache
def _dummy_hash() -> str:
    """A password hash to check against when the e-mail is unknown (same answer time)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _refuse(person: Person | None, how: str, why: str, message: str, **data: Any) -> NoReturn:
    """Audit a failed log-in (committed on its own: the refusal rolls nothing back), refuse."""
    db.session.rollback()
    audit(None, "login.failed", "person", person.id if person else None, how=how, why=why,
          **data)
    db.session.commit()
    raise LoginFailed(message)


def login_with_password(email: str, password: str, *, address: str | None = None) -> Person:
    """A staff member's log-in; a wrong e-mail takes as long as a wrong password."""
    normal = email.strip().lower()
    person = db.session.scalar(select(Person).where(Person.email == normal))
    ok = check_password_hash(person.password_hash if person is not None and
                             person.password_hash else _dummy_hash(), password)
    if person is None or not person.password_hash or not person.active or not ok:
        why = "unknown" if person is None else "inactive" if not person.active else "password"
        _refuse(person, "password", why, "E-Mail oder Passwort stimmen nicht.",
                email=normal[:200], address=address)
    audit(person, "login.password", "person", person.id, address=address)
    db.session.commit()
    return person


def login_with_code(code: str, *, address: str | None = None) -> Person:
    """A resident's one-time code: valid once, for a limited time."""
    person = db.session.scalar(select(Person).where(Person.login_code_hash == _hash_code(code)))
    if person is None or not person.active or person.login_code_expires is None or \
            person.login_code_expires < utcnow():
        _refuse(person, "code", "unknown" if person is None else "expired",
                "Dieser Anmeldecode gilt nicht (mehr). Das Quartiersbüro gibt Ihnen gern einen "
                "neuen.", address=address)
    person.login_code_hash = None
    person.login_code_expires = None
    audit(person, "login.code", "person", person.id, address=address)
    db.session.commit()
    return person


def logout(person: Person) -> None:
    """End every session of the person: cookies issued before no longer work."""
    person.session_version += 1
    audit(person, "logout", "person", person.id)
    db.session.commit()


def new_login_code(actor: Person, person_id: int) -> str:
    """Create a one-time code for a resident (shown once to the coordinator)."""
    person = db.session.get(Person, person_id)
    if not is_staff(actor):
        raise NotAllowed("Anmeldecodes vergibt das Quartiersbüro.")
    if person is None or person.role != Role.RESIDENT or not may_see_quarter(
            actor, person.quarter_slug or ""):
        raise NotFound("Diese Person gibt es in Ihrem Quartier nicht.")
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    person.login_code_hash = _hash_code(raw)
    person.login_code_expires = utcnow() + timedelta(days=CODE_DAYS)
    audit(actor, "login_code.created", "person", person.id)
    db.session.commit()
    return f"{raw[:4]}-{raw[4:]}"


def create_resident(actor: Person, data: dict[str, Any], quarters: list[str]) -> Person:
    """A coordinator creates a resident account during a phone call."""
    if not is_staff(actor):
        raise NotAllowed("Konten legt das Quartiersbüro an.")
    quarter = data.get("quarter") or actor.quarter_slug
    if quarter not in quarters or not may_see_quarter(actor, quarter):
        from dispatch.errors import InvalidInput

        raise InvalidInput("Dieses Quartier gibt es nicht.", fields={"quarter": say("unknown")})
    p = Person(role=Role.RESIDENT, quarter_slug=quarter, first_name=data["first_name"],
               last_name=data["last_name"], phone=data.get("phone"), gender=data.get("gender"),
               ui_language=data["ui_language"])
    home = data["home"]
    p.resident = ResidentProfile(
        home_address=home["address"], home_lat=home["lat"], home_lon=home["lon"],
        languages=data["languages"], mobility_aids=data["mobility_aids"],
        same_gender=data["same_gender"], help_at_door=data["help_at_door"],
        caregiver_name=data.get("caregiver_name"), caregiver_email=data.get("caregiver_email"))
    db.session.add(p)
    db.session.flush()
    audit(actor, "resident.created", "person", p.id)
    resident_changed(p)
    db.session.commit()
    return p


def edit_resident(actor: Person, person_id: int, cmd: EditResident) -> Person:
    """The quarter office corrects a resident's profile (name, phone, home, needs)."""
    if not is_staff(actor):
        raise NotAllowed("Profile ändert das Quartiersbüro.")
    person = db.session.get(Person, person_id)
    if person is None or person.role != Role.RESIDENT or person.resident is None or \
            not may_see_quarter(actor, person.quarter_slug or ""):
        raise NotFound("Diese Person gibt es in Ihrem Quartier nicht.")
    prof = person.resident
    changed: list[str] = []
    for name in ("first_name", "last_name", "phone", "gender"):
        value = getattr(cmd, name)
        if value is not None:
            setattr(person, name, value.strip() or (None if name in ("phone", "gender") else ""))
            changed.append(name)
    if cmd.home is not None:
        prof.home_address, prof.home_lat, prof.home_lon = (cmd.home.address, cmd.home.lat,
                                                           cmd.home.lon)
        changed.append("home")
    for name in ("languages", "mobility_aids"):
        value = getattr(cmd, name)
        if value is not None:
            setattr(prof, name, list(value))
            changed.append(name)
    for name in ("same_gender", "help_at_door", "notes"):
        value = getattr(cmd, name)
        if value is not None:
            setattr(prof, name, value)
            changed.append(name)
    audit(actor, "resident.edited", "person", person.id, fields=changed)
    resident_changed(person)
    db.session.commit()
    return person


def create_staff(settings: Settings, *, role: str, email: str, first_name: str, last_name: str,
                 quarter: str | None, password: str) -> Person:
    """A coordinator, admin or volunteer account with a hashed password (not committed)."""
    from dispatch.errors import InvalidInput
    from dispatch.models import VolunteerProfile

    if role != Role.ADMIN and quarter not in {q.slug for q in settings.quarters}:
        raise InvalidInput(f"Unbekanntes Quartier {quarter!r}.", fields={"quarter": say("unknown")})
    if len(password) < 10:
        raise InvalidInput("Das Passwort braucht mindestens 10 Zeichen.",
                           fields={"password": say("too_short", min=10)})
    email = email.strip().lower()
    if db.session.scalar(select(Person).where(Person.email == email)) is not None:
        raise InvalidInput("Diese E-Mail-Adresse hat schon ein Konto.",
                           fields={"email": say("taken")})
    person = Person(role=role, quarter_slug=None if role == Role.ADMIN else quarter,
                    first_name=first_name, last_name=last_name, email=email,
                    password_hash=generate_password_hash(password))
    if role == Role.VOLUNTEER:
        person.volunteer = VolunteerProfile()
    db.session.add(person)
    db.session.flush()
    audit(None, "staff.created", "person", person.id, role=role)
    return person


def create_volunteer(actor: Person, data: dict[str, Any], settings: Settings) -> Person:
    """The quarter office records a volunteer: profile, vehicle, vetting date; commits."""
    if not is_staff(actor):
        raise NotAllowed("Ehrenamtliche trägt das Quartiersbüro ein.")
    quarter = data.get("quarter") or actor.quarter_slug
    if not quarter or not may_see_quarter(actor, quarter):
        from dispatch.errors import InvalidInput

        raise InvalidInput("Dieses Quartier gibt es nicht.", fields={"quarter": say("unknown")})
    person = create_staff(settings, role=Role.VOLUNTEER, email=data["email"],
                          first_name=data["first_name"], last_name=data["last_name"],
                          quarter=quarter, password=data["password"])
    person.phone, person.gender = data.get("phone"), data.get("gender")
    home = data["home"]
    prof = person.volunteer  # made empty by create_staff
    assert prof is not None
    prof.languages, prof.drives = data["languages"], data["drives"]
    prof.escorts_on_foot, prof.vehicle_seats = data["escorts_on_foot"], data["vehicle_seats"]
    prof.wheelchair_places, prof.max_hours_per_week = (data["wheelchair_places"],
                                                       data["max_hours_per_week"])
    prof.home_address, prof.home_lat, prof.home_lon = home["address"], home["lat"], home["lon"]
    prof.vetted_until = data["vetted_until"]
    prof.car_make, prof.car_colour, prof.car_plate = (data.get("car_make"),
                                                      data.get("car_colour"),
                                                      data.get("car_plate"))
    audit(actor, "volunteer.created", "person", person.id)
    db.session.commit()
    return person
