"""The notification outbox: notices, their deliveries per channel, board tasks, open sockets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from dispatch.domain.kinds import DeliveryState
from dispatch.domain.kinds import NoticeState
from dispatch.extensions import db
from dispatch.models._types import utcnow
from dispatch.models.people import Person


class Notice(db.Model):  # type: ignore[name-defined,misc]
    """One message for one person (or the caregiver they named), written in the unit of work
    of the change that causes it; the job worker sends it."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # a NoticeKind
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    #: the copy for the caregiver the resident named (with consent), not the resident
    to_caregiver: Mapped[bool] = mapped_column(default=False)
    quarter_slug: Mapped[str | None] = mapped_column(String(40), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("ride_requests.id"), index=True)
    #: values for the text, fixed when the notice is written (times, first names)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: a notice that must exist once (the day-before reminder): unique
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    state: Mapped[str] = mapped_column(String(10), default=NoticeState.PENDING.value, index=True)
    not_before: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    #: why it ended as it did (the last error, "online", "quiet", ...)
    detail: Mapped[str | None] = mapped_column(String(300))

    person: Mapped[Person] = relationship()
    deliveries: Mapped[list[Delivery]] = relationship(back_populates="notice",
                                                      order_by="Delivery.id")


class Delivery(db.Model):  # type: ignore[name-defined,misc]
    """A notice on one channel: claimed, sent at most once, retried with back-off."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (UniqueConstraint("notice_id", "channel"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # a Channel
    address: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(10), default=DeliveryState.PENDING.value,
                                       index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    provider_id: Mapped[str | None] = mapped_column(String(120))
    sent_at: Mapped[datetime | None]

    notice: Mapped[Notice] = relationship(back_populates="deliveries")


class BoardTask(db.Model):  # type: ignore[name-defined,misc]
    """Something for the quarter office to do, e.g. call a resident back."""

    __tablename__ = "board_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    quarter_slug: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "callback"
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("ride_requests.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])


class ShortLink(db.Model):  # type: ignore[name-defined,misc]
    """A short code for an SMS: opens a page with confirm / cancel / call-me-back."""

    __tablename__ = "short_links"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("ride_requests.id"), index=True)
    expires_at: Mapped[datetime]


class OpenSocket(db.Model):  # type: ignore[name-defined,misc]
    """A live Socket.IO connection of a person (any process); gone on disconnect."""

    __tablename__ = "open_sockets"
    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
