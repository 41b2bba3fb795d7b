"""A resident's data protection rights: export everything, erase (anonymise), deactivate, and
the retention job that anonymises old rides. Monitoring counts stay (kinds, days, states)."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import Numeric
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from dispatch.domain.lifecycle import TERMINAL
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import NotAllowed
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.models import AuditEntry
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models import TripStop
from dispatch.models._types import utcnow
from dispatch.services.access import is_staff
from dispatch.services.access import may_see_quarter
from dispatch.services.audit import audit
from dispatch.services.notify import resident_changed
from dispatch.services.outbox import drop_old_notices
from dispatch.services.outbox import forget_person
from dispatch.services.serialize import iso
from dispatch.services.wishes import wishes_of
from dispatch.settings import Settings

ERASED = "(gelöscht)"
#: Kept coordinates are rounded to this many decimals (about a kilometre): counts per area stay.
COARSE_DECIMALS = 2


def _resident(actor: Person, resident_id: int, *, self_allowed: bool) -> Person:
    person = db.session.get(Person, resident_id)
    if person is None or person.role != Role.RESIDENT:
        raise NotFound("Diese Person gibt es nicht.")
    if actor.id == person.id and self_allowed:
        return person
    if not is_staff(actor) or not may_see_quarter(actor, person.quarter_slug or ""):
        raise NotFound("Diese Person gibt es in Ihrem Quartier nicht.")
    return person


def _rides_of(person: Person) -> list[RideRequest]:
    return list(db.session.scalars(select(RideRequest).where(
        RideRequest.resident_id == person.id).order_by(RideRequest.requested_time)))


def export_resident(actor: Person, resident_id: int) -> dict[str, Any]:
    """Everything stored about a resident, as plain JSON (for the resident or the office)."""
    person = _resident(actor, resident_id, self_allowed=True)
    prof = person.resident
    rides = _rides_of(person)
    ids = [r.id for r in rides]
    stops = db.session.scalars(select(TripStop).where(TripStop.request_id.in_(ids))).all() \
        if ids else []
    entries = db.session.scalars(select(AuditEntry).where(or_(
        AuditEntry.actor_id == person.id,
        (AuditEntry.entity == "person") & (AuditEntry.entity_id == person.id),
        (AuditEntry.entity == "ride_request") & AuditEntry.entity_id.in_(ids or [-1])))
        .order_by(AuditEntry.id)).all()
    audit(actor, "person.exported", "person", person.id)
    db.session.commit()
    return {
        "exported_at": iso(utcnow()),
        "person": {"id": person.id, "first_name": person.first_name,
                   "last_name": person.last_name, "email": person.email, "phone": person.phone,
                   "gender": person.gender, "ui_language": person.ui_language,
                   "active": person.active, "created_at": iso(person.created_at)},
        "profile": None if prof is None else {
            "home_address": prof.home_address, "home_lat": prof.home_lat,
            "home_lon": prof.home_lon, "languages": list(prof.languages),
            "mobility_aids": list(prof.mobility_aids), "same_gender": prof.same_gender,
            "help_at_door": prof.help_at_door, "caregiver_name": prof.caregiver_name,
            "caregiver_phone": prof.caregiver_phone, "caregiver_email": prof.caregiver_email,
            "caregiver_copies": prof.caregiver_copies,
            "caregiver_consent_at": prof.caregiver_consent_at.isoformat() + "Z"
            if prof.caregiver_consent_at else None,
            "notes": prof.notes},
        "rides": [{"id": r.id, "kind": r.kind, "state": r.state, "time": iso(r.requested_time),
                   "pickup": r.pickup_address, "dropoff": r.dropoff_address,
                   "mobility_aids": list(r.mobility_aids), "notes": r.notes,
                   "passengers": r.passengers, **wishes_of(r).as_dict()} for r in rides],
        "stops": [{"request_id": s.request_id, "kind": s.kind,
                   "planned": iso(s.planned_arrival), "done": iso(s.done_at)} for s in stops],
        "audit": [{"at": iso(a.at), "action": a.action, "by": a.actor_label,
                   "data": a.data} for a in entries],
    }


def _end_open_rides(actor: Person, person: Person, settings: Settings) -> int:
    """Cancel every ride of the person that has not ended (return rides go with theirs)."""
    from dispatch.services.booking import cancel_request

    open_ids = [r.id for r in _rides_of(person) if RequestState(r.state) not in TERMINAL]
    for rid in open_ids:
        req = db.session.get(RideRequest, rid)
        if req is not None and RequestState(req.state) not in TERMINAL:
            cancel_request(actor, rid, settings)
    return len(open_ids)


def deactivate_resident(actor: Person, resident_id: int, settings: Settings) -> Person:
    """No more log-ins or bookings; open rides are cancelled; the data stays."""
    person = _resident(actor, resident_id, self_allowed=False)
    cancelled = _end_open_rides(actor, person, settings)
    person = _resident(actor, resident_id, self_allowed=False)
    person.active = False
    person.session_version += 1
    person.login_code_hash = None
    audit(actor, "person.deactivated", "person", person.id, cancelled=cancelled)
    resident_changed(person)
    db.session.commit()
    return person


def erase_resident(actor: Person, resident_id: int, settings: Settings) -> Person:
    """Anonymise a resident: names, contacts, addresses, notes and health data go; the counts
    the city monitors (rides by kind, day and state) stay."""
    if not is_staff(actor):
        raise NotAllowed("Löschen veranlasst das Quartiersbüro.")
    person = _resident(actor, resident_id, self_allowed=False)
    _end_open_rides(actor, person, settings)
    person = _resident(actor, resident_id, self_allowed=False)
    person.first_name, person.last_name = ERASED, ""
    person.email = person.phone = person.gender = None
    person.password_hash = person.login_code_hash = None
    person.active = False
    person.session_version += 1
    prof = person.resident
    if prof is not None:
        prof.home_address = ERASED
        prof.home_lat = round(prof.home_lat, COARSE_DECIMALS)
        prof.home_lon = round(prof.home_lon, COARSE_DECIMALS)
        prof.languages, prof.mobility_aids = [], []
        prof.caregiver_name = prof.caregiver_phone = prof.caregiver_email = None
        prof.caregiver_copies, prof.caregiver_consent_at = False, None
        prof.caregiver_consent_by_id = None
        prof.notes = ""
        prof.same_gender, prof.help_at_door = "none", False
    person.notify_channels, person.quiet_from, person.quiet_until = None, None, None
    forget_person(person.id)
    n = _anonymise_rides(RideRequest.resident_id == person.id)
    audit(actor, "person.erased", "person", person.id, rides=n)
    resident_changed(person)
    db.session.commit()
    return person


def _coarse(column: Any) -> Any:
    """The column rounded to :data:`COARSE_DECIMALS` in SQL (PostgreSQL rounds numerics)."""
    return func.round(cast(column, Numeric), COARSE_DECIMALS)


def _anonymise_rides(where: Any) -> int:
    """Blank addresses, notes and aids of the rides matched by ``where``; coarse coordinates."""
    ids = list(db.session.scalars(select(RideRequest.id).where(where)))
    if not ids:
        return 0
    coarse = {c: _coarse(getattr(RideRequest, c))
              for c in ("pickup_lat", "pickup_lon", "dropoff_lat", "dropoff_lon")}
    db.session.execute(update(RideRequest).where(RideRequest.id.in_(ids)).values(
        pickup_address=ERASED, dropoff_address=ERASED, notes="", mobility_aids=[],
        languages=None, same_gender=None, **coarse,
        version=RideRequest.version + 1).execution_options(synchronize_session=False))
    db.session.execute(update(TripStop).where(TripStop.request_id.in_(ids)).values(
        address=ERASED, lat=_coarse(TripStop.lat), lon=_coarse(TripStop.lon))
        .execution_options(synchronize_session=False))
    return len(ids)


def apply_retention(settings: Settings, now: datetime | None = None) -> int:
    """Anonymise finished rides older than ``retention_days``; commits; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=settings.service.retention_days)
    finished = [s.value for s in TERMINAL]
    n = _anonymise_rides((RideRequest.requested_time < cutoff) &
                         RideRequest.state.in_(finished) &
                         (RideRequest.pickup_address != ERASED))
    drop_old_notices(cutoff)
    if n:
        audit(None, "retention.anonymised", "ride_request", None, rides=n,
              before=cutoff.date().isoformat())
    db.session.commit()
    return n

