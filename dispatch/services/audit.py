"""Write audit entries in the same transaction as the change they record."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from dispatch.extensions import db
from dispatch.models import AuditEntry
from dispatch.models import Person

#: Who acts when no logged-in person does: "link" (a one-click link) or "system".
_via: ContextVar[str | None] = ContextVar("audit_via", default=None)


@contextmanager
def acting_via(label: str) -> Iterator[None]:
    """Record what happens inside as done by ``label`` (e.g. ``"link"``), not by a person."""
    token = _via.set(label)
    try:
        yield
    finally:
        _via.reset(token)


def current_via() -> str | None:
    """The label set by :func:`acting_via`, if any."""
    return _via.get()


def audit(actor: Person | None, action: str, entity: str, entity_id: int | None,
          **data: Any) -> AuditEntry:
    """Add an audit entry (not committed: the caller's unit of work commits it)."""
    via = _via.get()
    if via is not None:
        actor = None
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_label=f"{actor.role}:{actor.display_name}" if actor is not None else
        via or "system",
        action=action, entity=entity, entity_id=entity_id,
        data={k: v for k, v in data.items() if v is not None},
    )
    db.session.add(entry)
    return entry
