"""A person's own settings: language, a volunteer's availability, offer filters and shifts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select

from dispatch.domain.lifecycle import TERMINAL
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import InvalidTransition
from dispatch.errors import NotAllowed
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.models import Person
from dispatch.models import Role
from dispatch.models import Shift
from dispatch.models import Trip
from dispatch.models import VolunteerProfile
from dispatch.services.access import is_staff
from dispatch.services.access import require_role
from dispatch.services.audit import audit
from dispatch.services.notify import board_changed
from dispatch.services.plan_day import commit
from dispatch.services.plan_day import day_of
from dispatch.services.plan_day import lock_days
from dispatch.services.plan_day import plan_writer


def _volunteer(person: Person) -> VolunteerProfile:
    require_role(person, Role.VOLUNTEER)
    if person.volunteer is None:
        raise NotAllowed("Für Sie ist noch kein Profil als Ehrenamtliche angelegt.")
    return person.volunteer


def set_language(person: Person, language: str) -> Person:
    """Store the language the person's screens use."""
    person.ui_language = language
    audit(person, "person.language", "person", person.id, ui_language=language)
    db.session.commit()
    return person


def set_car(person: Person, make: str | None, colour: str | None, plate: str | None) -> Person:
    """A volunteer's car, as the reminder names it to the resident; commits."""
    prof = _volunteer(person)
    prof.car_make, prof.car_colour, prof.car_plate = make or None, colour or None, plate or None
    audit(person, "volunteer.car", "person", person.id)
    db.session.commit()
    return person


def set_availability(person: Person, available: bool) -> Person:
    """A volunteer switches availability on or off; the board sees it."""
    _volunteer(person).available = available
    audit(person, "volunteer.availability", "person", person.id, available=available)
    if person.quarter_slug:
        board_changed(person.quarter_slug)
    db.session.commit()
    return person


def set_offer_filters(person: Person, days: list[int], kinds: list[str],
                      max_km: float | None) -> Person:
    """Which offers a volunteer gets: weekdays, kinds of help, distance from home."""
    prof = _volunteer(person)
    prof.offer_filters = {"days": sorted(set(days)), "kinds": sorted(set(kinds)),
                          "max_km": max_km}
    audit(person, "volunteer.filters", "person", person.id, **prof.offer_filters)
    db.session.commit()
    return person


def shifts_of(person: Person) -> list[Shift]:
    return list(_volunteer(person).shifts)


def add_shift(person: Person, starts_at: datetime, ends_at: datetime) -> Shift:
    """A volunteer adds a time they are available (naive local times)."""
    shift = Shift(starts_at=starts_at.replace(tzinfo=None), ends_at=ends_at.replace(tzinfo=None))
    _volunteer(person).shifts.append(shift)
    db.session.flush()
    audit(person, "shift.added", "shift", shift.id)
    if person.quarter_slug:
        board_changed(person.quarter_slug)  # the board shows each volunteer's week
    db.session.commit()
    return shift


@plan_writer
def delete_shift(person: Person, shift_id: int) -> None:
    """A volunteer takes back a time on duty, unless rides of theirs are planned in it (those
    would be left without anyone; they are handed back first, or the office is called)."""
    prof = _volunteer(person)
    shift = db.session.get(Shift, shift_id)
    if shift is None or shift.volunteer_id != prof.person_id:
        raise NotFound("Diese Dienstzeit gibt es bei Ihnen nicht.")
    if person.quarter_slug:
        lock_days([day_of(person.quarter_slug, shift.starts_at)])
    trips = db.session.scalars(select(Trip).where(Trip.volunteer_id == person.id)).all()
    busy = [s for t in trips for s in t.stops
            if shift.starts_at <= s.planned_arrival <= shift.ends_at
            and RequestState(s.request.state) not in TERMINAL]
    if busy:
        raise InvalidTransition("In dieser Dienstzeit sind schon Fahrten für Sie geplant. Bitte "
                                "geben Sie sie zuerst zurück oder rufen Sie das Quartiersbüro an.")
    db.session.delete(shift)
    audit(person, "shift.deleted", "shift", shift_id)
    if person.quarter_slug:
        board_changed(person.quarter_slug)
    commit()


def find_residents(actor: Person, text: str, limit: int = 50) -> list[Person]:
    """Residents of the coordinator's quarter (all for admins) matching a name or phone."""
    if not is_staff(actor):
        raise NotAllowed("Nur für das Quartiersbüro.")
    stmt = select(Person).where(Person.role == Role.RESIDENT)
    if actor.role != Role.ADMIN:
        stmt = stmt.where(Person.quarter_slug == actor.quarter_slug)
    if text:
        like = f"%{text}%"
        stmt = stmt.where(or_(Person.first_name.ilike(like), Person.last_name.ilike(like),
                              Person.phone.ilike(like)))
    return list(db.session.scalars(stmt.order_by(Person.last_name, Person.first_name)
                                   .limit(limit)))


def shift_dict(shift: Shift) -> dict[str, Any]:
    from dispatch.services.serialize import iso

    return {"id": shift.id, "starts_at": iso(shift.starts_at), "ends_at": iso(shift.ends_at)}
