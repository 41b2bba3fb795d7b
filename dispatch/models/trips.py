"""Planned trips with ordered stops, and offers to volunteers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from dispatch.extensions import db
from dispatch.models._types import utcnow
from dispatch.models.people import Person
from dispatch.models.requests import RideRequest


class Trip(db.Model):  # type: ignore[name-defined,misc]
    """A volunteer's planned tour: ordered stops with planned times."""

    __tablename__ = "trips"
    #: one trip per volunteer and service day
    __table_args__ = (UniqueConstraint("volunteer_id", "service_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    quarter_slug: Mapped[str] = mapped_column(ForeignKey("quarters.slug"), index=True)
    service_day: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    volunteer: Mapped[Person] = relationship()
    stops: Mapped[list[TripStop]] = relationship(back_populates="trip",
                                                 cascade="all, delete-orphan",
                                                 order_by="TripStop.seq")


class TripStop(db.Model):  # type: ignore[name-defined,misc]
    """A pick-up or drop-off in a trip."""

    __tablename__ = "trip_stops"
    #: a request is picked up once and dropped off once
    __table_args__ = (UniqueConstraint("request_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("ride_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # pickup, dropoff
    seq: Mapped[int]
    address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float]
    lon: Mapped[float]
    planned_arrival: Mapped[datetime]
    planned_departure: Mapped[datetime]
    arrived_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    locked: Mapped[bool] = mapped_column(default=False)

    trip: Mapped[Trip] = relationship(back_populates="stops")
    request: Mapped[RideRequest] = relationship()


class OfferState(StrEnum):
    """Where an offer to a volunteer stands."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Offer(db.Model):  # type: ignore[name-defined,misc]
    """A request offered to one volunteer until it expires; exactly one accept wins."""

    __tablename__ = "offers"
    #: at most one open offer per request
    __table_args__ = (Index("uq_offers_open_request", "request_id", unique=True,
                            sqlite_where=text("state = 'open'"),
                            postgresql_where=text("state = 'open'")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("ride_requests.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default=OfferState.OPEN.value, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    request: Mapped[RideRequest] = relationship()
    volunteer: Mapped[Person] = relationship()

    __mapper_args__ = {"version_id_col": version}
