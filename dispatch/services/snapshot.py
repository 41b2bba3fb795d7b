"""The snapshot a client receives on every (re)connect, so nothing is missed."""

from __future__ import annotations

from typing import Any

from dispatch.models import Person
from dispatch.models import Role
from dispatch.services.board import board
from dispatch.services.board import resident_rides
from dispatch.services.board import volunteer_day
from dispatch.services.clock import local_now


def snapshot_for(person: Person) -> dict[str, Any]:
    """Everything the person's page shows, in one message."""
    now = local_now()
    out: dict[str, Any] = {"role": person.role, "at": now.isoformat(timespec="seconds")}
    if person.role == Role.RESIDENT:
        out["requests"] = resident_rides(person)
    elif person.role == Role.VOLUNTEER:
        out.update(volunteer_day(person, now))
    elif person.quarter_slug:
        out["board"] = board(person.quarter_slug, now)
    return out
