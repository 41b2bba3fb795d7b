"""Small helpers shared by the API blueprints."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from dispatch.errors import DispatchError
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
