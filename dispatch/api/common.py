"""Small helpers shared by the API blueprints."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from dispatch.errors import DispatchError
from dispatch.field_messages import say
from dispatch.models import Person
from dispatch.settings import Settings


class NotLoggedIn(DispatchError):
    code = "unauthorized"
    status = 401


def me() -> Person:
    """The logged-in person, or a 401 in the error envelope."""
    if not current_user.is_authenticated:
        raise NotLoggedIn("Bitte melden Sie sich zuerst an.")
    return current_user._get_current_object()  # type: ignore[no-any-return]


def settings() -> Settings:
    return current_app.config["SETTINGS"]  # type: ignore[no-any-return]


#: The longest ``Idempotency-Key`` header we store.
MAX_KEY_CHARS = 80


def idempotency_key() -> str | None:
    """The request's ``Idempotency-Key`` header (a repeat with it books nothing), or None."""
    from flask import request

    from dispatch.errors import InvalidInput

    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > MAX_KEY_CHARS or not key.isprintable():
        raise InvalidInput("Der Schlüssel gegen doppelte Buchungen ist ungültig.",
                           fields={"Idempotency-Key": say("idempotency_key", max=MAX_KEY_CHARS)})
    return key or None
