"""Offers to volunteers: accept (exactly one wins), decline, expire, hand back."""

from __future__ import annotations

from sqlalchemy import update

from dispatch.domain.lifecycle import RequestState
from dispatch.errors import NotFound
from dispatch.errors import OfferTaken
from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import OfferState
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import TripStop
from dispatch.models._types import utcnow
from dispatch.services.audit import audit
from dispatch.services.notify import request_changed
from dispatch.services.notify import trip_changed
from dispatch.settings import Settings


def _own_offer(actor: Person, offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.volunteer_id != actor.id:
        raise NotFound("Dieses Angebot gibt es nicht.")
    return offer


def _claim(offer_id: int, new_state: OfferState) -> bool:
    """Atomically move an open, unexpired offer to ``new_state``; False if someone was faster.

    One conditional UPDATE: whichever transaction commits first wins, on SQLite and PostgreSQL.
    """
    res = db.session.execute(
        update(Offer)
        .where(Offer.id == offer_id, Offer.state == OfferState.OPEN.value,
               Offer.expires_at > utcnow())
        .values(state=new_state.value, responded_at=utcnow(), version=Offer.version + 1)
        .execution_options(synchronize_session=False))
    return res.rowcount == 1  # type: ignore[attr-defined]


def accept_offer(actor: Person, offer_id: int) -> Offer:
    """Accept: the request becomes the volunteer's; its stops are locked."""
    offer = _own_offer(actor, offer_id)
    if not _claim(offer.id, OfferState.ACCEPTED):
        db.session.rollback()
        raise OfferTaken("Dieses Angebot ist nicht mehr offen (schon vergeben oder abgelaufen).")
    db.session.expire(offer)
    req = offer.request
    req.move_to(RequestState.ACCEPTED)
    for stop in db.session.query(TripStop).filter_by(request_id=req.id):
        stop.locked = True
        trip_changed(stop.trip)
    audit(actor, "offer.accepted", "offer", offer.id, request_id=req.id)
    request_changed(req)
    db.session.commit()
    return offer


def decline_offer(actor: Person, offer_id: int, settings: Settings) -> Offer:
    """Decline: the request passes to the next suitable volunteer (or becomes unservable)."""
    offer = _own_offer(actor, offer_id)
    if not _claim(offer.id, OfferState.DECLINED):
        db.session.rollback()
        raise OfferTaken("Dieses Angebot ist nicht mehr offen.")
    db.session.expire(offer)
    audit(actor, "offer.declined", "offer", offer.id, request_id=offer.request_id)
    _pass_on(offer.request, actor, settings)
    db.session.commit()
    return offer


def _pass_on(req: RideRequest, actor: Person | None, settings: Settings) -> None:
    from dispatch.services.planning import place_new
    from dispatch.services.planning import remove_from_plans

    remove_from_plans(req)
    if RequestState(req.state) in (RequestState.OFFERED, RequestState.ACCEPTED):
        req.move_to(RequestState.PLANNED)
    place_new(req, actor, settings)


def expire_offers(settings: Settings) -> int:
    """Expire every open offer past its time and pass each request on; commits."""
    due = db.session.query(Offer).filter(Offer.state == OfferState.OPEN.value,
                                         Offer.expires_at <= utcnow()).all()
    n = 0
    for offer in due:
        res = db.session.execute(
            update(Offer).where(Offer.id == offer.id, Offer.state == OfferState.OPEN.value)
            .values(state=OfferState.EXPIRED.value, version=Offer.version + 1)
            .execution_options(synchronize_session=False))
        if res.rowcount != 1:  # type: ignore[attr-defined]
            continue
        db.session.expire(offer)
        audit(None, "offer.expired", "offer", offer.id, request_id=offer.request_id)
        _pass_on(offer.request, None, settings)
        n += 1
    db.session.commit()
    return n


def hand_back(actor: Person, request_id: int, settings: Settings) -> RideRequest:
    """A volunteer gives an accepted trip back; it is offered to someone else."""
    offer = db.session.query(Offer).filter_by(request_id=request_id, volunteer_id=actor.id,
                                              state=OfferState.ACCEPTED.value).first()
    if offer is None:
        raise NotFound("Diese Fahrt ist nicht Ihnen zugesagt.")
    req = offer.request
    if RequestState(req.state) != RequestState.ACCEPTED:
        from dispatch.errors import InvalidTransition

        raise InvalidTransition("Eine Fahrt, die schon läuft, kann nicht zurückgegeben werden. "
                                "Bitte rufen Sie das Quartiersbüro an.")
    offer.state = OfferState.DECLINED.value
    audit(actor, "trip.handed_back", "ride_request", req.id)
    _pass_on(req, actor, settings)
    request_changed(req)
    db.session.commit()
    return req
