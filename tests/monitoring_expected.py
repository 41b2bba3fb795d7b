"""Every monitoring figure of one day, worked out straight from the stored rows and the router.

The tests compare :func:`dispatch.monitoring.compute` (fed by
:func:`dispatch.services.monitoring.load_rows`) with :func:`expected_day`, which reads
``ride_requests``, ``trip_stops``, ``trips``, ``offers`` and ``shifts`` with its own queries
and follows the definitions of ``docs/MONITORING.md`` with its own code: no function of
:mod:`dispatch.monitoring` or :mod:`dispatch.services.monitoring` is called here. Kilometres
come from :meth:`StreetNetwork.route_geometry`, travel times from
:meth:`StreetNetwork.travel_time_s` (the service uses its own leg router and matrices).

Figures are flat: ``"requests"``, ``"unmet_reasons.declined"``, ``"languages.tr.asked"``,
``"wait_min.p90"``, ``"volunteers.km_driven"``, ... (with ``wait_min.n`` and ``ride.n``, the
numbers the small-count rule looks at). :func:`figures_of` flattens a computed
:class:`~dispatch.monitoring.Figures` the same way, so a figure the monitoring adds and this
module does not know makes :func:`assert_figures` fail.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from dataclasses import fields
from dataclasses import is_dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Shift
from dispatch.models import Trip
from dispatch.models import TripStop
from dispatch.models import VolunteerProfile
from dispatch.monitoring import Figures
from dispatch.monitoring import Hidden
from dispatch.services.network import get_network
from dispatch.settings import Settings

Value = int | float | str | None
Point = tuple[float, float]

# the definitions of docs/MONITORING.md, written out again (not imported)
SERVED = frozenset({"accepted", "en_route", "picked_up", "dropped_off", "completed"})
OPEN = frozenset({"requested", "planned", "offered"})
PURPOSES = ("doctor", "pharmacy", "shopping", "worship", "community", "authority", "visit",
            "other", "unknown")
REASONS = ("no_volunteer", "no_wheelchair", "language", "ride_time", "declined", "other")
REASON_OF_CODE = {
    "no_volunteer": "no_volunteer", "no_volunteer_on_shift": "no_volunteer",
    "no_driver": "no_volunteer", "no_walking_escort": "no_volunteer",
    "volunteers_busy": "no_volunteer", "work_limit": "no_volunteer",
    "no_wheelchair_vehicle": "no_wheelchair", "no_wheelchair_place_free": "no_wheelchair",
    "no_language": "language", "detour_limit": "ride_time", "window_impossible": "ride_time",
    "declined_or_filtered": "declined",
}
#: counts of people or requests (the small-count rule hides 1 to 4)
COUNT_KEYS = ("requests", "residents", "served", "unmet", "pending", "cancelled", "no_show",
              "shared", "volunteers.on_duty", "volunteers.active")
#: the volunteers' figures hidden while fewer than five were on duty
VOLUNTEER_MEASURES = ("tours", "hours", "km_driven", "km_walked", "rides_mean", "rides_min",
                      "rides_max", "rides_gini")


@dataclass(frozen=True)
class VolunteerDay:
    """One volunteer's day, as the mileage list shows it."""

    tours: int
    rides: int
    hours: float
    km_driven: float
    km_walked: float


@dataclass(frozen=True)
class Expected:
    """The figures of one day, the outcome of each request and each volunteer's day."""

    figures: dict[str, Value]
    outcomes: dict[int, str]  # request id -> served, unmet, pending, cancelled, no_show
    volunteers: dict[int, VolunteerDay]  # volunteers with a tour
    waits: list[float]  # minutes, per served request with a planned stop
    factors: list[float]  # time on board / direct time, per served request
    #: served requests whose pick-up is no longer stored (a trip rewritten without its done
    #: stops): they count as served, but in no tour, wait, ride time or volunteer's rides
    unplaced: list[int]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    s, n = sorted(values), len(values)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _p90(values: list[float]) -> float | None:
    """Nearest rank: the smallest value that at least 90 % of the values do not exceed."""
    if not values:
        return None
    s = sorted(values)
    rank = next(k for k in range(1, len(s) + 1) if 10 * k >= 9 * len(s))
    return s[rank - 1]


def _gini(values: list[float]) -> float | None:
    """From the ordered values: (2 Σ i·x₍ᵢ₎) / (n Σ x) − (n + 1) / n."""
    n, total = len(values), sum(values)
    if not n or not total:
        return None
    s = sorted(values)
    return 2 * sum(i * x for i, x in enumerate(s, start=1)) / (n * total) - (n + 1) / n


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _outcome(r: RideRequest, now: datetime) -> str:
    if r.state in SERVED:
        return "served"
    if r.state in ("cancelled", "no_show"):
        return str(r.state)
    if r.state in OPEN and r.window_end >= now:
        return "pending"
    return "unmet"  # unservable, or open past the end of its window


def _asked_languages(r: RideRequest) -> list[str]:
    prof = r.resident.resident
    langs = list(prof.languages) if prof is not None else []
    if not langs or "de" in langs:
        return ["de"]
    return sorted(set(langs))


def expected_day(settings: Settings, quarter: str, day: date, now: datetime) -> Expected:
    """The figures of ``quarter`` (a slug or "all") on ``day`` at ``now`` (app context)."""
    net = get_network(settings)
    t0 = datetime(day.year, day.month, day.day)
    t1 = t0 + timedelta(days=1)

    def mine(column: Any) -> Any:
        return True if quarter == "all" else column == quarter

    reqs = list(db.session.scalars(select(RideRequest).where(
        mine(RideRequest.quarter_slug), RideRequest.requested_time >= t0,
        RideRequest.requested_time < t1)))
    out = {r.id: _outcome(r, now) for r in reqs}
    served = [r for r in reqs if out[r.id] == "served"]
    served_ids = {r.id for r in served}
    f: dict[str, Value] = {}
    f["requests"] = len(reqs)
    f["residents"] = len({r.resident_id for r in reqs})
    counts = Counter(out.values())
    for k in ("served", "unmet", "pending", "cancelled", "no_show"):
        f[k] = counts[k]
    f["served_share"] = _share(counts["served"], counts["served"] + counts["unmet"])
    # why the unmet ones stayed unmet
    reasons = dict.fromkeys(REASONS, 0)
    for r in reqs:
        if out[r.id] != "unmet":
            continue
        if r.reason_code is None:
            declined = db.session.scalar(select(Offer.id).where(
                Offer.request_id == r.id, Offer.state.in_(["declined", "expired"])).limit(1))
            reasons["declined" if declined is not None else "other"] += 1
        else:
            reasons[REASON_OF_CODE.get(r.reason_code, "other")] += 1
    f.update({f"unmet_reasons.{k}": v for k, v in reasons.items()})
    # every stop of the requests (one pick-up and one drop-off at most)
    stops: dict[tuple[int, str], TripStop] = {}
    holder: dict[int, int] = {}  # request -> volunteer whose trip holds its pick-up
    for s, vid in db.session.execute(select(TripStop, Trip.volunteer_id).join(
            Trip, Trip.id == TripStop.trip_id).where(
            TripStop.request_id.in_([r.id for r in reqs]))):
        assert (s.request_id, s.kind) not in stops, f"request {s.request_id}: two {s.kind}s"
        stops[(s.request_id, s.kind)] = s
        if s.kind == "pickup":
            holder[s.request_id] = vid
    # the day's tours: the stops a volunteer drives to, from home and back home
    trips = db.session.scalars(select(Trip).where(
        mine(Trip.quarter_slug), Trip.service_day >= t0, Trip.service_day < t1)).all()
    shared: set[int] = set()
    days: dict[int, list[tuple[float, float, str]]] = {}  # volunteer -> (hours, km, mode)
    for trip in trips:
        prof = trip.volunteer.volunteer
        if prof is None or prof.home_lat is None or prof.home_lon is None:
            continue
        driven = [s for s in sorted(trip.stops, key=lambda s: s.seq)
                  if s.request.state in SERVED
                  or (s.request.state == "no_show" and s.kind == "pickup")]
        if not driven:
            continue
        # shared: two served requests of the tour on board at once (their seq intervals meet)
        seq = {(s.request_id, s.kind): s.seq for s in trip.stops if s.request_id in served_ids}
        riders = {rid for rid, kind in seq if kind == "pickup"}
        for a in riders:
            a_on, a_off = seq[(a, "pickup")], seq.get((a, "dropoff"), math.inf)
            if any(b != a and seq[(b, "pickup")] < a_off
                   and a_on < seq.get((b, "dropoff"), math.inf) for b in riders):
                shared.add(a)
        mode = "drive" if prof.drives and (prof.vehicle_seats or prof.wheelchair_places) \
            else "walk"
        home: Point = (prof.home_lat, prof.home_lon)
        points = [home, *((s.lat, s.lon) for s in driven), home]
        metres = sum(net.route_geometry(a, b, mode=mode).length_m
                     for a, b in zip(points, points[1:], strict=False))
        leave = driven[0].planned_arrival - timedelta(
            seconds=net.travel_time_s(home, points[1], mode=mode))
        back = driven[-1].planned_departure + timedelta(
            seconds=net.travel_time_s(points[-2], home, mode=mode))
        days.setdefault(trip.volunteer_id, []).append(
            ((back - leave).total_seconds() / 3600, metres / 1000, mode))
    f["shared"] = len(shared)
    f["shared_share"] = _share(len(shared), len(served))
    purposes = Counter(r.purpose if r.purpose in PURPOSES[:-1] else "unknown" for r in reqs)
    f.update({f"purposes.{p}": purposes[p] for p in PURPOSES})
    # languages: the quarter's own, and any other one asked for
    offered_langs = {x for q in settings.quarters if quarter in ("all", q.slug)
                     for x in q.languages} or {"de"}
    asked: Counter[str] = Counter()
    got: Counter[str] = Counter()
    for r in reqs:
        for lang in _asked_languages(r):
            asked[lang] += 1
            got[lang] += out[r.id] == "served"
    for lang in offered_langs | set(asked):
        f[f"languages.{lang}.asked"] = asked[lang]
        f[f"languages.{lang}.served"] = got[lang]
        f[f"languages.{lang}.served_share"] = _share(got[lang], asked[lang])
    # waiting: how late the pick-up is (arrive_by: how early the arrival)
    waits: list[float] = []
    for r in served:
        if r.time_mode == "arrive_by":
            drop = stops.get((r.id, "dropoff"))
            if drop is not None:
                waits.append((r.requested_time - drop.planned_arrival).total_seconds() / 60)
        else:
            pick = stops.get((r.id, "pickup"))
            if pick is not None:
                waits.append((pick.planned_arrival - r.requested_time).total_seconds() / 60)
    f.update({"wait_min.n": len(waits), "wait_min.mean": _mean(waits),
              "wait_min.median": _median(waits), "wait_min.p90": _p90(waits)})
    # time on board against the direct route
    on_board, direct, factors = [], [], []
    for r in served:
        pick, drop = stops.get((r.id, "pickup")), stops.get((r.id, "dropoff"))
        if pick is None or drop is None:
            continue
        mode = "walk" if r.kind == "escort_walk" else "drive"
        d = net.travel_time_s((r.pickup_lat, r.pickup_lon), (r.dropoff_lat, r.dropoff_lon),
                              mode=mode)
        if not d:
            continue
        ride_s = (drop.planned_arrival - pick.planned_departure).total_seconds()
        on_board.append(ride_s / 60)
        direct.append(d / 60)
        factors.append(ride_s / d)
    f.update({"ride.n": len(on_board), "ride.ride_min": _mean(on_board),
              "ride.direct_min": _mean(direct), "ride.factor": _mean(factors),
              "ride.factor_p90": _p90(factors)})
    # volunteers: on duty (a shift touching the day, a tour or a ride), rides each, fairness
    on_shift = set(db.session.scalars(
        select(Shift.volunteer_id)
        .join(VolunteerProfile, VolunteerProfile.person_id == Shift.volunteer_id)
        .join(Person, Person.id == VolunteerProfile.person_id)
        .where(mine(Person.quarter_slug), Shift.starts_at < t1, Shift.ends_at > t0)))
    rides = Counter(holder[r.id] for r in served if r.id in holder)
    on_duty = on_shift | set(days) | set(rides)
    per = [float(rides[v]) for v in on_duty]
    tours = [t for v in days.values() for t in v]
    f.update({
        "volunteers.on_duty": len(on_duty), "volunteers.active": len(rides),
        "volunteers.tours": float(len(tours)),
        "volunteers.hours": sum(h for h, _, _ in tours),
        "volunteers.km_driven": sum(km for _, km, m in tours if m == "drive"),
        "volunteers.km_walked": sum(km for _, km, m in tours if m != "drive"),
        "volunteers.rides_mean": _mean(per), "volunteers.rides_min": min(per, default=None),
        "volunteers.rides_max": max(per, default=None), "volunteers.rides_gini": _gini(per)})
    each = {v: VolunteerDay(len(ts), rides[v], sum(h for h, _, _ in ts),
                            sum(km for _, km, m in ts if m == "drive"),
                            sum(km for _, km, m in ts if m != "drive"))
            for v, ts in days.items()}
    unplaced = sorted(r.id for r in served if (r.id, "pickup") not in stops)
    return Expected(f, out, each, waits, factors, unplaced)


def figures_of(fig: Figures) -> dict[str, Value]:
    """A computed period flattened like :attr:`Expected.figures` (label and dates left out)."""
    flat: dict[str, Value] = {}

    def walk(prefix: str, obj: Any) -> None:
        if is_dataclass(obj):
            for fld in fields(obj):
                walk(f"{prefix}{fld.name}.", getattr(obj, fld.name))
        elif isinstance(obj, dict):
            for k, v in obj.items():
                walk(f"{prefix}{k}.", v)
        else:
            flat[prefix.rstrip(".")] = obj

    walk("", fig)
    for k in ("label", "start", "end"):
        flat.pop(k)
    return flat


def _tolerance(key: str) -> float:
    if key.endswith("share") or key.endswith("gini"):
        return 1e-4  # rounded to four places
    if key.endswith("km_driven") or key.endswith("km_walked"):
        return 0.02  # rounded to two places, summed over tours
    return 0.006  # minutes, hours, ratios, means: rounded to two places


def assert_figures(fig: Figures, exp: Expected) -> None:
    """Every figure of ``fig`` (raw) equals the expected one: counts exactly, the rest within
    the rounding of the report."""
    got = figures_of(fig)
    assert set(got) == set(exp.figures), (set(got) ^ set(exp.figures))
    wrong = []
    for key, want in sorted(exp.figures.items()):
        have = got[key]
        if want is None or have is None or isinstance(have, Hidden):
            ok = have == want
        elif key in COUNT_KEYS or key.endswith((".n", ".asked", ".served")) or \
                key.startswith(("unmet_reasons.", "purposes.")):
            ok = have == want and isinstance(have, int)
        else:
            ok = have == pytest.approx(want, abs=_tolerance(key))
        if not ok:
            wrong.append(f"{key}: monitoring {have!r}, rows {want!r}")
    assert not wrong, "\n".join(wrong)


# -- the small-count rule, checked on the figures of one period --------------------------------

def _small(v: Value) -> bool:
    return isinstance(v, int | float) and 0 < v < 5


def _count_keys(raw: dict[str, Value]) -> list[str]:
    return [k for k in raw if k in COUNT_KEYS or k.startswith(("unmet_reasons.", "purposes."))
            or k.endswith((".asked", ".served"))]


def _marker(*parts: Value, denominator: Value = None) -> Hidden | None:
    if Hidden.SMALL in parts or _small(denominator):
        return Hidden.SMALL
    return Hidden.COMPLEMENT if Hidden.COMPLEMENT in parts else None


def _bounds(shown: Value, raw: Value) -> tuple[float, float]:
    if shown == Hidden.SMALL:
        return 1.0, 4.0
    if shown == Hidden.COMPLEMENT or shown is None:
        return 0.0, math.inf
    assert isinstance(shown, int | float)
    return float(shown), float(shown)


def assert_protected(raw_fig: Figures, shown_fig: Figures) -> None:
    """``shown_fig`` is ``raw_fig`` after the small-count rule: counts of 1 to 4 and figures
    over fewer than five are hidden, every other cell is its raw value or ``x``, shares follow
    their parts, and no sum of a period pins a hidden (or never-shown small) count."""
    raw, shown = figures_of(raw_fig), figures_of(shown_fig)
    assert set(raw) == set(shown)
    counts = _count_keys(raw)
    for k in counts:
        if _small(raw[k]):
            assert shown[k] == Hidden.SMALL, (k, raw[k], shown[k])
        else:
            assert shown[k] in (raw[k], Hidden.COMPLEMENT), (k, raw[k], shown[k])
    served_all = raw["served"], raw["unmet"]
    want = {"served_share": _marker(shown["served"], shown["unmet"],
                                    denominator=sum(int(x or 0) for x in served_all)),
            "shared_share": _marker(shown["shared"], shown["served"])}
    langs = {k.split(".")[1] for k in raw if k.startswith("languages.")}
    for lang in langs:
        a, s = f"languages.{lang}.asked", f"languages.{lang}.served"
        want[f"languages.{lang}.served_share"] = _marker(shown[a], shown[s])
    for k, marker in want.items():
        assert shown[k] == (marker if marker is not None else raw[k]), (k, raw[k], shown[k])
    for stat in ("wait_min", "ride"):
        few = _small(raw[f"{stat}.n"])
        for k in [k for k in raw if k.startswith(f"{stat}.") and not k.endswith(".n")]:
            assert shown[k] == (Hidden.SMALL if few else raw[k]), (k, raw[k], shown[k])
    few = _small(raw["volunteers.on_duty"])
    for name in VOLUNTEER_MEASURES:
        k = f"volunteers.{name}"
        if few:
            assert shown[k] == Hidden.SMALL, (k, raw[k], shown[k])
        else:
            assert shown[k] in (raw[k], Hidden.COMPLEMENT), (k, raw[k], shown[k])
    # the sums a reader can do: no hidden count, nor a never-shown one of 1 to 4, is pinned
    groups: list[tuple[str, list[str]]] = [
        ("requests", ["served", "unmet", "pending", "cancelled", "no_show"]),
        ("unmet", [f"unmet_reasons.{r}" for r in REASONS]),
        ("requests", [f"purposes.{p}" for p in PURPOSES]),
        ("served", ["shared", "~unshared"])]
    raw["~unshared"] = int(raw["served"] or 0) - int(raw["shared"] or 0)
    shown["~unshared"] = None  # never shown
    for lang in langs:
        a, s = f"languages.{lang}.asked", f"languages.{lang}.served"
        raw[f"~{lang}"] = int(raw[a] or 0) - int(raw[s] or 0)
        shown[f"~{lang}"] = None
        groups.append((a, [s, f"~{lang}"]))
    for total, parts in groups:
        bounds = {k: _bounds(shown[k], raw[k]) for k in (total, *parts)}
        for k in (total, *parts):
            secret = isinstance(shown[k], Hidden) or (k.startswith("~") and _small(raw[k]))
            if not secret:
                continue
            if k == total:
                lo = sum(bounds[p][0] for p in parts)
                hi = sum(bounds[p][1] for p in parts)
            else:
                lo = bounds[total][0] - sum(bounds[p][1] for p in parts if p != k)
                hi = bounds[total][1] - sum(bounds[p][0] for p in parts if p != k)
            lo, hi = max(lo, bounds[k][0]), min(hi, bounds[k][1])
            assert hi > lo, f"{k} = {raw[k]} can be worked out from {total} = sum of {parts}"
