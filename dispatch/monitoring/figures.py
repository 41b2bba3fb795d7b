"""The monitored figures of one quarter (or all) per day, week or month, from plain rows."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from dispatch.domain.kinds import Purpose
from dispatch.domain.kinds import StopKind
from dispatch.domain.kinds import TimeMode
from dispatch.domain.lifecycle import OPEN
from dispatch.domain.lifecycle import RequestState
from dispatch.monitoring.periods import Bucket
from dispatch.monitoring.periods import Period
from dispatch.monitoring.periods import buckets
from dispatch.monitoring.reasons import UnmetReason
from dispatch.monitoring.reasons import unmet_reason
from dispatch.monitoring.rows import MonitoringRows
from dispatch.monitoring.rows import RequestRow
from dispatch.monitoring.rows import TourRow
from dispatch.monitoring.rows import TourStop
from dispatch.monitoring.values import Count
from dispatch.monitoring.values import Measure

S = RequestState
#: A volunteer took the ride and it was neither cancelled nor a no-show.
SERVED = frozenset({S.ACCEPTED, S.EN_ROUTE, S.PICKED_UP, S.DROPPED_OFF, S.COMPLETED})
#: Purposes in report order; "unknown" for requests that did not say.
PURPOSES: tuple[str, ...] = (*(p.value for p in Purpose), "unknown")
GERMAN = "de"


class Outcome:
    """What became of a request (each request has exactly one)."""

    SERVED = "served"
    UNMET = "unmet"
    PENDING = "pending"  # still open and its time has not passed
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


def outcome(row: RequestRow, now: datetime) -> str:
    """The outcome of ``row`` at ``now``: an open request whose window has passed is unmet."""
    state = S(row.state)
    if state in SERVED:
        return Outcome.SERVED
    if state == S.CANCELLED:
        return Outcome.CANCELLED
    if state == S.NO_SHOW:
        return Outcome.NO_SHOW
    if state in OPEN and row.window_end >= now:
        return Outcome.PENDING
    return Outcome.UNMET


def language_needs(row: RequestRow) -> tuple[str, ...]:
    """The languages a request asks for: the resident's own unless they speak German."""
    if not row.languages or GERMAN in row.languages:
        return (GERMAN,)
    return tuple(dict.fromkeys(row.languages))


@dataclass(frozen=True)
class Language:
    """Requests asking for one language, and how many of them were served."""

    asked: Count
    served: Count
    served_share: Measure


@dataclass(frozen=True)
class Stat:
    """Mean, median and 90th percentile of a figure over ``n`` requests (``n`` not shown)."""

    n: int
    mean: Measure
    median: Measure
    p90: Measure


@dataclass(frozen=True)
class RideTimes:
    """Planned time on board against the direct travel time, over served requests."""

    n: int
    ride_min: Measure  # mean minutes from leaving the pick-up to arriving at the drop-off
    direct_min: Measure  # mean direct travel minutes (router, same mode)
    factor: Measure  # mean of ride / direct
    factor_p90: Measure


@dataclass(frozen=True)
class Volunteers:
    """The volunteers' side: who was on duty, their tours, hours, kilometres, fairness."""

    on_duty: Count  # distinct volunteers with a shift or a tour
    active: Count  # distinct volunteers who served at least one request
    tours: Measure  # volunteer-days with a tour
    hours: Measure  # home to home, planned, all tours
    km_driven: Measure  # street kilometres driven, home to home (mileage)
    km_walked: Measure  # street kilometres of escorts on foot
    rides_mean: Measure  # served requests per volunteer on duty
    rides_min: Measure
    rides_max: Measure
    rides_gini: Measure  # 0 = all equal, towards 1 = a few do everything


@dataclass(frozen=True)
class Figures:
    """Every monitored figure of one period (or of the whole range: label "total")."""

    label: str
    start: date
    end: date  # exclusive
    requests: Count
    residents: Count  # distinct residents who asked
    served: Count
    unmet: Count
    pending: Count
    cancelled: Count
    no_show: Count
    served_share: Measure  # served / (served + unmet)
    unmet_reasons: dict[str, Count]  # UnmetReason -> requests
    shared: Count  # served requests with another request on board for part of the ride
    shared_share: Measure  # shared / served
    purposes: dict[str, Count]  # Purpose (or "unknown") -> requests
    languages: dict[str, Language]
    wait_min: Stat  # planned pick-up minus asked time (arrive_by: asked minus planned arrival)
    ride: RideTimes
    volunteers: Volunteers


@dataclass(frozen=True)
class Report:
    """Figures per period and for the whole range, of one quarter or of all."""

    quarter: str
    period: Period
    start: date
    end: date  # exclusive
    computed_at: datetime
    buckets: tuple[Figures, ...]
    total: Figures
    suppressed: bool = False


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _stat(values: Sequence[float]) -> Stat:
    if not values:
        return Stat(0, None, None, None)
    ordered = sorted(values)
    # nearest rank: the ceil(0.9 n)-th smallest, in integers (round() rounds half to even)
    p90 = ordered[-(-9 * len(ordered) // 10) - 1]
    return Stat(len(values), round(statistics.fmean(values), 2),
                round(statistics.median(values), 2), round(p90, 2))


def gini(values: Sequence[float]) -> float | None:
    """Gini coefficient of non-negative values (None when there are none or all are 0)."""
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return None
    diff = sum(abs(a - b) for a in values for b in values)
    return round(diff / (2 * n * total), 4)


def shared_requests(tours: Iterable[TourRow], served: set[int]) -> set[int]:
    """Served requests that had another served request on board for part of their ride."""
    out: set[int] = set()
    for tour in tours:
        aboard: set[int] = set()
        for stop in tour.stops:
            if stop.request_id not in served:
                continue
            if stop.kind == StopKind.PICKUP:
                if aboard:
                    out.update(aboard)
                    out.add(stop.request_id)
                aboard.add(stop.request_id)
            else:
                aboard.discard(stop.request_id)
    return out


def driven_stops(stops: Iterable[TourStop], state_of: dict[int, str]) -> tuple[TourStop, ...]:
    """The stops a volunteer drives to: those of served requests and a no-show's pick-up
    (stops of requests nobody took stay in the plan but are not driven)."""
    return tuple(s for s in stops if S(state_of.get(s.request_id, S.CANCELLED)) in SERVED
                 or (s.kind == StopKind.PICKUP and state_of.get(s.request_id) == S.NO_SHOW))


def _wait_min(row: RequestRow) -> float | None:
    if row.time_mode == TimeMode.ARRIVE_BY:
        if row.planned_dropoff is None:
            return None
        return (row.requested_time - row.planned_dropoff).total_seconds() / 60
    if row.planned_pickup is None:
        return None
    return (row.planned_pickup - row.requested_time).total_seconds() / 60


def _ride_times(rows: Sequence[RequestRow]) -> RideTimes:
    ride, direct, factor = [], [], []
    for r in rows:
        if r.pickup_departure is None or r.planned_dropoff is None or not r.direct_s:
            continue
        on_board = (r.planned_dropoff - r.pickup_departure).total_seconds()
        ride.append(on_board / 60)
        direct.append(r.direct_s / 60)
        factor.append(on_board / r.direct_s)
    if not ride:
        return RideTimes(0, None, None, None, None)
    f = _stat(factor)
    return RideTimes(len(ride), round(statistics.fmean(ride), 2),
                     round(statistics.fmean(direct), 2), f.mean, f.p90)


@dataclass(frozen=True)
class _ByDay:
    """The rows indexed by day, so each period picks its own without a full scan."""

    requests: dict[date, list[RequestRow]]
    tours: dict[date, list[TourRow]]
    on_duty: dict[date, set[int]]  # volunteers with a shift touching the day

    @classmethod
    def of(cls, rows: MonitoringRows) -> _ByDay:
        requests: dict[date, list[RequestRow]] = {}
        for r in rows.requests:
            requests.setdefault(r.requested_time.date(), []).append(r)
        tours: dict[date, list[TourRow]] = {}
        for t in rows.tours:
            if t.stops:
                tours.setdefault(t.day, []).append(t)
        on_duty: dict[date, set[int]] = {}
        for s in rows.shifts:
            day = s.starts_at.date()
            while day <= s.ends_at.date():
                on_duty.setdefault(day, set()).add(s.volunteer_id)
                day += timedelta(days=1)
        return cls(requests, tours, on_duty)

    def days(self, bucket: Bucket) -> list[date]:
        n = (bucket.end - bucket.start).days
        return [bucket.start + timedelta(days=i) for i in range(n)]


def _volunteers(bucket: Bucket, index: _ByDay, served: Sequence[RequestRow]) -> Volunteers:
    days = index.days(bucket)
    tours = [t for d in days for t in index.tours.get(d, ())]
    on_duty = {t.volunteer_id for t in tours}
    for d in days:
        on_duty |= index.on_duty.get(d, set())
    rides = Counter(r.volunteer_id for r in served if r.volunteer_id is not None)
    on_duty |= set(rides)
    per = [float(rides.get(v, 0)) for v in sorted(on_duty)]
    hours = 0.0
    for t in tours:
        start, end = t.leaves_home, t.back_home
        if start is not None and end is not None:
            hours += (end - start).total_seconds() / 3600
    km_drive = sum(sum(t.leg_m) for t in tours if t.mode == "drive") / 1000
    km_walk = sum(sum(t.leg_m) for t in tours if t.mode != "drive") / 1000
    return Volunteers(
        on_duty=len(on_duty), active=len(rides), tours=float(len(tours)),
        hours=round(hours, 2), km_driven=round(km_drive, 2), km_walked=round(km_walk, 2),
        rides_mean=round(statistics.fmean(per), 2) if per else None,
        rides_min=min(per) if per else None, rides_max=max(per) if per else None,
        rides_gini=gini(per))


def _figures(bucket: Bucket, index: _ByDay, now: datetime, shared: set[int],
             languages: Sequence[str]) -> Figures:
    mine = [r for d in index.days(bucket) for r in index.requests.get(d, ())]
    outcomes = Counter()  # type: Counter[str]
    reasons = Counter()  # type: Counter[str]
    served: list[RequestRow] = []
    for r in mine:
        o = outcome(r, now)
        outcomes[o] += 1
        if o == Outcome.SERVED:
            served.append(r)
        elif o == Outcome.UNMET:
            reasons[unmet_reason(r.reason_code, declined_offers=r.declined_offers)] += 1
    asked: Counter[str] = Counter()
    got: Counter[str] = Counter()
    for r in mine:
        for lang in language_needs(r):
            asked[lang] += 1
            if outcome(r, now) == Outcome.SERVED:
                got[lang] += 1
    langs = list(dict.fromkeys([*languages, *sorted(asked)]))
    purposes = Counter(r.purpose if r.purpose in PURPOSES else "unknown" for r in mine)
    n_shared = sum(1 for r in served if r.id in shared)
    waits = [w for w in (_wait_min(r) for r in served) if w is not None]
    decided = outcomes[Outcome.SERVED] + outcomes[Outcome.UNMET]
    return Figures(
        label=bucket.label, start=bucket.start, end=bucket.end,
        requests=len(mine), residents=len({r.resident_id for r in mine}),
        served=outcomes[Outcome.SERVED], unmet=outcomes[Outcome.UNMET],
        pending=outcomes[Outcome.PENDING], cancelled=outcomes[Outcome.CANCELLED],
        no_show=outcomes[Outcome.NO_SHOW],
        served_share=_share(outcomes[Outcome.SERVED], decided),
        unmet_reasons={u.value: reasons[u] for u in UnmetReason},
        shared=n_shared, shared_share=_share(n_shared, len(served)),
        purposes={p: purposes[p] for p in PURPOSES},
        languages={lang: Language(asked[lang], got[lang], _share(got[lang], asked[lang]))
                   for lang in langs},
        wait_min=_stat(waits), ride=_ride_times(served),
        volunteers=_volunteers(bucket, index, served),
    )


def compute(rows: MonitoringRows, *, period: Period, start: date, end: date, now: datetime
            ) -> Report:
    """Figures per ``period`` over ``[start, end)`` and for the whole range (raw, unprotected).

    Show only :func:`dispatch.monitoring.suppress.suppress` of the result.
    """
    served_ids = {r.id for r in rows.requests if outcome(r, now) == Outcome.SERVED}
    shared = shared_requests(rows.tours, served_ids)
    langs = rows.languages
    cut = buckets(period, start, end)
    index = _ByDay.of(rows)
    per = tuple(_figures(b, index, now, shared, langs) for b in cut)
    # every bucket lists the same languages, so the series line up
    all_langs = tuple(dict.fromkeys([*langs, *(k for f in per for k in f.languages)]))
    if all_langs != tuple(langs):
        per = tuple(_figures(b, index, now, shared, all_langs) for b in cut)
    total = _figures(Bucket("total", start, end), index, now, shared, all_langs)
    return Report(quarter=rows.quarter, period=period, start=start, end=end, computed_at=now,
                  buckets=per, total=total)
