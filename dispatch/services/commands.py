"""Typed commands the services take (the API builds them from validated JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatch.domain.kinds import RequestKind
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

    @classmethod
    def of(cls, data: Mapping[str, Any], *, idempotency_key: str | None = None) -> BookRide:
        """From the validated body of ``POST /api/v1/requests``."""
        aids = data.get("mobility_aids")
        return cls(kind=RequestKind(data["kind"]), time=data["time"],
                   pickup=Place.of(data["pickup"]), dropoff=Place.of(data["dropoff"]),
                   time_mode=TimeMode(data.get("time_mode") or TimeMode.PICKUP_AFTER),
                   resident_id=data.get("resident_id"), passengers=int(data.get("passengers", 1)),
                   mobility_aids=tuple(aids) if aids is not None else None,
                   notes=str(data.get("notes") or ""),
                   return_after_minutes=data.get("return_after_minutes"),
                   repeat_weekly=bool(data.get("repeat_weekly")),
                   idempotency_key=idempotency_key)


@dataclass(frozen=True)
class EditRide:
    """Change a request; fields left ``None`` stay as they are."""

    time: datetime | None = None
    time_mode: TimeMode | None = None
    pickup: Place | None = None
    dropoff: Place | None = None
    passengers: int | None = None
    notes: str | None = None

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> EditRide:
        """From the validated body of ``PATCH /api/v1/requests/<id>``."""
        return cls(time=data.get("time"),
                   time_mode=TimeMode(data["time_mode"]) if data.get("time_mode") else None,
                   pickup=Place.of(data["pickup"]) if data.get("pickup") else None,
                   dropoff=Place.of(data["dropoff"]) if data.get("dropoff") else None,
                   passengers=data.get("passengers"), notes=data.get("notes"))

