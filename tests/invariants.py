"""Invariants of the stored plans, read straight from the rows (no service code but the checker).

:func:`violations` reads ``ride_requests``, ``trips``, ``trip_stops`` and ``offers`` with its own
queries and returns one readable line per broken rule:

(a) a volunteer has at most one trip per service day;
(b) within a volunteer's day no two stops overlap in time: each stop's
    [planned_arrival, planned_departure] ends before (or when) the next one starts, in ``seq``
    order within a trip and in time order across the volunteer's trips of that day (a stop
    reported done is history: it is not judged against the stop before it);
(c) stops match the request's state: planned, offered, accepted and en_route requests have
    exactly one pick-up and one drop-off, in the same trip, pick-up first; a picked-up request
    keeps its drop-off (and its done pick-up, if still there); completed and no-show requests
    may keep only done stops (a no-show has no drop-off left); requested, unservable and
    cancelled requests have no stops;
(d) at most one open offer per request, only for an ``offered`` request, which has exactly one,
    made to the volunteer whose trip holds the request's stops; an accepted (committed) request
    has exactly one accepted offer, to the volunteer who holds its stops, and an accepted offer
    exists only for a request that was accepted (accepted and later states);
(e) every stored day passes :func:`dispatch.matching.check` (see :mod:`tests.plans`; the
    times of requests with a stop already reported done are not judged there).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import RideRequest
from dispatch.models import Trip
from dispatch.models import TripStop
from tests.plans import stored_plan_violations

#: Request states that must have both stops in one trip.
PLANNED = {"planned", "offered", "accepted", "en_route"}
#: States without any stop.
NO_STOPS = {"requested", "unservable", "cancelled"}
#: States that may keep done stops only.
FINISHED = {"dropped_off", "completed", "no_show"}
#: States a volunteer committed to: exactly one accepted offer.
COMMITTED = {"accepted", "en_route", "picked_up"}
#: States in which an accepted offer may exist.
ACCEPTED_OR_LATER = COMMITTED | FINISHED


def violations(app: Flask, quarter: str | None = None) -> list[str]:
    """Every broken invariant in the stored rows (of one quarter, or all); empty if sound."""
    with app.app_context():
        db.session.rollback()
        try:
            return _violations(app, quarter)
        finally:
            db.session.rollback()
            db.session.remove()


def _rows(stmt: Any) -> list[Any]:
    return list(db.session.execute(stmt).all())


def _violations(app: Flask, quarter: str | None) -> list[str]:
    r, t, s, o = (RideRequest.__table__, Trip.__table__, TripStop.__table__, Offer.__table__)
    req_q = select(r.c.id, r.c.state, r.c.quarter_slug, r.c.requested_time)
    trip_q = select(t.c.id, t.c.volunteer_id, t.c.quarter_slug, t.c.service_day)
    stop_q = select(s.c.id, s.c.trip_id, s.c.request_id, s.c.kind, s.c.seq, s.c.planned_arrival,
                    s.c.planned_departure, s.c.done_at).join(t, t.c.id == s.c.trip_id)
    offer_q = select(o.c.id, o.c.request_id, o.c.volunteer_id, o.c.state).join(
        r, r.c.id == o.c.request_id)
    if quarter is not None:
        req_q = req_q.where(r.c.quarter_slug == quarter)
        trip_q = trip_q.where(t.c.quarter_slug == quarter)
        stop_q = stop_q.where(t.c.quarter_slug == quarter)
        offer_q = offer_q.where(r.c.quarter_slug == quarter)
    requests = {row.id: row for row in _rows(req_q)}
    trips = {row.id: row for row in _rows(trip_q)}
    stops = _rows(stop_q.order_by(s.c.trip_id, s.c.seq, s.c.id))
    offers = _rows(offer_q.order_by(o.c.id))

    out: list[str] = []
    out += _one_trip_per_day(trips)
    out += _no_overlap(trips, stops)
    out += _stops_match_states(requests, trips, stops)
    out += _offers(requests, trips, stops, offers)
    out += _checker(app, requests, trips, stops)
    return out


def _one_trip_per_day(trips: dict[int, Any]) -> list[str]:
    """(a) one trip per volunteer and service day."""
    by_day: dict[tuple[int, datetime], list[int]] = defaultdict(list)
    for trip in trips.values():
        by_day[(trip.volunteer_id, trip.service_day)].append(trip.id)
    return [f"(a) volunteer {vid} has {len(ids)} trips on {day:%Y-%m-%d}: {sorted(ids)}"
            for (vid, day), ids in sorted(by_day.items()) if len(ids) > 1]


def _fmt(stop: Any) -> str:
    return (f"stop {stop.id} ({stop.kind} of request {stop.request_id}, trip {stop.trip_id} "
            f"seq {stop.seq}, {stop.planned_arrival:%H:%M:%S}-{stop.planned_departure:%H:%M:%S})")


def _no_overlap(trips: dict[int, Any], stops: list[Any]) -> list[str]:
    """(b) no two stops of a volunteer's day overlap in time."""
    out = []
    by_trip: dict[int, list[Any]] = defaultdict(list)
    for stop in stops:
        by_trip[stop.trip_id].append(stop)
        if stop.planned_departure < stop.planned_arrival:
            out.append(f"(b) {_fmt(stop)} leaves before it arrives")
    for trip_id, mine in sorted(by_trip.items()):
        seqs = [x.seq for x in mine]
        if len(set(seqs)) != len(seqs):
            out.append(f"(b) trip {trip_id} has repeated seq numbers {sorted(seqs)}")
        # a done stop is history: not judged against the stop before it (served out of order)
        for a, b in zip(mine, mine[1:], strict=False):
            if b.done_at is None and b.planned_arrival < a.planned_departure:
                out.append(f"(b) trip {trip_id}: {_fmt(b)} starts before {_fmt(a)} ends")
    by_day: dict[tuple[int, datetime], list[int]] = defaultdict(list)
    for trip in trips.values():
        by_day[(trip.volunteer_id, trip.service_day)].append(trip.id)
    for (vid, day), ids in sorted(by_day.items()):
        if len(ids) < 2:
            continue
        mine = sorted((x for i in ids for x in by_trip[i]),
                      key=lambda x: (x.planned_arrival, x.planned_departure, x.id))
        for a, b in zip(mine, mine[1:], strict=False):
            if a.trip_id != b.trip_id and b.planned_arrival < a.planned_departure:
                out.append(f"(b) volunteer {vid} on {day:%Y-%m-%d}: {_fmt(b)} overlaps "
                           f"{_fmt(a)} of another trip")
    return out


def _stops_match_states(requests: dict[int, Any], trips: dict[int, Any],
                        stops: list[Any]) -> list[str]:
    """(c) each request's stops agree with its state."""
    out = []
    of: dict[int, list[Any]] = defaultdict(list)
    for stop in stops:
        of[stop.request_id].append(stop)
    for rid, req in sorted(requests.items()):
        mine = of.get(rid, [])
        picks = [x for x in mine if x.kind == "pickup"]
        drops = [x for x in mine if x.kind == "dropoff"]
        odd = [x for x in mine if x.kind not in ("pickup", "dropoff")]
        head = f"(c) request {rid} ({req.state})"
        if odd:
            out.append(f"{head} has stops of unknown kind: {[x.kind for x in odd]}")
        if req.state in NO_STOPS:
            if mine:
                out.append(f"{head} still has {len(mine)} stop(s): {[_fmt(x) for x in mine]}")
            continue
        if len(picks) > 1 or len(drops) > 1:
            out.append(f"{head} has {len(picks)} pick-ups and {len(drops)} drop-offs")
            continue
        if req.state in PLANNED and (len(picks), len(drops)) != (1, 1):
            out.append(f"{head} has {len(picks)} pick-up(s) and {len(drops)} drop-off(s), "
                       "wants one of each")
            continue
        if req.state == "picked_up" and not drops:
            out.append(f"{head} has lost its drop-off")
            continue
        if req.state == "picked_up" and picks and picks[0].done_at is None:
            out.append(f"{head} has a pick-up that is not done")
        if req.state in FINISHED:
            undone = [x for x in mine if x.done_at is None]
            if undone:
                out.append(f"{head} keeps stops that are not done: {[_fmt(x) for x in undone]}")
            if req.state == "no_show" and drops:
                out.append(f"{head} still has a drop-off")
        if picks and drops:
            p, d = picks[0], drops[0]
            if p.trip_id != d.trip_id:
                out.append(f"{head}: pick-up in trip {p.trip_id}, drop-off in trip {d.trip_id}")
            elif p.seq >= d.seq:
                out.append(f"{head}: drop-off (seq {d.seq}) not after pick-up (seq {p.seq})")
    for stop in stops:
        if stop.request_id not in requests:
            out.append(f"(c) {_fmt(stop)} names a request of another quarter")
    return out


def _offers(requests: dict[int, Any], trips: dict[int, Any], stops: list[Any],
            offers: list[Any]) -> list[str]:
    """(d) open and accepted offers agree with the request states and the trips."""
    out = []
    holder: dict[int, set[int]] = defaultdict(set)
    for stop in stops:
        holder[stop.request_id].add(trips[stop.trip_id].volunteer_id)
    open_of: dict[int, list[Any]] = defaultdict(list)
    accepted_of: dict[int, list[Any]] = defaultdict(list)
    for offer in offers:
        if offer.state == "open":
            open_of[offer.request_id].append(offer)
        elif offer.state == "accepted":
            accepted_of[offer.request_id].append(offer)
    for rid, req in sorted(requests.items()):
        head = f"(d) request {rid} ({req.state})"
        opened, accepted = open_of.get(rid, []), accepted_of.get(rid, [])
        if len(opened) > 1:
            out.append(f"{head} has {len(opened)} open offers: {[x.id for x in opened]}")
        if opened and req.state != "offered":
            out.append(f"{head} has open offer(s) {[x.id for x in opened]} but is not offered")
        if req.state == "offered" and not opened:
            out.append(f"{head} is offered without an open offer")
        if len(accepted) > 1:
            out.append(f"{head} has {len(accepted)} accepted offers: {[x.id for x in accepted]}")
        if accepted and req.state not in ACCEPTED_OR_LATER:
            out.append(f"{head} has accepted offer(s) {[x.id for x in accepted]} but was not "
                       "accepted")
        if req.state in COMMITTED and not accepted:
            out.append(f"{head} has no accepted offer")
        owners = holder.get(rid, set())
        for offer in (*opened, *(accepted if req.state in COMMITTED else [])):
            if owners and owners != {offer.volunteer_id}:
                out.append(f"{head}: {offer.state} offer {offer.id} to volunteer "
                           f"{offer.volunteer_id}, but the stops are with {sorted(owners)}")
    return out


def _checker(app: Flask, requests: dict[int, Any], trips: dict[int, Any],
             stops: list[Any]) -> list[str]:
    """(e) every stored quarter-day passes the matching checker."""
    settings = app.config["SETTINGS"]
    days = {(t.quarter_slug, t.service_day) for t in trips.values()}
    days |= {(r.quarter_slug, datetime(r.requested_time.year, r.requested_time.month,
                                       r.requested_time.day))
             for r in requests.values() if r.state in PLANNED | {"picked_up"}}
    waiting = frozenset(str(rid) for rid, r in requests.items() if r.state == "requested")
    reported = frozenset(str(x.request_id) for x in stops if x.done_at is not None)
    out = []
    for quarter, day in sorted(days):
        for v in stored_plan_violations(quarter, day, settings, waiting=waiting,
                                        reported=reported):
            out.append(f"(e) {quarter} {day:%Y-%m-%d}: {v.code}: {v.message}")
        db.session.rollback()
    return out
