"""Ride and escort requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from dispatch.domain.kinds import TimeMode
from dispatch.domain.lifecycle import RequestState
from dispatch.domain.lifecycle import transition
from dispatch.extensions import db
from dispatch.models._types import utcnow
from dispatch.models.people import Person


class RideRequest(db.Model):  # type: ignore[name-defined,misc]
    """One trip a resident asks for; moves through :mod:`dispatch.domain.lifecycle`."""

    __tablename__ = "ride_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    quarter_slug: Mapped[str] = mapped_column(ForeignKey("quarters.slug"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=RequestState.REQUESTED.value,
                                       index=True)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason_text: Mapped[str | None] = mapped_column(String(300))

    pickup_address: Mapped[str] = mapped_column(String(200))
    pickup_lat: Mapped[float]
    pickup_lon: Mapped[float]
    dropoff_address: Mapped[str] = mapped_column(String(200))
    dropoff_lat: Mapped[float]
    dropoff_lon: Mapped[float]

    time_mode: Mapped[str] = mapped_column(String(20), default=TimeMode.PICKUP_AFTER.value)
    requested_time: Mapped[datetime] = mapped_column(index=True)
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    appointment_minutes: Mapped[int | None]  # time at the destination (for the return ride)

    passengers: Mapped[int] = mapped_column(default=1)
    mobility_aids: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs_wheelchair_place: Mapped[bool] = mapped_column(default=False)
    #: the ride's wishes about its volunteer, recorded at booking (None: the profile's)
    languages: Mapped[list[str] | None] = mapped_column(JSON)
    same_gender: Mapped[str | None] = mapped_column(String(4))  # a SameGender
    return_of_id: Mapped[int | None] = mapped_column(ForeignKey("ride_requests.id"))
    series_id: Mapped[str | None] = mapped_column(String(40), index=True)  # weekly standing ride
    notes: Mapped[str] = mapped_column(default="")
    purpose: Mapped[str | None] = mapped_column(String(20))  # a Purpose; None: not said

    #: when the resident (or caregiver) confirmed the ride with a one-click link
    confirmed_at: Mapped[datetime | None]
    #: the pick-up time the resident was last told; a move beyond the window is told again
    told_pickup: Mapped[datetime | None]

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    resident: Mapped[Person] = relationship(foreign_keys=[resident_id])
    return_of: Mapped[RideRequest | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}

    def move_to(self, target: RequestState | str, *, reason_code: str | None = None,
                reason_text: str | None = None) -> None:
        """Change state through the lifecycle (raises ``InvalidTransition`` if not allowed)."""
        self.state = transition(self.state, target).value
        if reason_code is not None or reason_text is not None:
            self.reason_code, self.reason_text = reason_code, reason_text
