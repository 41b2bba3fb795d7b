"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import datetime

from dispatch.services.clock import utc_now


def utcnow() -> datetime:
    """Current time in UTC, naive (all stored datetimes are naive UTC); a simulation's clock
    when one runs (:func:`dispatch.services.clock.use_source`)."""
    return utc_now()
