"""Idempotency keys: a repeated booking with the same key returns the first answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from dispatch.extensions import db
from dispatch.models._types import utcnow


class IdempotencyKey(db.Model):  # type: ignore[name-defined,misc]
    """A client's key for one booking (unique per person), and the request it created."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("person_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    key: Mapped[str] = mapped_column(String(80))
    request_id: Mapped[int] = mapped_column(ForeignKey("ride_requests.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
