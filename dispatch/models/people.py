"""Quarters, people and their resident or volunteer profiles, volunteer shifts."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from dispatch.extensions import db
from dispatch.models._types import utcnow


class Role(StrEnum):
    """What a person does in the service."""

    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Quarter(db.Model):  # type: ignore[name-defined,misc]
    """A quarter served; rows mirror ``config/quarters/*.toml`` (synced, not edited here)."""

    __tablename__ = "quarters"
    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(120))


class Person(db.Model):  # type: ignore[name-defined,misc]
    """Anyone with an account: resident, volunteer, coordinator or admin."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(20), index=True)
    quarter_slug: Mapped[str | None] = mapped_column(ForeignKey("quarters.slug"), index=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80), default="")
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    gender: Mapped[str | None] = mapped_column(String(1))  # f, m, d
    ui_language: Mapped[str] = mapped_column(String(5), default="de")
    password_hash: Mapped[str | None] = mapped_column(String(256))
    login_code_hash: Mapped[str | None] = mapped_column(String(256))
    login_code_expires: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    #: raised at every log-out: session and remember cookies issued before stop working
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: channels for notices, most wanted first ("push", "email", "sms"); empty: the default
    notify_channels: Mapped[list[str] | None] = mapped_column(JSON)
    #: no notices between these local times ("22:00" to "07:30"); None: any time
    quiet_from: Mapped[str | None] = mapped_column(String(5))
    quiet_until: Mapped[str | None] = mapped_column(String(5))

    resident: Mapped[ResidentProfile | None] = relationship(
        back_populates="person", foreign_keys="ResidentProfile.person_id", uselist=False)
    volunteer: Mapped[VolunteerProfile | None] = relationship(back_populates="person",
                                                              uselist=False)

    @property
    def display_name(self) -> str:
        """First name and initial of the last name, as shown to other people."""
        return f"{self.first_name} {self.last_name[:1]}.".strip(" .") if self.last_name \
            else self.first_name

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What the session and remember cookies carry: the id and the session version."""
        return f"{self.id}:{self.session_version}"


class ResidentProfile(db.Model):  # type: ignore[name-defined,misc]
    """Needs and wishes of a resident, recorded once and shown to the volunteer."""

    __tablename__ = "resident_profiles"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    home_address: Mapped[str] = mapped_column(String(200))
    home_lat: Mapped[float]
    home_lon: Mapped[float]
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    mobility_aids: Mapped[list[str]] = mapped_column(JSON, default=list)  # walker, wheelchair...
    same_gender: Mapped[str] = mapped_column(String(4), default="none")  # none, soft, hard
    help_at_door: Mapped[bool] = mapped_column(default=False)
    preferred_volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    caregiver_name: Mapped[str | None] = mapped_column(String(120))
    caregiver_phone: Mapped[str | None] = mapped_column(String(40))
    caregiver_email: Mapped[str | None] = mapped_column(String(200))
    #: the caregiver gets copies of the notices: only with the resident's consent, recorded
    #: with when and by whom (the resident, or the coordinator on the phone with her)
    caregiver_copies: Mapped[bool] = mapped_column(default=False, server_default="0")
    caregiver_consent_at: Mapped[datetime | None]
    caregiver_consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    notes: Mapped[str] = mapped_column(default="")

    person: Mapped[Person] = relationship(back_populates="resident", foreign_keys=[person_id])

    @property
    def copies_caregiver(self) -> bool:
        """Copies go out only with consent on record and a way to reach the caregiver."""
        return bool(self.caregiver_copies and self.caregiver_consent_at is not None
                    and (self.caregiver_phone or self.caregiver_email))


class VolunteerProfile(db.Model):  # type: ignore[name-defined,misc]
    """What a volunteer offers: languages, walking escorts and/or driving, vehicle places."""

    __tablename__ = "volunteer_profiles"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    drives: Mapped[bool] = mapped_column(default=True)
    escorts_on_foot: Mapped[bool] = mapped_column(default=False)
    vehicle_seats: Mapped[int] = mapped_column(default=0)
    wheelchair_places: Mapped[int] = mapped_column(default=0)
    home_address: Mapped[str] = mapped_column(String(200), default="")
    home_lat: Mapped[float | None]
    home_lon: Mapped[float | None]
    max_hours_per_week: Mapped[float] = mapped_column(default=10.0)
    vetted_until: Mapped[date | None]
    available: Mapped[bool] = mapped_column(default=True)
    offer_filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the car, so a resident knows whom to get in with (told in the reminder)
    car_make: Mapped[str | None] = mapped_column(String(60))
    car_colour: Mapped[str | None] = mapped_column(String(40))
    car_plate: Mapped[str | None] = mapped_column(String(20))

    person: Mapped[Person] = relationship(back_populates="volunteer")
    shifts: Mapped[list[Shift]] = relationship(back_populates="volunteer",
                                               cascade="all, delete-orphan",
                                               order_by="Shift.starts_at")

    def vetted_on(self, day: date) -> bool:
        """Whether the vetting (e.g. police certificate) is valid on ``day``."""
        return self.vetted_until is not None and self.vetted_until >= day


class Shift(db.Model):  # type: ignore[name-defined,misc]
    """A time a volunteer is available, starting and ending at home unless a place is given."""

    __tablename__ = "shifts"
    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer_profiles.person_id"),
                                              index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    start_lat: Mapped[float | None]
    start_lon: Mapped[float | None]

    volunteer: Mapped[VolunteerProfile] = relationship(back_populates="shifts")
