"""What a volunteer reports on the way: arrived, picked up, dropped off, no-show."""

from __future__ import annotations

from typing import Any

from dispatch.domain.kinds import StopKind
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import InvalidInput
from dispatch.errors import InvalidTransition
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.field_messages import say
from dispatch.models import Person
from dispatch.models import Trip
from dispatch.models import TripStop
from dispatch.models._types import utcnow
from dispatch.services import outbox
from dispatch.services.access import check_trip
from dispatch.services.audit import audit
from dispatch.services.clock import local_now
from dispatch.services.notify import request_changed
from dispatch.services.notify import trip_changed
from dispatch.services.plan_day import commit
from dispatch.services.plan_day import day_of
from dispatch.services.plan_day import lock_days
from dispatch.services.plan_day import plan_writer
from dispatch.settings import Settings

ACTIONS = ("on_the_way", "arrived", "picked_up", "dropped_off", "no_show")


@plan_writer
def stop_action(actor: Person, stop_id: int, action: str) -> TripStop:
    """Record what happened at a stop and move the request on; commits."""
    if action not in ACTIONS:
        raise InvalidInput("Diese Meldung kennen wir nicht.",
                           fields={"action": say("stop_action")})
    stop = db.session.get(TripStop, stop_id)
    if stop is None:
        raise NotFound("Diesen Halt gibt es nicht.")
    check_trip(actor, stop.trip)  # the volunteer's own trip, or staff of its quarter
    lock_days([day_of(stop.trip.quarter_slug, stop.trip.service_day)])
    stop = db.session.get(TripStop, stop_id)
    if stop is None:
        raise NotFound("Diesen Halt gibt es nicht mehr.")
    req = stop.request
    state = RequestState(req.state)
    if _already_reported(stop, state, action):
        # the same report again (a queued report sent again after its answer was lost):
        # nothing changes, and it is not refused
        commit()
        return stop
    now = local_now()
    # told once: the first "on the way", the first "arrived"
    first = (state == RequestState.ACCEPTED if action == "on_the_way"
             else stop.arrived_at is None if action == "arrived" else True)
    if action == "on_the_way":
        _expect(stop, StopKind.PICKUP, action)
        if state == RequestState.ACCEPTED:
            req.move_to(RequestState.EN_ROUTE)
    elif action == "arrived":
        if state == RequestState.ACCEPTED and stop.kind == StopKind.PICKUP:
            req.move_to(RequestState.EN_ROUTE)
        stop.arrived_at = now
    elif action == "picked_up":
        _expect(stop, StopKind.PICKUP, action)
        if state == RequestState.ACCEPTED:
            req.move_to(RequestState.EN_ROUTE)
        req.move_to(RequestState.PICKED_UP)
        stop.arrived_at = stop.arrived_at or now
        stop.done_at = now
    elif action == "dropped_off":
        _expect(stop, StopKind.DROPOFF, action)
        req.move_to(RequestState.DROPPED_OFF)
        req.move_to(RequestState.COMPLETED)
        stop.arrived_at = stop.arrived_at or now
        stop.done_at = now
    else:  # no_show
        _expect(stop, StopKind.PICKUP, action)
        if state == RequestState.ACCEPTED:
            req.move_to(RequestState.EN_ROUTE)
        req.move_to(RequestState.NO_SHOW)
        stop.done_at = now
        drop = db.session.query(TripStop).filter_by(request_id=req.id,
                                                    kind=StopKind.DROPOFF.value).first()
        if drop is not None:
            drop.trip.stops.remove(drop)
    audit(actor, f"stop.{action}", "trip_stop", stop.id, request_id=req.id,
          at=utcnow().isoformat())
    if first:
        outbox.stop_reported(req, stop.trip.volunteer, action, stop.kind)
    trip_changed(stop.trip)
    request_changed(req)
    commit()
    return stop


def _already_reported(stop: TripStop, state: RequestState, action: str) -> bool:
    """Whether this stop's report ``action`` has been recorded already."""
    pickup = stop.kind == StopKind.PICKUP
    if action == "arrived":
        return stop.arrived_at is not None
    if action == "picked_up":
        return pickup and stop.done_at is not None and state != RequestState.NO_SHOW
    if action == "dropped_off":
        return not pickup and stop.done_at is not None
    if action == "no_show":
        return pickup and state == RequestState.NO_SHOW
    return False


def _expect(stop: TripStop, kind: StopKind, action: str) -> None:
    if stop.kind != kind:
        where = "Abholung" if kind == StopKind.PICKUP else "Ziel"
        raise InvalidTransition(f"„{action}“ passt nur zu einem Halt der {where}.",
                                current=stop.kind, target=action)


def trip_route_geojson(trip: Trip, settings: Settings) -> dict[str, Any]:
    """The trip's route from home through every stop and back, as a GeoJSON LineString."""
    from dispatch.services.network import get_network

    prof = trip.volunteer.volunteer
    points = [(s.lat, s.lon) for s in trip.stops]
    if prof is not None and prof.home_lat is not None and prof.home_lon is not None:
        points = [(prof.home_lat, prof.home_lon), *points, (prof.home_lat, prof.home_lon)]
    mode = "drive" if prof is None or prof.drives else "walk"
    net = get_network(settings)
    coords: list[list[float]] = []
    for a, b in zip(points, points[1:], strict=False):
        coords.extend([lon, lat] for lat, lon in net.route_geometry(a, b, mode=mode).coords)
    return {"type": "Feature", "properties": {"trip_id": trip.id, "mode": mode},
            "geometry": {"type": "LineString", "coordinates": coords}}
