"""Typed commands the services take (the API builds them from validated JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatch.domain.kinds import Purpose
from dispatch.domain.kinds import RequestKind
from dispatch.domain.kinds import SameGender
from dispatch.domain.kinds import TimeMode


@dataclass(frozen=True)
class Place:
    """An address with its coordinates."""

    address: str
    lat: float
    lon: float

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Place:
        return cls(address=str(data["address"]), lat=float(data["lat"]), lon=float(data["lon"]))


def _seq(data: Mapping[str, Any], name: str) -> tuple[str, ...] | None:
    """A list field as a tuple without repeats (None if it was not sent)."""
    return tuple(dict.fromkeys(data[name])) if data.get(name) is not None else None


def _same_gender(data: Mapping[str, Any]) -> SameGender | None:
    return SameGender(data["same_gender"]) if data.get("same_gender") else None


@dataclass(frozen=True)
class BookRide:
    """Book a ride or an escort (for oneself, or by the office for ``resident_id``)."""

    kind: RequestKind
    time: datetime  # naive local time
    pickup: Place
    dropoff: Place
    time_mode: TimeMode = TimeMode.PICKUP_AFTER
    resident_id: int | None = None
    passengers: int = 1
    mobility_aids: tuple[str, ...] | None = None  # None: the resident's profile
    notes: str = ""
    return_after_minutes: int | None = None
    repeat_weekly: bool = False
    idempotency_key: str | None = None  # a repeat with the same key books nothing
    purpose: Purpose | None = None
    confirm_duplicate: bool = False  # book it even if the same ride is booked already
    languages: tuple[str, ...] | None = None  # None: the resident's profile
    same_gender: SameGender | None = None  # None: the resident's profile

    @classmethod
    def of(cls, data: Mapping[str, Any], *, idempotency_key: str | None = None) -> BookRide:
        """From the validated body of ``POST /api/v1/requests``."""
        return cls(kind=RequestKind(data["kind"]), time=data["time"],
                   pickup=Place.of(data["pickup"]), dropoff=Place.of(data["dropoff"]),
                   time_mode=TimeMode(data.get("time_mode") or TimeMode.PICKUP_AFTER),
                   resident_id=data.get("resident_id"), passengers=int(data.get("passengers", 1)),
                   mobility_aids=_seq(data, "mobility_aids"),
                   notes=str(data.get("notes") or ""),
                   return_after_minutes=data.get("return_after_minutes"),
                   repeat_weekly=bool(data.get("repeat_weekly")),
                   idempotency_key=idempotency_key,
                   purpose=Purpose(data["purpose"]) if data.get("purpose") else None,
                   confirm_duplicate=bool(data.get("confirm_duplicate")),
                   languages=_seq(data, "languages"), same_gender=_same_gender(data))


@dataclass(frozen=True)
class EditRide:
    """Change a request; fields left ``None`` stay as they are."""

    time: datetime | None = None
    time_mode: TimeMode | None = None
    pickup: Place | None = None
    dropoff: Place | None = None
    passengers: int | None = None
    notes: str | None = None
    mobility_aids: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    same_gender: SameGender | None = None

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> EditRide:
        """From the validated body of ``PATCH /api/v1/requests/<id>``."""
        return cls(time=data.get("time"),
                   time_mode=TimeMode(data["time_mode"]) if data.get("time_mode") else None,
                   pickup=Place.of(data["pickup"]) if data.get("pickup") else None,
                   dropoff=Place.of(data["dropoff"]) if data.get("dropoff") else None,
                   passengers=data.get("passengers"), notes=data.get("notes"),
                   mobility_aids=_seq(data, "mobility_aids"), languages=_seq(data, "languages"),
                   same_gender=_same_gender(data))


@dataclass(frozen=True)
class EditResident:
    """The quarter office changes a resident's profile; fields left ``None`` stay as they are."""

    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    gender: str | None = None
    home: Place | None = None
    languages: tuple[str, ...] | None = None
    mobility_aids: tuple[str, ...] | None = None
    same_gender: str | None = None
    help_at_door: bool | None = None
    notes: str | None = None

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> EditResident:
        """From the validated body of ``PATCH /api/v1/residents/<id>``."""
        return cls(first_name=data.get("first_name"), last_name=data.get("last_name"),
                   phone=data.get("phone"), gender=data.get("gender"),
                   home=Place.of(data["home"]) if data.get("home") else None,
                   languages=_seq(data, "languages"), mobility_aids=_seq(data, "mobility_aids"),
                   same_gender=data.get("same_gender"), help_at_door=data.get("help_at_door"),
                   notes=data.get("notes"))


@dataclass(frozen=True)
class NotifyPrefs:
    """How a person wants to hear from us; for a resident, whether her caregiver gets copies.

    ``None`` leaves a field as it is. Turning ``caregiver_copies`` on records the consent
    (when, and who recorded it: the resident herself or the office on the phone with her).
    """

    channels: tuple[str, ...] | None = None
    quiet_from: str | None = None  # "22:00"; "" clears the quiet hours
    quiet_until: str | None = None
    caregiver_copies: bool | None = None
    caregiver_name: str | None = None
    caregiver_phone: str | None = None
    caregiver_email: str | None = None
