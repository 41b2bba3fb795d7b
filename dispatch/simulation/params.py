"""What a simulated day looks like: the shares, probabilities and time-of-day profile.

Every figure here is a default a run can override (``SimParams(..., no_show_share=0.1)``);
docs/SIMULATION.md explains them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from types import MappingProxyType

from dispatch.domain.kinds import Purpose

#: first language of the residents of a quarter (shares); a quarter not named here: German
QUARTER_LANGUAGES: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "eving": MappingProxyType({"de": 0.55, "tr": 0.25, "ar": 0.12, "pl": 0.08}),
    "marten": MappingProxyType({"de": 0.86, "tr": 0.06, "pl": 0.06, "ar": 0.02}),
})
#: languages volunteers speak besides German (share of volunteers)
VOLUNTEER_LANGUAGES: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "eving": MappingProxyType({"tr": 0.3, "ar": 0.15, "pl": 0.12, "en": 0.3}),
    "marten": MappingProxyType({"tr": 0.1, "pl": 0.1, "en": 0.3}),
})
#: residents whose first language is one of these go to a mosque, the others to a church
MUSLIM_LANGUAGES = frozenset({"tr", "ar"})

#: share of each purpose on a weekday
PURPOSE_SHARES: Mapping[Purpose, float] = MappingProxyType({
    Purpose.DOCTOR: 0.30, Purpose.PHARMACY: 0.08, Purpose.SHOPPING: 0.28, Purpose.WORSHIP: 0.07,
    Purpose.COMMUNITY: 0.12, Purpose.AUTHORITY: 0.05, Purpose.VISIT: 0.10,
})
#: factor on the purpose shares by weekday (0 Monday .. 6 Sunday); missing: 1
WEEKDAY_FACTORS: Mapping[int, Mapping[Purpose, float]] = MappingProxyType({
    4: MappingProxyType({Purpose.WORSHIP: 3.0}),  # Friday prayers
    5: MappingProxyType({Purpose.DOCTOR: 0.05, Purpose.AUTHORITY: 0.0, Purpose.SHOPPING: 1.6,
                         Purpose.VISIT: 1.5}),
    6: MappingProxyType({Purpose.DOCTOR: 0.0, Purpose.AUTHORITY: 0.0, Purpose.SHOPPING: 0.0,
                         Purpose.PHARMACY: 0.2, Purpose.WORSHIP: 6.0, Purpose.VISIT: 3.0}),
})
# weight of each hour 7..17 (the asked time), per purpose
_H = tuple(range(7, 18))
HOUR_PROFILE: Mapping[Purpose, tuple[float, ...]] = MappingProxyType({
    #                 7    8    9   10   11   12   13   14   15   16   17
    Purpose.DOCTOR: (3.0, 5.0, 5.0, 4.0, 3.0, 1.0, 0.5, 1.5, 2.0, 1.5, 0.5),  # morning peak
    Purpose.PHARMACY: (0.5, 1.0, 2.0, 3.0, 3.0, 2.0, 1.0, 1.5, 2.0, 2.0, 1.0),
    Purpose.SHOPPING: (0.2, 1.0, 3.0, 5.0, 5.0, 3.0, 1.5, 2.0, 2.5, 2.0, 1.0),  # late morning
    Purpose.WORSHIP: (0.2, 0.5, 2.0, 2.0, 1.0, 1.0, 0.5, 0.5, 1.0, 1.5, 1.0),
    Purpose.COMMUNITY: (0.0, 0.2, 1.0, 2.0, 2.0, 1.0, 2.0, 4.0, 4.0, 2.0, 0.5),  # afternoon
    Purpose.AUTHORITY: (0.2, 2.0, 3.0, 3.0, 2.0, 1.0, 0.5, 1.0, 1.0, 0.5, 0.0),
    Purpose.VISIT: (0.0, 0.2, 0.5, 1.0, 1.5, 1.0, 1.5, 3.0, 3.0, 2.0, 1.0),
})
#: hour weights that replace the profile on some weekdays: Friday prayers 12-13 at the
#: mosque, Sunday service 9-10 at church (key: weekday, destination kind)
SPECIAL_HOURS: Mapping[tuple[int, str], tuple[float, ...]] = MappingProxyType({
    (4, "mosque"): (0.0, 0.0, 0.0, 0.0, 1.0, 8.0, 4.0, 0.2, 0.2, 0.5, 0.5),
    (6, "church"): (0.0, 0.5, 8.0, 4.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5),
})
#: share of bookings with a return ride, and the time at the destination (minutes)
RETURNS: Mapping[Purpose, tuple[float, int, int]] = MappingProxyType({
    Purpose.DOCTOR: (0.7, 30, 75), Purpose.PHARMACY: (0.6, 10, 20),
    Purpose.SHOPPING: (0.75, 30, 60), Purpose.WORSHIP: (0.8, 60, 90),
    Purpose.COMMUNITY: (0.6, 90, 150), Purpose.AUTHORITY: (0.6, 30, 60),
    Purpose.VISIT: (0.5, 60, 180),
})
#: share of bookings that are standing weekly rides (the same ride for the next weeks too)
WEEKLY: Mapping[Purpose, float] = MappingProxyType({
    Purpose.WORSHIP: 0.4, Purpose.COMMUNITY: 0.35, Purpose.SHOPPING: 0.08, Purpose.DOCTOR: 0.05,
})
#: doctors' appointments: share booked as "arrive by"
ARRIVE_BY: Mapping[Purpose, float] = MappingProxyType({
    Purpose.DOCTOR: 0.8, Purpose.AUTHORITY: 0.6, Purpose.WORSHIP: 0.5,
})
HOURS = _H


@dataclass(frozen=True)
class SimParams:
    """One simulated day of one quarter.

    ``requests`` counts bookings (outward rides) asked for on ``day``; a return ride and the
    next weeks of a standing ride come on top as extra rows.
    """

    quarter: str
    day: date
    requests: int = 150
    volunteers: int = 12
    seed: int = 0
    residents: int | None = None  # default: about two thirds of ``requests``
    #: the simulated clock starts here (default: 18:00 the evening before ``day``)
    start: datetime | None = None
    #: how bookings spread over time: "realistic" (many the day before, some at short
    #: notice) or "spread" (evenly between ``start`` and half an hour before the ride)
    lead: str = "realistic"
    end_hour: int = 19  # the simulation ends at this hour of ``day``
    #: names the run in the seeds and idempotency keys, so two runs of one day (the demo's
    #: morning and its trickle) draw different bookings
    run: str = "day"
    # residents
    wheelchair_share: float = 0.08
    walker_share: float = 0.25
    escort_walk_share: float = 0.5  # of bookings whose destination is within walking reach
    walk_reach_km: float = 0.9
    bilingual_share: float = 0.5  # residents with another first language who speak German too
    female_share: float = 0.65
    # what happens
    cancel_share: float = 0.05
    no_show_share: float = 0.03
    accept_share: float = 0.7
    decline_share: float = 0.15  # the rest of the offers are left to expire
    answer_minutes: tuple[float, float] = (0.5, 8.0)
    tick_minutes: int = 2  # how often offers expire and volunteers report stops
    replan_every_minutes: int = 60  # 0: no re-planning
    replan_iterations: int = 150
    purpose_shares: Mapping[Purpose, float] = field(default_factory=lambda: PURPOSE_SHARES)

    def __post_init__(self) -> None:
        for name in ("wheelchair_share", "walker_share", "escort_walk_share", "cancel_share",
                     "no_show_share", "accept_share", "decline_share", "bilingual_share",
                     "female_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                msg = f"{name} must lie between 0 and 1 (is {value})"
                raise ValueError(msg)
        if self.accept_share + self.decline_share > 1.0:
            msg = "accept_share + decline_share must not exceed 1"
            raise ValueError(msg)
        if self.wheelchair_share + self.walker_share > 1.0:
            msg = "wheelchair_share + walker_share must not exceed 1"
            raise ValueError(msg)
        if self.requests < 0 or self.volunteers < 0:
            msg = "requests and volunteers must not be negative"
            raise ValueError(msg)
        if self.lead not in ("realistic", "spread"):
            msg = "lead is 'realistic' or 'spread'"
            raise ValueError(msg)

    @property
    def start_at(self) -> datetime:
        """When the simulated clock starts."""
        if self.start is not None:
            return self.start
        return datetime(self.day.year, self.day.month, self.day.day, 18) - timedelta(days=1)

    @property
    def end_at(self) -> datetime:
        """When the simulation ends."""
        return datetime(self.day.year, self.day.month, self.day.day, self.end_hour)

    @property
    def resident_count(self) -> int:
        """How many residents book (some more than once)."""
        return self.residents if self.residents is not None else max(1, self.requests * 2 // 3)

    def languages(self) -> Mapping[str, float]:
        """First languages of the quarter's residents."""
        return QUARTER_LANGUAGES.get(self.quarter, {"de": 1.0})

    def volunteer_languages(self) -> Mapping[str, float]:
        """Other languages of the quarter's volunteers."""
        return VOLUNTEER_LANGUAGES.get(self.quarter, {"en": 0.3})
