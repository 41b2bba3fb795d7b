"""Signed one-click links: a resident (or the caregiver they named) confirms or cancels a ride
without logging in."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer

from dispatch.domain.lifecycle import TERMINAL
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import DispatchError
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.services.audit import acting_via
from dispatch.services.audit import audit
from dispatch.settings import Settings

ACTIONS = ("confirm", "cancel")
MAX_AGE_S = 14 * 24 * 3600


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
    """Carry out the link's action once; using it again changes nothing."""
    from dispatch.services.booking import cancel_request

    req, action = read_token(settings, token)
    resident: Person = req.resident
    with acting_via("link"):
        if action == "cancel":
            if RequestState(req.state) in TERMINAL:
                return req
            return cancel_request(resident, req.id, settings)
        audit(resident, "request.confirmed", "ride_request", req.id)
        db.session.commit()
    return req
