"""The plain rows the figures are computed from (filled in by services/monitoring.py)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime


@dataclass(frozen=True)
class RequestRow:
    """One ride or escort request as it stands now."""

    id: int
    resident_id: int
    kind: str  # a RequestKind
    state: str  # a RequestState
    time_mode: str  # a TimeMode
    requested_time: datetime  # the asked pick-up (pickup_after) or arrival (arrive_by) time
    window_end: datetime
    reason_code: str | None = None
    purpose: str | None = None  # a Purpose, None: not said
    languages: tuple[str, ...] = ()  # the resident's languages
    declined_offers: int = 0  # offers of it declined or left to expire
    planned_pickup: datetime | None = None  # planned arrival at the pick-up
    pickup_departure: datetime | None = None  # planned departure from the pick-up
    planned_dropoff: datetime | None = None  # planned arrival at the drop-off
    direct_s: float | None = None  # direct travel time pick-up -> drop-off (router)
    volunteer_id: int | None = None  # whose trip holds the pick-up


@dataclass(frozen=True)
class TourStop:
    """A stop of a tour, in driving order."""

    request_id: int
    kind: str  # pickup or dropoff
    arrival: datetime
    departure: datetime


@dataclass(frozen=True)
class TourRow:
    """A volunteer's tour of one day: from home along the stops back home.

    ``leg_m`` and ``leg_s`` are the street-network lengths and travel times of the legs
    home -> first stop -> ... -> last stop -> home (one more leg than stops).
    """

    id: int
    volunteer_id: int
    day: date
    mode: str  # drive or walk
    stops: tuple[TourStop, ...]
    leg_m: tuple[float, ...]
    leg_s: tuple[float, ...]

    def __post_init__(self) -> None:
        if self.stops and len(self.leg_m) != len(self.stops) + 1:
            msg = "a tour has one leg more than stops"
            raise ValueError(msg)
        if len(self.leg_s) != len(self.leg_m):
            msg = "leg_m and leg_s differ in length"
            raise ValueError(msg)

    @property
    def leaves_home(self) -> datetime | None:
        """When the volunteer leaves home (just in time for the first stop)."""
        from datetime import timedelta

        return self.stops[0].arrival - timedelta(seconds=self.leg_s[0]) if self.stops else None

    @property
    def back_home(self) -> datetime | None:
        """When the volunteer is back home after the last stop."""
        from datetime import timedelta

        return self.stops[-1].departure + timedelta(seconds=self.leg_s[-1]) if self.stops \
            else None


@dataclass(frozen=True)
class ShiftRow:
    """A time a volunteer was on duty."""

    volunteer_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class MonitoringRows:
    """Everything one report is computed from."""

    requests: tuple[RequestRow, ...] = ()
    tours: tuple[TourRow, ...] = ()
    shifts: tuple[ShiftRow, ...] = ()
    quarter: str = ""  # a slug, or "all"
    languages: tuple[str, ...] = field(default=("de",))  # the service's languages, in order
