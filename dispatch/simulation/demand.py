"""The day's demand: who books what, for when, and when the booking is made (pure Python).

Each :class:`PlannedBooking` is drawn from the seed: a resident, a purpose from the weekday's
shares, a destination of that purpose near home (a mosque or a church by the resident's first
language), an asked time from the purpose's hour profile, a booking time before it, and what
will happen later (a cancellation, a no-show).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from dispatch.domain.kinds import Purpose
from dispatch.domain.kinds import RequestKind
from dispatch.domain.kinds import TimeMode
from dispatch.simulation.params import ARRIVE_BY
from dispatch.simulation.params import HOUR_PROFILE
from dispatch.simulation.params import HOURS
from dispatch.simulation.params import MUSLIM_LANGUAGES
from dispatch.simulation.params import RETURNS
from dispatch.simulation.params import SPECIAL_HOURS
from dispatch.simulation.params import WEEKDAY_FACTORS
from dispatch.simulation.params import WEEKLY
from dispatch.simulation.params import SimParams
from dispatch.simulation.places import Destination
from dispatch.simulation.places import QuarterPlaces

MIN_LEAD = timedelta(minutes=30)  # nobody books a ride for less than this ahead


@dataclass(frozen=True)
class Resident:
    """What the demand needs to know of a resident."""

    id: int
    lat: float
    lon: float
    address: str
    language: str  # first language
    aids: tuple[str, ...]


@dataclass(frozen=True)
class PlannedBooking:
    """One booking the simulation will make, and what becomes of it."""

    n: int
    resident_id: int
    book_at: datetime
    time: datetime
    time_mode: TimeMode
    kind: RequestKind
    purpose: Purpose
    destination: Destination
    pickup: tuple[str, float, float]
    language: str
    aids: tuple[str, ...]
    return_after_minutes: int | None
    repeat_weekly: bool
    cancel_at: datetime | None  # the resident cancels then
    no_show: bool  # not at the door when the volunteer comes


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Straight-line distance in km."""
    dlat = (a[0] - b[0]) * 111.2
    dlon = (a[1] - b[1]) * 111.2 * math.cos(math.radians(a[0]))
    return math.hypot(dlat, dlon)


def purpose_weights(params: SimParams, weekday: int) -> dict[Purpose, float]:
    """Share of each purpose on a weekday (before a resident is considered)."""
    factors = WEEKDAY_FACTORS.get(weekday, {})
    return {p: share * factors.get(p, 1.0) for p, share in params.purpose_shares.items()}


def _hour_weights(purpose: Purpose, kind: str, weekday: int) -> tuple[float, ...]:
    return SPECIAL_HOURS.get((weekday, kind), HOUR_PROFILE[purpose])


def _destination(rng: random.Random, places: QuarterPlaces, purpose: Purpose,
                 res: Resident) -> Destination | None:
    if purpose == Purpose.VISIT:  # family or friends: another home within a few km
        for _ in range(20):
            h = places.homes[rng.randrange(len(places.homes))]
            if 0.3 < km((res.lat, res.lon), (h.lat, h.lon)) < 3.0:
                return Destination(h.label, Purpose.VISIT, "home", h.lat, h.lon)
        return None
    found = places.of_purpose(purpose)
    if purpose == Purpose.WORSHIP:
        want = "mosque" if res.language in MUSLIM_LANGUAGES else "church"
        found = [d for d in found if d.kind == want] or found
    if not found:
        return None
    weights = [1.0 / (0.3 + km((res.lat, res.lon), (d.lat, d.lon))) ** 2 for d in found]
    return rng.choices(found, weights=weights)[0]


def _kind(rng: random.Random, params: SimParams, res: Resident, dest: Destination) -> RequestKind:
    near = km((res.lat, res.lon), (dest.lat, dest.lon)) <= params.walk_reach_km
    if near and "wheelchair" not in res.aids and rng.random() < params.escort_walk_share:
        return RequestKind.ESCORT_WALK
    return RequestKind.RIDE_ESCORT if rng.random() < 0.1 else RequestKind.RIDE


def _asked_time(rng: random.Random, params: SimParams, purpose: Purpose, kind: str,
                earliest: datetime) -> datetime | None:
    weights = list(_hour_weights(purpose, kind, params.day.weekday()))
    day0 = datetime(params.day.year, params.day.month, params.day.day)
    for i, hour in enumerate(HOURS):  # hours that are over (or too soon) cannot be asked for
        if day0 + timedelta(hours=hour + 1) <= earliest:
            weights[i] = 0.0
    if not any(weights):
        return None
    hour = rng.choices(HOURS, weights=weights)[0]
    t = day0 + timedelta(hours=hour, minutes=5 * rng.randrange(12))
    return max(t, earliest) if t < earliest else t


def _book_at(rng: random.Random, params: SimParams, t: datetime) -> datetime:
    start = params.start_at
    latest = t - MIN_LEAD
    if params.lead == "spread":
        span = max(0.0, (latest - start).total_seconds())
        return start + timedelta(seconds=rng.uniform(0, span))
    roll = rng.random()
    if roll < 0.5:  # days ahead: booked before the simulation starts (in its first minutes)
        lead = timedelta(days=3)
    elif roll < 0.85:  # the same morning, an hour or three before
        lead = timedelta(minutes=rng.uniform(60, 180))
    else:  # at short notice
        lead = timedelta(minutes=rng.uniform(30, 60))
    at = t - lead
    if at < start:
        at = start + timedelta(seconds=rng.uniform(0, 600))
    return min(at, latest) if latest >= start else start


def plan_bookings(params: SimParams, places: QuarterPlaces,
                  residents: list[Resident]) -> list[PlannedBooking]:
    """The day's bookings in the order they are made (deterministic for the seed)."""
    rng = random.Random(f"{params.seed}:{params.quarter}:{params.day}:{params.run}:demand")
    weekday = params.day.weekday()
    base = purpose_weights(params, weekday)
    earliest = params.start_at + MIN_LEAD
    out: list[PlannedBooking] = []
    attempts = 0
    while len(out) < params.requests and residents and attempts < params.requests * 20:
        attempts += 1
        res = residents[rng.randrange(len(residents))]
        purposes = sorted(p for p, w in base.items() if w > 0)
        if not purposes:
            break
        purpose = rng.choices(purposes, weights=[base[p] for p in purposes])[0]
        dest = _destination(rng, places, purpose, res)
        if dest is None or km((res.lat, res.lon), (dest.lat, dest.lon)) < 0.15:
            continue
        t = _asked_time(rng, params, purpose, dest.kind, earliest)
        if t is None:
            continue
        kind = _kind(rng, params, res, dest)
        mode = TimeMode.ARRIVE_BY if rng.random() < ARRIVE_BY.get(purpose, 0.0) \
            else TimeMode.PICKUP_AFTER
        share, lo, hi = RETURNS[purpose]
        ret = 5 * rng.randrange(lo // 5, hi // 5 + 1) if rng.random() < share else None
        weekly = rng.random() < WEEKLY.get(purpose, 0.0)
        book_at = _book_at(rng, params, t)
        cancel_at = None
        if rng.random() < params.cancel_share:
            span = (t - book_at - timedelta(minutes=10)).total_seconds()
            cancel_at = book_at + timedelta(seconds=rng.uniform(60, max(61.0, span)))
        out.append(PlannedBooking(
            n=len(out), resident_id=res.id, book_at=book_at, time=t, time_mode=mode,
            kind=kind, purpose=purpose, destination=dest,
            pickup=(res.address, res.lat, res.lon), language=res.language, aids=res.aids,
            return_after_minutes=ret, repeat_weekly=weekly, cancel_at=cancel_at,
            no_show=rng.random() < params.no_show_share))
    return sorted(out, key=lambda b: (b.book_at, b.n))
