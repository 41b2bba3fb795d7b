"""A quarter's service day read from the database as a matching problem and its current plans.

Times handed to the matching engine are seconds since local midnight of the service day.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from datetime import timedelta

import numpy as np
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dispatch.domain.kinds import RequestKind
from dispatch.domain.kinds import SameGender
from dispatch.domain.kinds import StopKind
from dispatch.domain.kinds import TimeMode
from dispatch.domain.lifecycle import COMMITTED
from dispatch.domain.lifecycle import OPEN
from dispatch.domain.lifecycle import SERVED_OR_MISSED
from dispatch.domain.lifecycle import RequestState
from dispatch.extensions import db
from dispatch.matching.late import keep_late_locked
from dispatch.matching.problem import GenderRule
from dispatch.matching.problem import LockedStop
from dispatch.matching.problem import Problem
from dispatch.matching.problem import Request
from dispatch.matching.problem import Vehicle
from dispatch.matching.problem import max_ride_seconds
from dispatch.matching.result import Plan
from dispatch.matching.result import Stop
from dispatch.models import Offer
from dispatch.models import OfferState
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models import Trip
from dispatch.models import TripStop
from dispatch.models import VolunteerProfile
from dispatch.services.board import day_bounds
from dispatch.services.network import get_network
from dispatch.services.wishes import wishes_of
from dispatch.settings import Settings

#: States whose stops stay in the plans.
PLANNED_STATES = {*OPEN, *COMMITTED, RequestState.PICKED_UP}
#: The resident's same-gender wish as the matching engine's rule.
GENDER_RULES: dict[SameGender, GenderRule] = {
    SameGender.NONE: "no", SameGender.SOFT: "soft", SameGender.HARD: "hard"}


@dataclass
class DayContext:
    """The matching view of one quarter's service day, with the maps back to rows."""

    quarter: str
    day: datetime
    problem: Problem
    plans: list[Plan]
    requests: dict[str, RideRequest]
    volunteers: dict[str, Person]
    trips: dict[str, Trip]
    points: _Points = field(default_factory=lambda: _Points())

    def seconds(self, t: datetime) -> float:
        return (t - self.day).total_seconds()

    def at(self, seconds: float) -> datetime:
        """The local time ``seconds`` after midnight (kept to the microsecond, so stored plans
        stay exactly as the engine timed them)."""
        return self.day + timedelta(seconds=seconds)


class _Points:
    """Unique (lat, lon) points with their indices."""

    def __init__(self) -> None:
        self.items: list[tuple[float, float]] = []
        self._index: dict[tuple[float, float], int] = {}

    def add(self, lat: float, lon: float) -> int:
        key = (round(lat, 6), round(lon, 6))
        if key not in self._index:
            self._index[key] = len(self.items)
            self.items.append(key)
        return self._index[key]


def rid(req: RideRequest) -> str:
    """The request's id as the matching engine names it."""
    return str(req.id)


def is_history(stop: TripStop) -> bool:
    """A stop of a request served or not met: no plan moves or removes it."""
    return RequestState(stop.request.state) in SERVED_OR_MISSED


def in_the_order_done(stop: TripStop) -> tuple[bool, datetime, int]:
    """Sort key of a trip's stops: those reported done first, as they were reported; then the
    rest in their planned order."""
    return (stop.done_at is None, stop.done_at or datetime.min, stop.seq)


@dataclass(frozen=True)
class LastSeen:
    """Where and from when a volunteer with stops already done goes on: the place of the stop
    reported last, at the latest of the done stops' reported and planned ends (the plans of
    what is still to come start after everything stored before)."""

    lat: float
    lon: float
    at: datetime


def last_seen(trip: Trip) -> LastSeen | None:
    """The volunteer's place and time after the trip's done stops (None: none done yet)."""
    done = [s for s in trip.stops if s.done_at is not None]
    if not done:
        return None
    last = max(done, key=lambda s: s.done_at or datetime.min)
    at = max(max(s.done_at or s.planned_departure, s.planned_departure) for s in done)
    return LastSeen(last.lat, last.lon, at)


def _vehicle_for(person: Person, day: datetime, points: _Points, work_used_s: float,
                 locked: tuple[LockedStop, ...], seen: LastSeen | None) -> Vehicle | None:
    prof = person.volunteer
    if prof is None or not person.active or not prof.available or not prof.vetted_on(day.date()):
        return None
    start, end = day_bounds(day)
    shifts = [s for s in prof.shifts if s.starts_at < end and s.ends_at > start]
    if not shifts:
        return None
    s0 = max(min(s.starts_at for s in shifts), start)
    s1 = min(max(s.ends_at for s in shifts), end)
    if prof.home_lat is None or prof.home_lon is None:
        return None
    home = points.add(prof.home_lat, prof.home_lon)
    drives = prof.drives and (prof.vehicle_seats > 0 or prof.wheelchair_places > 0)
    if not drives and not prof.escorts_on_foot:
        return None
    here = home
    if seen is not None:  # on the way already: from the last done stop, not from home
        here = points.add(seen.lat, seen.lon)
        s0 = min(max(s0, seen.at), s1)
    return Vehicle(
        id=str(person.id), start=here, end=home,
        shift=((s0 - start).total_seconds(), (s1 - start).total_seconds()),
        capacity={"seats": prof.vehicle_seats if drives else 1,
                  "wheelchair": prof.wheelchair_places if drives else 0},
        languages=tuple(prof.languages), gender=person.gender, drives=drives,
        escorts_on_foot=prof.escorts_on_foot,
        max_work=max(0.0, prof.max_hours_per_week * 3600 - work_used_s),
        locked=locked,
    )


def _work_used(quarter: str, day: datetime) -> dict[int, float]:
    """Seconds each volunteer works this week on days other than ``day`` (planned trips)."""
    monday = day - timedelta(days=day.weekday())
    first = func.min(TripStop.planned_arrival)
    last = func.max(TripStop.planned_departure)
    rows = db.session.execute(
        select(Trip.volunteer_id, Trip.id, first, last).join(TripStop)
        .where(Trip.quarter_slug == quarter, Trip.service_day >= monday,
               Trip.service_day < monday + timedelta(days=7), Trip.service_day != day)
        .group_by(Trip.volunteer_id, Trip.id)).all()
    used: dict[int, float] = {}
    for vid, _tid, t0, t1 in rows:
        used[vid] = used.get(vid, 0.0) + (t1 - t0).total_seconds()
    return used


def _request_for(req: RideRequest, ctx_day: datetime, points: _Points, settings: Settings,
                 direct: dict[str, float], seen: LastSeen | None,
                 escort_wait: dict[int, int], excluded: tuple[str, ...]) -> Request:
    rules = settings.service
    resident = req.resident
    prof = resident.resident
    secs = lambda t: (t - ctx_day).total_seconds()  # noqa: E731
    pick_window: tuple[float, float] | None = None
    drop_window: tuple[float, float] | None = None
    if req.time_mode == TimeMode.ARRIVE_BY:
        drop_window = (secs(req.window_start), secs(req.window_end))
    elif req.return_of_id is None:
        pick_window = (secs(req.window_start), secs(req.window_end))
    boarding = rules.boarding_min * 60.0
    pickup = points.add(req.pickup_lat, req.pickup_lon)
    if seen is not None:
        # on board: for the plans still to come she rides from where and when the volunteer
        # goes on ("picked up" is reported once the person is on board: boarding ended then)
        t = secs(seen.at) - boarding
        pick_window = (t, t)
        pickup = points.add(seen.lat, seen.lon)
    wished = wishes_of(req)
    languages = wished.languages if "de" not in wished.languages else ()
    same = GENDER_RULES[wished.same_gender]
    if same != "no" and resident.gender is None:
        same = "no"
    # an escort stays at the appointment: the wait is service time of the drop-off, and the
    # return ride then starts when that service ends (so the appointment is not counted twice)
    wait_s = escort_wait.get(req.id, 0) * 60.0
    appointment_s = float(req.appointment_minutes or 0) * 60.0
    if req.return_of_id is not None and req.return_of_id in escort_wait:
        appointment_s = 0.0
    load = {"wheelchair": 1, "seats": max(0, req.passengers - 1)} if \
        req.needs_wheelchair_place else {"seats": req.passengers}
    return Request(
        id=rid(req), pickup=pickup,
        dropoff=points.add(req.dropoff_lat, req.dropoff_lon), kind=RequestKind(req.kind),
        pickup_window=pick_window, dropoff_window=drop_window,
        pickup_service=boarding, dropoff_service=boarding + wait_s, load=load,
        max_ride=max_ride_seconds(direct.get(rid(req), 0.0), rules.detour_factor,
                                  rules.detour_extra_min * 60.0),
        languages=languages, same_gender=same, gender=resident.gender,
        preferred_volunteer=str(prof.preferred_volunteer_id) if prof and
        prof.preferred_volunteer_id else None,
        return_of=str(req.return_of_id) if req.return_of_id and pick_window is None else None,
        appointment=appointment_s,
        excluded=excluded,
    )


def build_context(quarter: str, day: datetime, settings: Settings,
                  extra: Iterable[RideRequest] = ()) -> DayContext:
    """Read the quarter's day from the database into a matching problem and current plans."""
    start, end = day_bounds(day)
    rows = list(db.session.scalars(select(RideRequest).where(
        RideRequest.quarter_slug == quarter, RideRequest.requested_time >= start,
        RideRequest.requested_time < end,
        RideRequest.state.in_([s.value for s in PLANNED_STATES]))
        .options(selectinload(RideRequest.resident).selectinload(Person.resident))))
    for r in extra:
        if r not in rows:
            rows.append(r)
    by_id = {rid(r): r for r in rows}
    # a return ride tied to an outbound of another day is planned on its own window
    trips = {str(t.volunteer_id): t for t in db.session.scalars(select(Trip).where(
        Trip.quarter_slug == quarter, Trip.service_day == start)
        .options(selectinload(Trip.stops).selectinload(TripStop.request)))}
    seen = {vid: last_seen(t) for vid, t in trips.items()}
    # requests on board: picked up, on a trip that goes on from where it was last seen
    onboard = {s.request_id: seen[vid] for vid, t in trips.items() for s in t.stops
               if s.done_at is not None and s.kind == StopKind.PICKUP and rid(s.request) in by_id}
    points = _Points()
    volunteers = {str(p.id): p for p in db.session.scalars(select(Person).where(
        Person.role == Role.VOLUNTEER, Person.quarter_slug == quarter)
        .options(selectinload(Person.volunteer).selectinload(VolunteerProfile.shifts)))}
    work_used = _work_used(quarter, start)
    # vehicles first so their homes get the low indices
    locked_by_vehicle: dict[str, tuple[LockedStop, ...]] = {}
    for vid, t in trips.items():
        locked_by_vehicle[vid] = tuple(
            LockedStop(str(s.request_id), StopKind(s.kind), done=s.done_at is not None)
            for s in sorted(t.stops, key=in_the_order_done)
            if (s.locked or s.done_at is not None) and rid(s.request) in by_id)
    vehicles = []
    for vid, person in volunteers.items():
        v = _vehicle_for(person, start, points, work_used.get(person.id, 0.0),
                         locked_by_vehicle.get(vid, ()), seen.get(vid))
        if v is not None:
            vehicles.append(v)
    for r in rows:
        points.add(r.pickup_lat, r.pickup_lon)
        points.add(r.dropoff_lat, r.dropoff_lon)
    net = get_network(settings)
    matrices = {"drive": np.asarray(net.travel_time_matrix(points.items, mode="drive"),
                                    dtype=float)}
    if any(not v.drives for v in vehicles) or any(r.kind == RequestKind.ESCORT_WALK for r in rows):
        matrices["walk"] = np.asarray(net.travel_time_matrix(points.items, mode="walk"),
                                      dtype=float)
    direct = {}
    for r in rows:
        a, b = points.add(r.pickup_lat, r.pickup_lon), points.add(r.dropoff_lat, r.dropoff_lon)
        mode = "walk" if r.kind == RequestKind.ESCORT_WALK else "drive"
        direct[rid(r)] = float(matrices[mode][a, b])
    escort_wait = {r.return_of_id: r.appointment_minutes or 0 for r in rows
                   if r.return_of_id is not None and r.kind == RequestKind.RIDE_ESCORT
                   and str(r.return_of_id) in by_id}
    excluded = _exclusions(by_id, volunteers)
    requests = []
    for r in rows:
        r_req = _request_for(r, start, points, settings, direct, onboard.get(r.id), escort_wait,
                             excluded.get(rid(r), ()))
        # a return ride whose outbound is not in this day's problem keeps its own window
        if r.return_of_id is not None and str(r.return_of_id) not in by_id and \
                r_req.pickup_window is None:
            r_req = replace(r_req, pickup_window=(
                (r.window_start - start).total_seconds(), (r.window_end - start).total_seconds()),
                return_of=None)
        requests.append(r_req)
    # locked stops may only name requests of this problem
    problem = keep_late_locked(Problem(matrices=matrices, requests=tuple(requests),
                                       vehicles=tuple(vehicles),
                                       max_route=settings.service.max_route_hours * 3600.0))
    ctx = DayContext(quarter=quarter, day=start, problem=problem, plans=[], requests=by_id,
                     volunteers=volunteers, trips=trips, points=points)
    ctx.plans = [_plan_from_trip(ctx, trips[v.id], v) for v in vehicles if v.id in trips]
    return ctx


def _plan_from_trip(ctx: DayContext, trip: Trip, vehicle: Vehicle) -> Plan:
    """The stored trip as a timed plan: leave home just in time, go home after the last stop."""
    stops = []
    for s in sorted(trip.stops, key=in_the_order_done):
        if rid(s.request) not in ctx.requests:
            continue  # history: served or missed
        t_arr, t_dep = ctx.seconds(s.planned_arrival), ctx.seconds(s.planned_departure)
        req = ctx.problem.request(rid(s.request))
        pickup = s.kind == StopKind.PICKUP
        service = req.pickup_service if pickup else req.dropoff_service
        # the service ended at the departure (a volunteer who came early waited before it)
        start = max(t_arr, t_dep - service)
        stops.append(Stop(request_id=rid(s.request), action=StopKind(s.kind),
                          location=req.pickup if pickup else req.dropoff, arrival=t_arr,
                          start=start, departure=t_dep,
                          locked=s.locked or s.done_at is not None))
    if not stops:
        return Plan(vehicle_id=vehicle.id, stops=())
    mat = ctx.problem.matrices[vehicle.mode]
    legs = [vehicle.start, *(s.location for s in stops), vehicle.end_location]
    travel = sum(float(mat[a, b]) for a, b in zip(legs, legs[1:], strict=False))
    return Plan(vehicle_id=vehicle.id, stops=tuple(stops),
                departure=stops[0].arrival - float(mat[vehicle.start, stops[0].location]),
                arrival=stops[-1].departure + float(mat[stops[-1].location,
                                                        vehicle.end_location]),
                travel=travel)


def _declined(rows: Iterable[RideRequest]) -> dict[str, set[str]]:
    """Volunteers who declined (or let expire) an offer of each request."""
    ids = [r.id for r in rows]
    out: dict[str, set[str]] = {}
    if not ids:
        return out
    for rid, vid in db.session.query(Offer.request_id, Offer.volunteer_id).filter(
            Offer.request_id.in_(ids),
            Offer.state.in_([OfferState.DECLINED.value, OfferState.EXPIRED.value])):
        out.setdefault(str(rid), set()).add(str(vid))
    return out


def filtered_out(filters: dict[str, object], req: RideRequest, home: tuple[float, float] | None
                 ) -> bool:
    """Whether a volunteer's offer filters exclude a request: weekdays (0 = Monday), kinds of
    help, and an area (at most ``max_km`` straight-line kilometres from home to the pick-up)."""
    days = filters.get("days")
    kinds = filters.get("kinds")
    max_km = filters.get("max_km")
    if isinstance(days, list) and days and req.requested_time.weekday() not in days:
        return True
    if isinstance(kinds, list) and kinds and req.kind not in kinds:
        return True
    return isinstance(max_km, int | float) and home is not None and \
        _km(home, (req.pickup_lat, req.pickup_lon)) > max_km


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Straight-line distance in kilometres (equirectangular; fine within a city)."""
    x = math.radians(b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    y = math.radians(b[0] - a[0])
    return 6371.0 * math.hypot(x, y)


def _exclusions(requests: dict[str, RideRequest],
                volunteers: dict[str, Person]) -> dict[str, tuple[str, ...]]:
    """Per request, the volunteers who may not serve it: they declined (or let the offer
    expire), or their offer filters leave it out."""
    out = _declined(requests.values())
    for vid, person in volunteers.items():
        prof = person.volunteer
        if prof is None or not prof.offer_filters:
            continue
        home = (prof.home_lat, prof.home_lon) if prof.home_lat is not None and \
            prof.home_lon is not None else None
        for rid, req in requests.items():
            if RequestState(req.state) in COMMITTED:
                continue  # what a volunteer accepted stays theirs
            if filtered_out(prof.offer_filters, req, home):
                out.setdefault(rid, set()).add(vid)
    return {k: tuple(sorted(v)) for k, v in out.items()}
