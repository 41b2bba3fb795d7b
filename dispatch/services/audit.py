"""Write audit entries in the same transaction as the change they record."""

from __future__ import annotations

from typing import Any

from dispatch.extensions import db
from dispatch.models import AuditEntry
from dispatch.models import Person


def audit(actor: Person | None, action: str, entity: str, entity_id: int | None,
          **data: Any) -> AuditEntry:
    """Add an audit entry (not committed: the caller's unit of work commits it)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_label=f"{actor.role}:{actor.display_name}" if actor is not None else "system",
        action=action, entity=entity, entity_id=entity_id,
        data={k: v for k, v in data.items() if v is not None},
    )
    db.session.add(entry)
    return entry
