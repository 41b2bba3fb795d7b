"""Plans written back as trips and stops, and the invariants every stored day keeps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select

from dispatch import matching
from dispatch.domain.kinds import StopKind
from dispatch.domain.lifecycle import COMMITTED
from dispatch.domain.lifecycle import OPEN
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import PlanBroken
from dispatch.extensions import db
from dispatch.matching.result import Plan
from dispatch.models import Offer
from dispatch.models import OfferState
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Trip
from dispatch.models import TripStop
from dispatch.services.board import day_bounds
from dispatch.services.notify import trip_changed
from dispatch.services.plan_context import DayContext
from dispatch.services.plan_context import in_the_order_done
from dispatch.services.plan_context import is_history

#: States whose pick-up and drop-off must both stand in one trip.
NEEDS_BOTH_STOPS = {*OPEN - {RequestState.REQUESTED}, RequestState.ACCEPTED,
                    RequestState.EN_ROUTE}
#: States that keep no stop at all.
NO_STOPS = {RequestState.REQUESTED, RequestState.UNSERVABLE, RequestState.CANCELLED}


def write_plans(ctx: DayContext, plans: Iterable[Plan]) -> list[Trip]:
    """Write the engine's plans as trips and stops; return the trips whose stops changed.

    The plans are checked against the day's problem first (:func:`matching.check`; requests
    the plans leave out are not its business here); a stop that moves to another volunteer
    moves with its row, so each request keeps one pick-up and one drop-off row.
    """
    plans = list(plans)
    planned = {s.request_id for p in plans for s in p.stops}
    moved = {p.vehicle_id for p in plans if _still_to_come(p) != _stored(ctx, p.vehicle_id)}
    # a route this change leaves as it was is not its business either: when reality has
    # overtaken it (a volunteer running late), only its times are written again
    broken = [v for v in matching.check(ctx.problem, plans)
              if (v.code != "missing" or v.request_id in planned)
              and (v.vehicle_id is None or v.vehicle_id in moved)]
    if broken:
        raise PlanBroken("Der neue Plan verletzt eine Regel und wurde nicht gespeichert.",
                         rule=broken[0].code, detail=broken[0].message)
    stops_by_key = {(s.request_id, s.kind): s for t in ctx.trips.values() for s in t.stops}
    changed = []
    for plan in plans:
        person = ctx.volunteers[plan.vehicle_id]
        trip = ctx.trips.get(plan.vehicle_id)
        history: list[TripStop] = [s for s in trip.stops if is_history(s)] if trip else []
        # done stops keep their stored times: what is compared is what is still to come
        old = [(s.request_id, s.kind, s.planned_arrival) for s in trip.stops
               if s.done_at is None] if trip else []
        new = [(int(st.request_id), st.action, ctx.at(st.start)) for st in plan.stops
               if not _done(stops_by_key.get((int(st.request_id), st.action)))]
        if new == old:
            continue  # nothing moved on this trip
        if trip is None:
            if not plan.stops:
                continue
            trip = Trip(volunteer_id=person.id, quarter_slug=ctx.quarter, service_day=ctx.day)
            db.session.add(trip)
            ctx.trips[plan.vehicle_id] = trip
        mine: list[TripStop] = []
        for st in plan.stops:
            req = ctx.requests[st.request_id]
            stop = stops_by_key.pop((req.id, st.action), None) or _new_stop(req, st.action)
            if stop.trip is not None and stop.trip is not trip:
                changed.append(stop.trip)
            if stop.done_at is None:
                stop.planned_arrival = ctx.at(st.start)
                stop.planned_departure = ctx.at(st.departure)
            stop.locked = RequestState(req.state) in COMMITTED
            mine.append(stop)
        # what happened stays, in the order it happened; then what is still to come
        done = sorted([*history, *(s for s in mine if s.done_at is not None)],
                      key=lambda s: s.done_at or s.planned_arrival)
        trip.stops = [*done, *(s for s in mine if s.done_at is None)]
        for seq, stop in enumerate(trip.stops):
            stop.seq = seq
        changed.append(trip)
    db.session.flush()
    unique = list(dict.fromkeys(changed))
    for t in unique:
        trip_changed(t)
    return unique


def _still_to_come(plan: Plan) -> list[tuple[str, str]]:
    return [(s.request_id, s.action) for s in plan.stops]


def _stored(ctx: DayContext, vehicle_id: str) -> list[tuple[str, str]]:
    trip = ctx.trips.get(vehicle_id)
    return [(str(s.request_id), s.kind) for s in sorted(trip.stops, key=in_the_order_done)
            if str(s.request_id) in ctx.requests] if trip else []


def _done(stop: TripStop | None) -> bool:
    return stop is not None and stop.done_at is not None


def _new_stop(req: RideRequest, kind: StopKind) -> TripStop:
    if kind == StopKind.PICKUP:
        return TripStop(request_id=req.id, kind=kind.value, address=req.pickup_address,
                        lat=req.pickup_lat, lon=req.pickup_lon)
    return TripStop(request_id=req.id, kind=kind.value, address=req.dropoff_address,
                    lat=req.dropoff_lat, lon=req.dropoff_lon)


def remove_from_plans(req: RideRequest) -> None:
    """Take a request's stops out of its trip (the rest of the trip stays as it is)."""
    for stop in db.session.scalars(select(TripStop).where(TripStop.request_id == req.id)).all():
        trip = stop.trip
        trip.stops.remove(stop)
        for seq, s in enumerate(trip.stops):
            s.seq = seq
        trip_changed(trip)
    db.session.flush()


def volunteer_of(req: RideRequest) -> Person | None:
    """The volunteer whose trip holds the request's pick-up, if any."""
    stop = db.session.scalar(select(TripStop).where(TripStop.request_id == req.id,
                                                    TripStop.kind == StopKind.PICKUP.value))
    return stop.trip.volunteer if stop is not None else None


def overlaps(stops: list[Any]) -> list[str]:
    """Stops of one trip (in ``seq`` order) that start before the one before them ends.

    A done stop is history: when it was reported is not judged here (nor is its planned time
    against the one before it, as stops are not always served in the planned order), and a
    report never changes planned times, so reporting cannot break this rule.
    """
    return [f"stop {b.id} starts before stop {a.id} ends"
            for a, b in zip(stops, stops[1:], strict=False)
            if b.done_at is None and b.planned_arrival < a.planned_departure]


def invariant_violations(quarter: str, day: datetime) -> list[str]:
    """What is wrong with the stored plans of one quarter-day (empty: all invariants hold).

    A volunteer has at most one trip a day and never two stops at overlapping times; every
    planned, offered, accepted or running request has one pick-up before one drop-off in one
    trip; requests without a volunteer have no stops; at most one open offer per request, and
    only for an offered request.
    """
    start, end = day_bounds(day)
    out: list[str] = []
    # plain rows, not model objects: this runs before every commit of a plan writer
    trips = db.session.execute(select(Trip.id, Trip.volunteer_id).where(
        Trip.quarter_slug == quarter, Trip.service_day == start)).all()
    per_volunteer = Counter(vid for _, vid in trips)
    out += [f"volunteer {v} has {n} trips" for v, n in per_volunteer.items() if n > 1]
    stops_of: dict[int, list[Any]] = {tid: [] for tid, _ in trips}
    for row in db.session.execute(select(
            TripStop.id, TripStop.trip_id, TripStop.request_id, TripStop.kind, TripStop.seq,
            TripStop.planned_arrival, TripStop.planned_departure, TripStop.done_at).where(
            TripStop.trip_id.in_(list(stops_of))).order_by(TripStop.trip_id, TripStop.seq)
            ) if stops_of else ():
        stops_of[row.trip_id].append(row)
    where: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for tid, stops in stops_of.items():
        out += [f"trip {tid}: {x}" for x in overlaps(stops)]
        for st in stops:
            where.setdefault((st.request_id, st.kind), []).append((tid, st.seq))
    state_of: dict[int, str] = {rid: st for rid, st in db.session.execute(
        select(RideRequest.id, RideRequest.state).where(
            RideRequest.quarter_slug == quarter, RideRequest.requested_time >= start,
            RideRequest.requested_time < end))}
    for rid, raw_state in state_of.items():
        state = RequestState(raw_state)
        pick = where.get((rid, StopKind.PICKUP.value), [])
        drop = where.get((rid, StopKind.DROPOFF.value), [])
        if state in NEEDS_BOTH_STOPS:
            if len(pick) != 1 or len(drop) != 1:
                out.append(f"request {rid} ({state}) has {len(pick)} pick-ups and "
                           f"{len(drop)} drop-offs")
            elif pick[0][0] != drop[0][0] or pick[0][1] > drop[0][1]:
                out.append(f"request {rid}: pick-up and drop-off not in order in one trip")
        elif state in NO_STOPS and (pick or drop):
            out.append(f"request {rid} ({state}) still has stops")
    if state_of:
        open_offers = db.session.execute(
            select(Offer.request_id, func.count()).where(
                Offer.request_id.in_(list(state_of)), Offer.state == OfferState.OPEN.value)
            .group_by(Offer.request_id)).all()
        for rid, n in open_offers:
            if n > 1:
                out.append(f"request {rid} has {n} open offers")
            if state_of[rid] != RequestState.OFFERED:
                out.append(f"request {rid} ({state_of[rid]}) has an open offer")
    return out
