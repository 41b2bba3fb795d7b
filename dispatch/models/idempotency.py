"""Things that happen once: a booking per idempotency key, a one-click link per token."""

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


class UsedLink(db.Model):  # type: ignore[name-defined,misc]
    """A one-click link that has been used: it works once."""

    __tablename__ = "used_links"
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("ride_requests.id"))
    action: Mapped[str] = mapped_column(String(10))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
