"""Read a quarter's requests, trips and shifts into plain rows, route them, and report.

The figures themselves are computed in :mod:`dispatch.monitoring` (pure); here the database
rows become :class:`~dispatch.monitoring.MonitoringRows`: planned times from the stops, direct
travel times and each tour's legs (home -> stops -> home) from the street network.
"""

from __future__ import annotations

import math
from collections import Counter
from collections import defaultdict
from datetime import date
from datetime import datetime
from typing import Any

from scipy.sparse.csgraph import dijkstra
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dispatch.domain.kinds import RequestKind
from dispatch.errors import NotAllowed
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import OfferState
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models import Shift
from dispatch.models import Trip
from dispatch.models import TripStop
from dispatch.models import VolunteerProfile
from dispatch.monitoring import MonitoringRows
from dispatch.monitoring import Period
from dispatch.monitoring import Report
from dispatch.monitoring import RequestRow
from dispatch.monitoring import ShiftRow
from dispatch.monitoring import TourRow
from dispatch.monitoring import TourStop
from dispatch.monitoring import compute
from dispatch.monitoring import suppress
from dispatch.monitoring.figures import driven_stops
from dispatch.monitoring.mileage import Mileage
from dispatch.monitoring.mileage import mileage
from dispatch.services.access import require_role
from dispatch.services.network import get_network
from dispatch.settings import Settings

ALL = "all"
Point = tuple[float, float]


def report_quarter(actor: Person, wanted: str | None, settings: Settings) -> str:
    """Which quarter the actor's report covers: coordinators their own, admins any or "all"."""
    require_role(actor, Role.COORDINATOR, Role.ADMIN)
    slugs = {q.slug for q in settings.quarters}
    if actor.role == Role.ADMIN:
        quarter = wanted or ALL
        if quarter != ALL and quarter not in slugs:
            raise NotFound("Dieses Quartier gibt es nicht.")
        return quarter
    if wanted not in (None, actor.quarter_slug) or not actor.quarter_slug:
        raise NotAllowed("Dieses Quartier gehört nicht zu Ihrem Bereich.")
    return actor.quarter_slug


def build_report(quarter: str, period: Period, start: date, end: date, settings: Settings,
                 now: datetime) -> Report:
    """The protected report of ``quarter`` (a slug or "all") over ``[start, end)``."""
    rows = load_rows(quarter, start, end, settings)
    return suppress(compute(rows, period=period, start=start, end=end, now=now))


def build_mileage(quarter: str, start: date, end: date, settings: Settings, now: datetime
                  ) -> list[Mileage]:
    """Each volunteer's tours, rides, hours and kilometres of ``[start, end)``."""
    rows = load_rows(quarter, start, end, settings)
    ids = sorted({t.volunteer_id for t in rows.tours})
    names = {p.id: f"{p.first_name} {p.last_name}".strip() for p in db.session.scalars(
        select(Person).where(Person.id.in_(ids)))} if ids else {}
    return mileage(rows, names, start=start, end=end, now=now)


def _in_quarter(column: Any, quarter: str) -> Any:
    return True if quarter == ALL else column == quarter


def load_rows(quarter: str, start: date, end: date, settings: Settings) -> MonitoringRows:
    """The requests, tours and shifts of ``[start, end)`` as plain rows."""
    t0, t1 = datetime(start.year, start.month, start.day), datetime(end.year, end.month, end.day)
    net = get_network(settings)
    requests = list(db.session.scalars(select(RideRequest).where(
        _in_quarter(RideRequest.quarter_slug, quarter), RideRequest.requested_time >= t0,
        RideRequest.requested_time < t1).order_by(RideRequest.id)
        .options(selectinload(RideRequest.resident).selectinload(Person.resident))))
    ids = [r.id for r in requests]
    stops: dict[tuple[int, str], tuple[TripStop, int]] = {}
    declined: Counter[int] = Counter()
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for stop, vid in db.session.execute(select(TripStop, Trip.volunteer_id).join(Trip)
                                            .where(TripStop.request_id.in_(chunk))):
            stops[(stop.request_id, stop.kind)] = (stop, vid)
        declined.update(dict(db.session.execute(
            select(Offer.request_id, func.count()).where(
                Offer.request_id.in_(chunk),
                Offer.state.in_([OfferState.DECLINED.value, OfferState.EXPIRED.value]))
            .group_by(Offer.request_id)).all()))
    direct = _direct_times(net, requests)
    rows = []
    for r in requests:
        pick, drop = stops.get((r.id, "pickup")), stops.get((r.id, "dropoff"))
        prof = r.resident.resident
        rows.append(RequestRow(
            id=r.id, resident_id=r.resident_id, kind=r.kind, state=r.state,
            time_mode=r.time_mode, requested_time=r.requested_time, window_end=r.window_end,
            reason_code=r.reason_code, purpose=r.purpose,
            languages=tuple(prof.languages) if prof else (),
            declined_offers=declined.get(r.id, 0),
            planned_pickup=pick[0].planned_arrival if pick else None,
            pickup_departure=pick[0].planned_departure if pick else None,
            planned_dropoff=drop[0].planned_arrival if drop else None,
            direct_s=direct.get(r.id), volunteer_id=pick[1] if pick else None))
    languages: list[str] = []
    for q in settings.quarters:
        if quarter in (ALL, q.slug):
            languages += [x for x in q.languages if x not in languages]
    return MonitoringRows(requests=tuple(rows), tours=_tours(net, quarter, t0, t1),
                          shifts=_shifts(quarter, t0, t1), quarter=quarter,
                          languages=tuple(languages) or ("de",))


def _direct_times(net: Any, requests: list[RideRequest]) -> dict[int, float]:
    """Direct travel time (seconds) of each request, one matrix per day and mode."""
    groups: dict[tuple[date, str], list[RideRequest]] = defaultdict(list)
    for r in requests:
        mode = "walk" if r.kind == RequestKind.ESCORT_WALK else "drive"
        groups[(r.requested_time.date(), mode)].append(r)
    out: dict[int, float] = {}
    for (_, mode), rows in groups.items():
        points = list(dict.fromkeys(p for r in rows for p in (
            (r.pickup_lat, r.pickup_lon), (r.dropoff_lat, r.dropoff_lon))))
        index = {p: i for i, p in enumerate(points)}
        try:
            mat = net.travel_time_matrix(points, mode=mode)
        except ValueError:  # a point outside the network: no direct time for that day
            continue
        for r in rows:
            out[r.id] = float(mat[index[(r.pickup_lat, r.pickup_lon)],
                                  index[(r.dropoff_lat, r.dropoff_lon)]])
    return out


class _Legs:
    """Street length and time of the fastest route between two points, remembered."""

    def __init__(self, net: Any, mode: str) -> None:
        self.net, self.mode = net, mode
        self.sub = net.mode(mode)
        self.cache: dict[tuple[int, int], tuple[float, float]] = {}

    def __call__(self, a: Point, b: Point) -> tuple[float, float]:
        """(metres, seconds); 0 for a point off the network (it is not counted)."""
        try:
            s, t = (int(n) for n in self.net.nodes_for([a, b], mode=self.mode))
        except ValueError:  # outside the service area
            return 0.0, 0.0
        if (s, t) not in self.cache:
            self.cache[(s, t)] = self._route(s, t)
        return self.cache[(s, t)]

    def _route(self, s: int, t: int) -> tuple[float, float]:
        if s == t:
            return 0.0, 0.0
        seconds = float(self.sub.matrix([s], [t])[0, 0])
        if not math.isfinite(seconds):
            return 0.0, 0.0
        # a search bounded by the known time explores only the neighbourhood of the route
        dist, pred = dijkstra(self.sub.csr, directed=True, indices=s, limit=seconds + 1.0,
                              return_predecessors=True)
        g = self.sub.graph
        length, node = 0.0, t
        while node != s and pred[node] >= 0:
            u = int(pred[node])
            lo, hi = int(g.indptr[u]), int(g.indptr[u + 1])
            best = min((k for k in range(lo, hi) if int(g.indices[k]) == node),
                       key=lambda k: float(g.travel_time_s[k]))
            length += float(g.length_m[best])
            node = u
        return length, float(dist[t])


def _tours(net: Any, quarter: str, t0: datetime, t1: datetime) -> tuple[TourRow, ...]:
    trips = db.session.scalars(select(Trip).where(
        _in_quarter(Trip.quarter_slug, quarter), Trip.service_day >= t0, Trip.service_day < t1)
        .order_by(Trip.id).options(
            selectinload(Trip.stops).selectinload(TripStop.request),
            selectinload(Trip.volunteer).selectinload(Person.volunteer))).all()
    legs = {m: _Legs(net, m) for m in ("drive", "walk")}
    out = []
    for trip in trips:
        prof = trip.volunteer.volunteer
        if prof is None or prof.home_lat is None or prof.home_lon is None:
            continue
        state_of = {s.request_id: s.request.state for s in trip.stops}
        stops = driven_stops((TourStop(s.request_id, s.kind, s.planned_arrival,
                                       s.planned_departure) for s in trip.stops), state_of)
        if not stops:
            continue
        mode = "drive" if prof.drives and (prof.vehicle_seats or prof.wheelchair_places) \
            else "walk"
        where = {(s.request_id, s.kind): (s.lat, s.lon) for s in trip.stops}
        home = (prof.home_lat, prof.home_lon)
        points = [home, *(where[(s.request_id, s.kind)] for s in stops), home]
        pairs = [legs[mode](a, b) for a, b in zip(points, points[1:], strict=False)]
        out.append(TourRow(id=trip.id, volunteer_id=trip.volunteer_id,
                           day=trip.service_day.date(), mode=mode, stops=stops,
                           leg_m=tuple(p[0] for p in pairs), leg_s=tuple(p[1] for p in pairs)))
    return tuple(out)


def _shifts(quarter: str, t0: datetime, t1: datetime) -> tuple[ShiftRow, ...]:
    rows = db.session.execute(
        select(Shift.volunteer_id, Shift.starts_at, Shift.ends_at)
        .join(VolunteerProfile, VolunteerProfile.person_id == Shift.volunteer_id)
        .join(Person, Person.id == VolunteerProfile.person_id)
        .where(_in_quarter(Person.quarter_slug, quarter), Shift.starts_at < t1,
               Shift.ends_at > t0)).all()
    return tuple(ShiftRow(v, a, b) for v, a, b in rows)
