"""How often a resident may book: ``bookings_per_10_min`` in ten minutes, then a plain 429."""

from __future__ import annotations

from flask_login import current_user

from dispatch.api.common import settings
from dispatch.models import Role

TOO_MANY = ("Sie haben in kurzer Zeit sehr viele Fahrten gebucht. Bitte warten Sie zehn "
            "Minuten oder rufen Sie das Quartiersbüro an.")


def limit() -> str:
    """The limit of the service rules (every booking attempt counts)."""
    return f"{max(settings().service.bookings_per_10_min, 1)} per 10 minutes"


def resident_key() -> str:
    """Counted per person, whichever device they book from."""
    return f"booking:{current_user.get_id()}"


def exempt() -> bool:
    """Staff book for others and are not limited; nor is anyone when the limit is 0."""
    return (not current_user.is_authenticated or current_user.role != Role.RESIDENT
            or settings().service.bookings_per_10_min == 0)
