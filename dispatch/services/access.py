"""Who may see and do what: residents their own, volunteers their offers and trips,
coordinators their quarter, admins everything."""

from __future__ import annotations

from sqlalchemy import Select

from dispatch.errors import NotAllowed
from dispatch.errors import NotFound
from dispatch.models import Offer
from dispatch.models import OfferState
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models import Trip

STAFF = frozenset({Role.COORDINATOR, Role.ADMIN})
#: A volunteer sees a request (and the resident's needs) only while an offer of it is open to
#: them or they hold it; a declined, expired, withdrawn or handed-back offer shows nothing.
HOLDING = (OfferState.OPEN.value, OfferState.ACCEPTED.value)


def require_role(actor: Person, *roles: Role) -> None:
    """Raise :class:`NotAllowed` unless the actor has one of ``roles``."""
    if actor.role not in {r.value for r in roles}:
        raise NotAllowed("Diese Aktion ist für Ihre Rolle nicht vorgesehen.")


def is_staff(actor: Person) -> bool:
    """Coordinator or admin."""
    return actor.role in STAFF


def may_see_quarter(actor: Person, quarter: str) -> bool:
    """Admins see all quarters, everyone else only their own."""
    return actor.role == Role.ADMIN or actor.quarter_slug == quarter


def visible_requests(actor: Person, stmt: Select) -> Select:
    """Restrict a ``select(RideRequest)`` to what the actor may see."""
    if actor.role == Role.ADMIN:
        return stmt
    if actor.role == Role.COORDINATOR:
        return stmt.where(RideRequest.quarter_slug == actor.quarter_slug)
    if actor.role == Role.RESIDENT:
        return stmt.where(RideRequest.resident_id == actor.id)
    # volunteers: requests offered to them now or that they hold
    offered = Offer.__table__.select().with_only_columns(Offer.request_id).where(
        Offer.volunteer_id == actor.id, Offer.state.in_(HOLDING))
    return stmt.where(RideRequest.id.in_(offered))


def check_request(actor: Person, req: RideRequest | None) -> RideRequest:
    """The request if the actor may see it, else :class:`NotFound` (nothing is revealed)."""
    if req is None:
        raise NotFound("Diese Fahrt gibt es nicht.")
    ok = (actor.role == Role.ADMIN
          or (actor.role == Role.COORDINATOR and req.quarter_slug == actor.quarter_slug)
          or (actor.role == Role.RESIDENT and req.resident_id == actor.id))
    if not ok and actor.role == Role.VOLUNTEER:
        from dispatch.extensions import db

        ok = db.session.query(Offer.id).filter(
            Offer.request_id == req.id, Offer.volunteer_id == actor.id,
            Offer.state.in_(HOLDING)).first() is not None
    if not ok:
        raise NotFound("Diese Fahrt gibt es nicht.")
    return req


def check_trip(actor: Person, trip: Trip | None) -> Trip:
    """The trip if it is the actor's own (volunteer) or in the coordinator's quarter."""
    if trip is None or not (trip.volunteer_id == actor.id or (
            is_staff(actor) and may_see_quarter(actor, trip.quarter_slug))):
        raise NotFound("Diese Tour gibt es nicht.")
    return trip


def get_request(actor: Person, request_id: int) -> RideRequest:
    """Load a request the actor may see (else :class:`NotFound`)."""
    from dispatch.extensions import db

    return check_request(actor, db.session.get(RideRequest, request_id))


def get_trip(actor: Person, trip_id: int) -> Trip:
    """Load a trip the actor may see (else :class:`NotFound`)."""
    from dispatch.extensions import db

    return check_trip(actor, db.session.get(Trip, trip_id))


def list_requests(actor: Person, state: str | None, limit: int = 500) -> list[RideRequest]:
    """The requests the actor may see, by time, optionally of one state."""
    from sqlalchemy import select

    from dispatch.extensions import db

    stmt = visible_requests(actor, select(RideRequest)).order_by(RideRequest.requested_time)
    if state:
        stmt = stmt.where(RideRequest.state == state)
    return list(db.session.scalars(stmt.limit(limit)))
