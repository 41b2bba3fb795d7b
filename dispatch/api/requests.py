"""Ride and escort requests: book, list, show, cancel, book again, assign by hand."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from dispatch.api import booking_limits
from dispatch.api.common import idempotency_key
from dispatch.api.common import me
from dispatch.api.common import settings
from dispatch.api.schemas import AgainIn
from dispatch.api.schemas import AssignIn
from dispatch.api.schemas import RequestEditIn
from dispatch.api.schemas import RequestIn
from dispatch.api.schemas import StateQuery
from dispatch.extensions import limiter
from dispatch.services.access import get_request
from dispatch.services.access import list_requests
from dispatch.services.assign import assign_by_hand
from dispatch.services.booking import book_again
from dispatch.services.booking import cancel_request
from dispatch.services.booking import create_request
from dispatch.services.booking import edit_request
from dispatch.services.commands import BookRide
from dispatch.services.commands import EditRide
from dispatch.services.serialize import request_dict

bp = APIBlueprint("requests", __name__, url_prefix="/api/v1", tag="requests")
#: one count for new bookings and "book again"
booking_limit = limiter.shared_limit(
    booking_limits.limit, scope="booking", key_func=booking_limits.resident_key,
    exempt_when=booking_limits.exempt, error_message=booking_limits.TOO_MANY)


def _naive(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("time") is not None and data["time"].tzinfo is not None:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(settings().service.timezone)
        data["time"] = data["time"].astimezone(zone).replace(tzinfo=None)
    return data


@bp.post("/requests")
@booking_limit
@bp.input(RequestIn, arg_name="data")
def create(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Book a ride or an escort; it is placed into the plans and offered at once.

    409 ``likely_duplicate`` when the person has this ride booked already (send it again with
    ``confirm_duplicate: true`` to book it anyway); 429 after too many bookings in ten minutes.
    """
    cmd = BookRide.of(_naive(data), idempotency_key=idempotency_key())
    req = create_request(me(), cmd, settings())
    return {"request": request_dict(req)}, 201


@bp.get("/requests")
@bp.input(StateQuery, location="query", arg_name="query")
def index(query: dict[str, Any]) -> dict[str, Any]:
    return {"requests": [request_dict(r) for r in list_requests(me(), query.get("state"))]}


@bp.get("/requests/<int:request_id>")
def show(request_id: int) -> dict[str, Any]:
    return {"request": request_dict(get_request(me(), request_id))}


@bp.patch("/requests/<int:request_id>")
@bp.input(RequestEditIn, arg_name="data")
def edit(request_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Change a request; it is planned and offered anew."""
    cmd = EditRide.of(_naive(data))
    return {"request": request_dict(edit_request(me(), request_id, cmd, settings()))}


@bp.post("/requests/<int:request_id>/cancel")
def cancel(request_id: int) -> dict[str, Any]:
    return {"request": request_dict(cancel_request(me(), request_id, settings()))}


@bp.post("/requests/<int:request_id>/again")
@booking_limit
@bp.input(AgainIn, arg_name="data")
def again(request_id: int, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Book the same ride again at a new time."""
    req = book_again(me(), request_id, _naive(data)["time"], settings(),
                     idempotency_key=idempotency_key(),
                     confirm_duplicate=data.get("confirm_duplicate", False))
    return {"request": request_dict(req)}, 201


@bp.post("/requests/<int:request_id>/assign")
@bp.input(AssignIn, arg_name="data")
def assign(request_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """A coordinator gives a request to a volunteer; the engine says why not if it can't."""
    req = assign_by_hand(me(), request_id, data["volunteer_id"], settings(),
                         force_reason=data.get("force_reason"))
    return {"request": request_dict(req)}
