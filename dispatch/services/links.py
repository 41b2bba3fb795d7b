"""Signed one-click links: a resident (or the caregiver they named) confirms or cancels a ride
without logging in."""

from __future__ import annotations

import hashlib
from typing import Any

from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from dispatch.domain.lifecycle import TERMINAL
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import DispatchError
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import UsedLink
from dispatch.services.audit import acting_via
from dispatch.services.audit import audit
from dispatch.settings import Settings

ACTIONS = ("confirm", "cancel")
MAX_AGE_S = 14 * 24 * 3600
USED = "Dieser Link wurde schon benutzt. Bei Fragen rufen Sie bitte das Quartiersbüro an."


class LinkInvalid(DispatchError):
    code = "link_invalid"
    status = 410


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="ride-link")


def make_token(settings: Settings, request_id: int, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(action)
    return _serializer(settings).dumps({"r": request_id, "a": action})


def read_token(settings: Settings, token: str) -> tuple[RideRequest, str]:
    """The request and action of a link, or :class:`LinkInvalid` in plain words."""
    try:
        data: dict[str, Any] = _serializer(settings).loads(token, max_age=MAX_AGE_S)
    except SignatureExpired:
        raise LinkInvalid("Dieser Link ist abgelaufen. Bitte rufen Sie das Quartiersbüro an.") \
            from None
    except BadSignature:
        raise LinkInvalid("Dieser Link ist ungültig. Bitte rufen Sie das Quartiersbüro an.") \
            from None
    req = db.session.get(RideRequest, int(data["r"]))
    if req is None:
        raise NotFound("Diese Fahrt gibt es nicht mehr.")
    return req, str(data["a"])


def use_token(settings: Settings, token: str) -> RideRequest:
    """Carry out the link's action; a link works once (a second use is refused with 410)."""
    from dispatch.services.booking import cancel_request

    req, action = read_token(settings, token)
    digest = hashlib.sha256(token.encode()).hexdigest()
    if db.session.get(UsedLink, digest) is not None:
        raise LinkInvalid(USED)
    resident: Person = req.resident
    with acting_via("link"):
        if action == "cancel" and RequestState(req.state) not in TERMINAL:
            req = cancel_request(resident, req.id, settings)
        elif action == "confirm":
            audit(resident, "request.confirmed", "ride_request", req.id)
        db.session.add(UsedLink(token_sha256=digest, request_id=req.id, action=action))
        try:
            db.session.commit()
        except IntegrityError:  # the same link at the same moment: the other one counted
            db.session.rollback()
            raise LinkInvalid(USED) from None
    return req
