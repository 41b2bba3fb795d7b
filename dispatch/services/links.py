"""Signed one-click links: a resident (or the caregiver they named) confirms or cancels a ride,
or asks to be called back, without logging in. Each link works once and not after its ride."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer

from dispatch.domain.lifecycle import TERMINAL
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import DispatchError
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.models import BoardTask
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import UsedLink
from dispatch.models._types import utcnow
from dispatch.services.audit import acting_via
from dispatch.services.audit import audit
from dispatch.services.clock import local_now
from dispatch.services.notify import board_changed
from dispatch.services.notify import request_changed
from dispatch.services.plan_day import commit
from dispatch.services.plan_day import day_of
from dispatch.services.plan_day import lock_days
from dispatch.services.plan_day import plan_writer
from dispatch.settings import Settings

ACTIONS = ("confirm", "cancel", "callback")
#: A link still works this long after its ride's window has closed.
LIVE_AFTER = timedelta(hours=2)
MAX_AGE_S = 14 * 24 * 3600
#: every ``details.why`` of a link that does not work (the pages say each in five languages)
LINK_REFUSALS = ("expired", "invalid", "over", "cancelled", "used", "gone", "unknown")
GONE = "Diese Fahrt gibt es nicht mehr. Bei Fragen rufen Sie bitte das Quartiersbüro an."
USED = "Dieser Link wurde schon benutzt. Bei Fragen rufen Sie bitte das Quartiersbüro an."


class LinkInvalid(DispatchError):
    """A link that no longer works; ``details.why`` says why (``expired``, ``invalid``,
    ``over``, ``cancelled``, ``used``), and ``request`` is its ride when that is known (so the
    page can speak the resident's language)."""

    code = "link_invalid"
    status = 410

    def __init__(self, message: str, why: str, request: RideRequest | None = None) -> None:
        super().__init__(message, why=why)
        self.request = request


class LinkGone(NotFound):
    """The link's ride (or short code) does not exist; ``details.why``: ``gone``/``unknown``."""

    def __init__(self, message: str, why: str) -> None:
        super().__init__(message, why=why)


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
    except SignatureExpired as expired:  # signed by us, only old: its ride is known
        old = _serializer(settings).load_payload(expired.payload) if expired.payload else {}
        raise LinkInvalid("Dieser Link ist abgelaufen. Bitte rufen Sie das Quartiersbüro an.",
                          "expired", db.session.get(RideRequest, int(old.get("r", 0)))) \
            from None
    except BadSignature:
        raise LinkInvalid("Dieser Link ist ungültig. Bitte rufen Sie das Quartiersbüro an.",
                          "invalid") from None
    req = db.session.get(RideRequest, int(data["r"]))
    if req is None:
        raise LinkGone(GONE, "gone")
    return req, str(data["a"])


def _check_live(req: RideRequest, action: str) -> None:
    """A link expires when its ride is over; a cancelled ride cannot be confirmed."""
    if req.window_end + LIVE_AFTER < local_now():
        raise LinkInvalid("Dieser Link ist abgelaufen: die Fahrt ist vorbei. Bei Fragen rufen "
                          "Sie bitte das Quartiersbüro an.", "over", req)
    if action != "cancel" and RequestState(req.state) == RequestState.CANCELLED:
        raise LinkInvalid("Diese Fahrt ist schon abgesagt. Bei Fragen rufen Sie bitte das "
                          "Quartiersbüro an.", "cancelled", req)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def usable_token(settings: Settings, token: str) -> tuple[RideRequest, str]:
    """The request and action of a link that still works (:class:`LinkInvalid` if it was used,
    or its ride is over or cancelled); changes nothing, so opening a link is safe."""
    req, action = read_token(settings, token)
    if db.session.get(UsedLink, _digest(token)) is not None:
        raise LinkInvalid(USED, "used", req)
    _check_live(req, action)
    return req, action


def use_token(settings: Settings, token: str) -> RideRequest:
    """Carry out the link's action; a link works once (a second use is refused with 410)
    and not after its ride. Audited with the actor "link"."""
    req, action = usable_token(settings, token)
    with acting_via("link"):
        return _answer(settings, req.id, action, _digest(token))


@plan_writer
def _answer(settings: Settings, request_id: int, action: str, digest: str) -> RideRequest:
    """One unit of work: the used-link row and the answer commit together, or neither."""
    from dispatch.services.booking import cancel_request

    req = db.session.get(RideRequest, request_id)
    if req is None:
        raise LinkGone(GONE, "gone")
    lock_days([day_of(req.quarter_slug, req.requested_time)])
    if db.session.get(UsedLink, digest) is not None:  # the same link at the same moment
        raise LinkInvalid(USED, "used", req)
    db.session.add(UsedLink(token_sha256=digest, request_id=req.id, action=action))
    resident: Person = req.resident
    if action == "cancel" and RequestState(req.state) not in TERMINAL:
        return cancel_request(resident, req.id, settings)  # commits, the used link with it
    if action == "confirm":
        req.confirmed_at = utcnow()
        audit(resident, "request.confirmed", "ride_request", req.id)
        request_changed(req)
    elif action == "callback":
        db.session.add(BoardTask(quarter_slug=req.quarter_slug, kind="callback",
                                 person_id=resident.id, request_id=req.id))
        audit(resident, "request.callback_asked", "ride_request", req.id)
        board_changed(req.quarter_slug)
    commit()
    return req


def short_link(code: str) -> RideRequest:
    """The request of an SMS's short code (:class:`LinkInvalid` once it has expired)."""
    from dispatch.models import ShortLink

    row = db.session.get(ShortLink, code.strip().upper()[:16])
    if row is None:
        raise LinkGone("Diesen Link gibt es nicht. Bitte rufen Sie das Quartiersbüro an.",
                       "unknown")
    req = db.session.get(RideRequest, row.request_id)
    if row.expires_at < local_now():
        raise LinkInvalid("Dieser Link ist abgelaufen. Bitte rufen Sie das Quartiersbüro an.",
                          "expired", req)
    if req is None:
        raise LinkGone(GONE, "gone")
    return req
