"""Offers to volunteers: make and withdraw them; accept (exactly one wins), decline, expire,
hand back. Each answer is one unit of work under its day's lock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy import update

from dispatch.domain.lifecycle import RequestState
from dispatch.errors import InvalidTransition
from dispatch.errors import NotFound
from dispatch.errors import OfferTaken
from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import OfferState
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import TripStop
from dispatch.models._types import utcnow
from dispatch.services import events
from dispatch.services import outbox
from dispatch.services.audit import audit
from dispatch.services.notify import offer_created
from dispatch.services.notify import request_changed
from dispatch.services.notify import trip_changed
from dispatch.services.plan_day import commit
from dispatch.services.plan_day import day_of
from dispatch.services.plan_day import lock_days
from dispatch.services.plan_day import plan_writer
from dispatch.services.plans import remove_from_plans
from dispatch.services.plans import volunteer_of
from dispatch.settings import Settings


def offer_to_planned_volunteer(req: RideRequest, actor: Person | None,
                               settings: Settings) -> Offer | None:
    """Offer a planned request to the volunteer it is planned with (expires after a while)."""
    volunteer = volunteer_of(req)
    if volunteer is None or RequestState(req.state) != RequestState.PLANNED:
        return None
    offer = Offer(request_id=req.id, volunteer_id=volunteer.id,
                  expires_at=utcnow() + timedelta(minutes=settings.service.offer_expiry_min))
    db.session.add(offer)
    req.move_to(RequestState.OFFERED)
    db.session.flush()
    audit(actor, "offer.created", "offer", offer.id, request_id=req.id,
          volunteer_id=volunteer.id)
    offer_created(offer)
    outbox.offer_made(req, volunteer, offer.id)
    request_changed(req)
    return offer


def withdraw(offer: Offer) -> None:
    """Withdraw one offer and tell its volunteer."""
    offer.state = OfferState.WITHDRAWN.value
    events.publish(db.session, "offer.withdrawn", {"id": offer.id}, f"user:{offer.volunteer_id}")


def withdraw_offers(req: RideRequest) -> None:
    """Withdraw the request's open and accepted offers (cancelled, edited or re-assigned)."""
    for offer in db.session.scalars(select(Offer).where(Offer.request_id == req.id, Offer.state.in_(
            [OfferState.OPEN.value, OfferState.ACCEPTED.value]))):
        withdraw(offer)
    db.session.flush()


def _lock_offer_day(actor: Person, offer_id: int) -> Offer:
    """The actor's own offer, read again under the lock of its request's day."""
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.volunteer_id != actor.id:
        raise NotFound("Dieses Angebot gibt es nicht.")
    lock_days([day_of(offer.request.quarter_slug, offer.request.requested_time)])
    return offer


def _claim(offer_id: int, new_state: OfferState, *, due: bool = False) -> bool:
    """Move an open offer to ``new_state`` if it is still open (and unexpired, or with ``due``
    expired); False if someone was faster. One conditional UPDATE."""
    still = Offer.expires_at <= utcnow() if due else Offer.expires_at > utcnow()
    res = db.session.execute(
        update(Offer)
        .where(Offer.id == offer_id, Offer.state == OfferState.OPEN.value, still)
        .values(state=new_state.value, responded_at=utcnow(), version=Offer.version + 1)
        .execution_options(synchronize_session=False))
    db.session.expire_all()
    return res.rowcount == 1  # type: ignore[attr-defined]


@plan_writer
def accept_offer(actor: Person, offer_id: int) -> Offer:
    """Accept: the request becomes the volunteer's; its stops are locked."""
    offer = _lock_offer_day(actor, offer_id)
    if not _claim(offer.id, OfferState.ACCEPTED):
        raise OfferTaken("Dieses Angebot ist nicht mehr offen (schon vergeben oder abgelaufen).")
    req = offer.request
    req.move_to(RequestState.ACCEPTED)
    for stop in db.session.scalars(select(TripStop).where(TripStop.request_id == req.id)):
        stop.locked = True
        trip_changed(stop.trip)
    audit(actor, "offer.accepted", "offer", offer.id, request_id=req.id)
    outbox.accepted(req, actor)
    request_changed(req)
    commit()
    return offer


@plan_writer
def decline_offer(actor: Person, offer_id: int, settings: Settings) -> Offer:
    """Decline: the request passes to the next suitable volunteer (or becomes unservable)."""
    offer = _lock_offer_day(actor, offer_id)
    if not _claim(offer.id, OfferState.DECLINED):
        raise OfferTaken("Dieses Angebot ist nicht mehr offen.")
    audit(actor, "offer.declined", "offer", offer.id, request_id=offer.request_id)
    _pass_on(offer.request, actor, settings)
    commit()
    return offer


def _pass_on(req: RideRequest, actor: Person | None, settings: Settings) -> None:
    from dispatch.services.placement import place_new

    remove_from_plans(req)
    if RequestState(req.state) in (RequestState.OFFERED, RequestState.ACCEPTED):
        req.move_to(RequestState.PLANNED)
    place_new(req, actor, settings)


def expire_offers(settings: Settings) -> int:
    """Expire every open offer past its time and pass each request on (one unit of work per
    offer); returns how many expired here."""
    due = db.session.scalars(select(Offer.id).where(Offer.state == OfferState.OPEN.value,
                                                    Offer.expires_at <= utcnow())).all()
    db.session.rollback()
    return sum(_expire(offer_id, settings) for offer_id in due)


@plan_writer
def _expire(offer_id: int, settings: Settings) -> bool:
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        return False
    lock_days([day_of(offer.request.quarter_slug, offer.request.requested_time)])
    if not _claim(offer_id, OfferState.EXPIRED, due=True):
        db.session.rollback()  # answered or withdrawn meanwhile
        return False
    audit(None, "offer.expired", "offer", offer.id, request_id=offer.request_id)
    _pass_on(offer.request, None, settings)
    commit()
    return True


@plan_writer
def hand_back(actor: Person, request_id: int, settings: Settings) -> RideRequest:
    """A volunteer gives an accepted trip back; it is offered to someone else."""
    req = db.session.get(RideRequest, request_id)
    if req is not None:
        lock_days([day_of(req.quarter_slug, req.requested_time)])
    offer = db.session.scalar(select(Offer).where(
        Offer.request_id == request_id, Offer.volunteer_id == actor.id,
        Offer.state == OfferState.ACCEPTED.value))
    if req is None or offer is None:
        raise NotFound("Diese Fahrt ist nicht Ihnen zugesagt.")
    if RequestState(req.state) != RequestState.ACCEPTED:
        raise InvalidTransition("Eine Fahrt, die schon läuft, kann nicht zurückgegeben werden. "
                                "Bitte rufen Sie das Quartiersbüro an.")
    offer.state = OfferState.DECLINED.value
    audit(actor, "trip.handed_back", "ride_request", req.id)
    _pass_on(req, actor, settings)
    request_changed(req)
    commit()
    return req
