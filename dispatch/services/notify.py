"""Tell the rooms that need to know what changed.

A unit of work only notes which requests, offers and trips it changed; after the commit each is
serialised once from the rows the unit of work kept (they are not expired at its commit) and
pushed once: ``offer.created`` first, then ``request.updated`` and ``trip.updated``. Nothing
is serialised while the quarter-day's lock is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Trip
from dispatch.models import TripStop
from dispatch.realtime.rooms import staff_room
from dispatch.realtime.rooms import user_room
from dispatch.services import events
from dispatch.services.access import HOLDING
from dispatch.services.serialize import offer_dict
from dispatch.services.serialize import request_dict
from dispatch.services.serialize import trip_dict

_CHANGES = "dispatch_changes"


@dataclass
class Changes:
    """Ids of what one unit of work changed, to be pushed after its commit."""

    requests: set[int] = field(default_factory=set)
    offers: set[int] = field(default_factory=set)
    trips: set[int] = field(default_factory=set)


def _changes() -> Changes:
    found = db.session.info.get(_CHANGES)
    if found is None:
        found = db.session.info[_CHANGES] = Changes()
    return found  # type: ignore[no-any-return]


def _id_of(row: RideRequest | Offer | Trip) -> int:
    if row.id is None:
        db.session.flush()
    return int(row.id)


def request_changed(req: RideRequest) -> None:
    """Tell the resident, the volunteers involved and the quarter's board (after commit)."""
    _changes().requests.add(_id_of(req))
    board_changed(req.quarter_slug)


def offer_created(offer: Offer) -> None:
    """Tell the volunteer of a new offer (after commit)."""
    _changes().offers.add(_id_of(offer))


def trip_changed(trip: Trip) -> None:
    """Tell the volunteer and the board of a changed trip: one ``trip.updated`` after the
    commit, however many of its stops the unit of work touched."""
    _changes().trips.add(_id_of(trip))
    board_changed(trip.quarter_slug)


def board_changed(quarter: str) -> None:
    """One ``board.changed`` per quarter per unit of work is enough."""
    pending = db.session.info.setdefault("dispatch_board_changed", set())
    if quarter in pending:
        return
    pending.add(quarter)
    events.publish(db.session, "board.changed", {"quarter": quarter}, staff_room(quarter))


def resident_changed(person: Person) -> None:
    """The quarter's boards read their resident register again (only the id goes out)."""
    if person.quarter_slug:
        events.publish(db.session, "register.changed", {"id": person.id},
                       staff_room(person.quarter_slug))


def peek_changes() -> Changes:
    """What this unit of work changed so far (left in place)."""
    return _changes()


def take_changes() -> Changes:
    """What this unit of work changed (call just before the commit)."""
    return db.session.info.pop(_CHANGES, None) or Changes()  # type: ignore[no-any-return]


def push_changes(changes: Changes) -> None:
    """After the commit: push each changed row once (each request serialised once)."""
    requests = _requests(changes.requests | _offered(changes.offers))
    if changes.offers:  # first: the volunteer has to answer
        for offer in db.session.scalars(select(Offer).where(Offer.id.in_(changes.offers))
                                        .order_by(Offer.id)):
            body = offer_dict(offer, request=requests[offer.request_id])
            events.deliver_now(events.Event("offer.created", {"offer": body},
                                            (user_room(offer.volunteer_id),)))
    if changes.requests:
        _push_requests({rid: requests[rid] for rid in sorted(changes.requests)})
    if changes.trips:
        _push_trips(changes.trips)


def _offered(offer_ids: set[int]) -> set[int]:
    if not offer_ids:
        return set()
    return set(db.session.scalars(select(Offer.request_id).where(Offer.id.in_(offer_ids))))


def _requests(ids: set[int]) -> dict[int, dict[str, Any]]:
    """Each request once, as pushed and answered."""
    if not ids:
        return {}
    return {req.id: request_dict(req) for req in db.session.scalars(
        select(RideRequest).where(RideRequest.id.in_(ids)).options(
            selectinload(RideRequest.resident).selectinload(Person.resident)))}


def _push_requests(requests: dict[int, dict[str, Any]]) -> None:
    volunteers: dict[int, set[int]] = {}
    # only volunteers it is offered to or who hold it: the request carries the resident's needs
    for rid, vid in db.session.execute(select(Offer.request_id, Offer.volunteer_id).where(
            Offer.request_id.in_(requests), Offer.state.in_(HOLDING)).distinct()):
        volunteers.setdefault(rid, set()).add(vid)
    for rid, body in requests.items():
        resident = body["resident"]["id"]
        rooms = {user_room(resident), staff_room(body["quarter"]),
                 *(user_room(v) for v in volunteers.get(rid, ()))}
        events.deliver_now(events.Event("request.updated", {"request": body},
                                        tuple(sorted(rooms))))


def _push_trips(ids: set[int]) -> None:
    for trip in db.session.scalars(select(Trip).where(Trip.id.in_(ids)).options(
            selectinload(Trip.volunteer),
            selectinload(Trip.stops).selectinload(TripStop.request)
            .selectinload(RideRequest.resident).selectinload(Person.resident))):
        events.deliver_now(events.Event(
            "trip.updated", {"trip": trip_dict(trip)},
            (user_room(trip.volunteer_id), staff_room(trip.quarter_slug))))
