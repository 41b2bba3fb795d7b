"""Publish what changed to the rooms that need to know (delivered after commit)."""

from __future__ import annotations

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

_TRIPS = "dispatch_changed_trips"


def request_changed(req: RideRequest) -> None:
    """Tell the resident, the volunteers involved and the quarter's board."""
    db.session.flush()
    rooms = {user_room(req.resident_id), staff_room(req.quarter_slug)}
    # only volunteers it is offered to or who hold it: the request carries the resident's needs
    for (vid,) in db.session.query(Offer.volunteer_id).filter(
            Offer.request_id == req.id, Offer.state.in_(HOLDING)).distinct():
        rooms.add(user_room(vid))
    events.publish(db.session, "request.updated", {"request": request_dict(req)}, *sorted(rooms))
    board_changed(req.quarter_slug)


def offer_created(offer: Offer) -> None:
    db.session.flush()
    events.publish(db.session, "offer.created", {"offer": offer_dict(offer)},
                   user_room(offer.volunteer_id))


def trip_changed(trip: Trip) -> None:
    """Note that the trip changed: one ``trip.updated`` goes out after the commit, however many
    of its stops this unit of work touched (see :func:`push_changed_trips`)."""
    if trip.id is None:
        db.session.flush()
    db.session.info.setdefault(_TRIPS, set()).add(trip.id)
    board_changed(trip.quarter_slug)


def take_changed_trips() -> set[int]:
    """The ids of the trips changed in this unit of work (call just before the commit)."""
    return set(db.session.info.pop(_TRIPS, set()))


def push_changed_trips(trip_ids: set[int]) -> None:
    """After the commit: read each changed trip once, with its stops eagerly loaded, and push
    it to its volunteer and the quarter's board. The read ends its own transaction, so the
    session holds none after a unit of work (and sees the next change of anyone else)."""
    if not trip_ids:
        return
    trips = db.session.scalars(select(Trip).where(Trip.id.in_(trip_ids)).options(
        selectinload(Trip.volunteer),
        selectinload(Trip.stops).selectinload(TripStop.request).selectinload(RideRequest.resident)
        .selectinload(Person.resident))).all()
    for trip in trips:
        events.deliver_now(events.Event(
            "trip.updated", {"trip": trip_dict(trip)},
            (user_room(trip.volunteer_id), staff_room(trip.quarter_slug))))
    db.session.rollback()


def board_changed(quarter: str) -> None:
    """One ``board.changed`` per quarter per unit of work is enough."""
    pending = db.session.info.setdefault("dispatch_board_changed", set())
    if quarter in pending:
        return
    pending.add(quarter)
    events.publish(db.session, "board.changed", {"quarter": quarter}, staff_room(quarter))
