"""Channels, quiet hours and caregiver copies: each person's wishes for notices."""

from __future__ import annotations

from typing import Any

from dispatch.errors import InvalidInput
from dispatch.errors import NotAllowed
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.field_messages import say
from dispatch.models import Person
from dispatch.models import Role
from dispatch.models._types import utcnow
from dispatch.services.access import is_staff
from dispatch.services.access import may_see_quarter
from dispatch.services.audit import audit
from dispatch.services.commands import NotifyPrefs


def resident_for(actor: Person, person_id: int) -> Person:
    """A resident of the coordinator's quarter (404 for anyone else)."""
    if not is_staff(actor):
        raise NotAllowed("Das kann nur das Quartiersbüro.")
    person = db.session.get(Person, person_id)
    if person is None or person.role != Role.RESIDENT or not may_see_quarter(
            actor, person.quarter_slug or ""):
        raise NotFound("Diese Person gibt es in Ihrem Quartier nicht.")
    return person


def prefs_dict(person: Person) -> dict[str, Any]:
    out: dict[str, Any] = {"channels": list(person.notify_channels or []),
                           "quiet_from": person.quiet_from, "quiet_until": person.quiet_until}
    prof = person.resident
    if prof is not None:
        out["caregiver"] = {
            "name": prof.caregiver_name, "phone": prof.caregiver_phone,
            "email": prof.caregiver_email, "copies": prof.caregiver_copies,
            "consent_at": prof.caregiver_consent_at.isoformat() + "Z"
            if prof.caregiver_consent_at else None,
            "consent_recorded_by": prof.caregiver_consent_by_id}
    return out


def set_prefs(actor: Person, person: Person, cmd: NotifyPrefs) -> Person:
    """Store the wishes (the person's own, or a resident's by the office); commits."""
    if cmd.channels is not None:
        if len(set(cmd.channels)) != len(cmd.channels):
            raise InvalidInput("Jeden Weg bitte nur einmal nennen.",
                               fields={"channels": say("twice")})
        person.notify_channels = list(cmd.channels)
    if cmd.quiet_from is not None or cmd.quiet_until is not None:
        start = cmd.quiet_from if cmd.quiet_from is not None else person.quiet_from
        end = cmd.quiet_until if cmd.quiet_until is not None else person.quiet_until
        if bool(start) != bool(end):
            raise InvalidInput("Bitte Beginn und Ende der Ruhezeit angeben.",
                               fields={"quiet_until": say("quiet_hours")})
        person.quiet_from, person.quiet_until = start or None, end or None
    prof = person.resident
    caregiver = (cmd.caregiver_copies, cmd.caregiver_name, cmd.caregiver_phone,
                 cmd.caregiver_email)
    if any(v is not None for v in caregiver):
        if prof is None:
            raise InvalidInput("Angehörige bekommen nur bei Bewohnerinnen und Bewohnern "
                               "Kopien.", fields={"caregiver_copies": say("residents_only")})
        for name in ("name", "phone", "email"):
            value = getattr(cmd, f"caregiver_{name}")
            if value is not None:
                setattr(prof, f"caregiver_{name}", value or None)
        if cmd.caregiver_copies is not None and cmd.caregiver_copies != prof.caregiver_copies:
            prof.caregiver_copies = cmd.caregiver_copies
            if cmd.caregiver_copies:
                prof.caregiver_consent_at, prof.caregiver_consent_by_id = utcnow(), actor.id
                audit(actor, "caregiver.consent_given", "person", person.id,
                      recorded_by=actor.id, own=actor.id == person.id)
            else:
                prof.caregiver_consent_at = prof.caregiver_consent_by_id = None
                audit(actor, "caregiver.consent_withdrawn", "person", person.id)
        if prof.caregiver_copies and not (prof.caregiver_phone or prof.caregiver_email):
            raise InvalidInput("Für Kopien an Angehörige fehlt eine Telefonnummer oder "
                               "E-Mail-Adresse.",
                               fields={"caregiver_phone": say("contact")})
    audit(actor, "notify.preferences", "person", person.id)
    db.session.commit()
    return person
