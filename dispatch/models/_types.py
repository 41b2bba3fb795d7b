"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime


def utcnow() -> datetime:
    """Current time in UTC, naive (all stored datetimes are naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)
