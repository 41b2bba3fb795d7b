"""Tell the rooms that need to know what changed.

A unit of work only notes which requests, offers and trips it changed; after the commit each is
read once, with eager loads, and pushed once (``request.updated``, ``offer.created``,
``trip.updated``). Nothing is serialised while the quarter-day's lock is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

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


def take_changes() -> Changes:
    """What this unit of work changed (call just before the commit)."""
    return db.session.info.pop(_CHANGES, None) or Changes()  # type: ignore[no-any-return]


def push_changes(changes: Changes) -> None:
    """After the commit: read what changed and push each once."""
    if changes.requests:
        _push_requests(changes.requests)
    if changes.offers:
        for offer in db.session.scalars(select(Offer).where(Offer.id.in_(changes.offers))
                                        .order_by(Offer.id)):
            events.deliver_now(events.Event("offer.created", {"offer": offer_dict(offer)},
                                             (user_room(offer.volunteer_id),)))
    if changes.trips:
        _push_trips(changes.trips)


def _push_requests(ids: set[int]) -> None:
    volunteers: dict[int, set[int]] = {}
    # only volunteers it is offered to or who hold it: the request carries the resident's needs
    for rid, vid in db.session.execute(select(Offer.request_id, Offer.volunteer_id).where(
            Offer.request_id.in_(ids), Offer.state.in_(HOLDING)).distinct()):
        volunteers.setdefault(rid, set()).add(vid)
    for req in db.session.scalars(select(RideRequest).where(RideRequest.id.in_(ids)).options(
            selectinload(RideRequest.resident).selectinload(Person.resident))
            .order_by(RideRequest.id)):
        rooms = {user_room(req.resident_id), staff_room(req.quarter_slug),
                 *(user_room(v) for v in volunteers.get(req.id, ()))}
        events.deliver_now(events.Event("request.updated", {"request": request_dict(req)},
                                        tuple(sorted(rooms))))


def _push_trips(ids: set[int]) -> None:
    for trip in db.session.scalars(select(Trip).where(Trip.id.in_(ids)).options(
            selectinload(Trip.volunteer),
            selectinload(Trip.stops).selectinload(TripStop.request)
            .selectinload(RideRequest.resident).selectinload(Person.resident))):
        events.deliver_now(events.Event(
            "trip.updated", {"trip": trip_dict(trip)},
            (user_room(trip.volunteer_id), staff_room(trip.quarter_slug))))
