"""Volunteers: offers, today's trips, stop reports, handing a trip back."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from dispatch.api.common import me
from dispatch.api.common import settings
from dispatch.models import Role
from dispatch.models._types import utcnow
from dispatch.ops.metrics import ACCEPT_SECONDS
from dispatch.services.access import get_trip
from dispatch.services.access import require_role
from dispatch.services.board import volunteer_day
from dispatch.services.clock import local_now
from dispatch.services.offers import accept_offer
from dispatch.services.offers import decline_offer
from dispatch.services.offers import hand_back
from dispatch.services.serialize import offer_dict
from dispatch.services.serialize import request_dict
from dispatch.services.serialize import stop_dict
from dispatch.services.trips import stop_action
from dispatch.services.trips import trip_route_geojson

bp = APIBlueprint("offers", __name__, url_prefix="/api/v1", tag="volunteers")


@bp.get("/offers")
def list_offers() -> dict[str, Any]:
    person = me()
    require_role(person, Role.VOLUNTEER)
    return {"offers": volunteer_day(person, local_now())["offers"]}


@bp.post("/offers/<int:offer_id>/accept")
def accept(offer_id: int) -> dict[str, Any]:
    offer = accept_offer(me(), offer_id)
    ACCEPT_SECONDS.observe(max(0.0, (utcnow() - offer.created_at).total_seconds()))
    return {"offer": offer_dict(offer), "request": request_dict(offer.request)}


@bp.post("/offers/<int:offer_id>/decline")
def decline(offer_id: int) -> dict[str, Any]:
    return {"offer": offer_dict(decline_offer(me(), offer_id, settings()))}


@bp.post("/requests/<int:request_id>/hand-back")
def give_back(request_id: int) -> dict[str, Any]:
    """A volunteer hands an accepted trip back; it goes to someone else."""
    return {"request": request_dict(hand_back(me(), request_id, settings()))}


@bp.get("/trips/today")
def trips_today() -> dict[str, Any]:
    person = me()
    require_role(person, Role.VOLUNTEER)
    return {"trips": volunteer_day(person, local_now())["trips"]}


@bp.get("/trips/<int:trip_id>/route")
def trip_route(trip_id: int) -> dict[str, Any]:
    """The trip's route as a GeoJSON LineString over the project's own streets."""
    return trip_route_geojson(get_trip(me(), trip_id), settings())


@bp.post("/stops/<int:stop_id>/<action>")
def report(stop_id: int, action: str) -> dict[str, Any]:
    """Arrived, picked up, dropped off or no-show at a stop."""
    stop = stop_action(me(), stop_id, action)
    return {"stop": stop_dict(stop), "request": request_dict(stop.request)}
