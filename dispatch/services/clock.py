"""Local time of the service (naive wall-clock times in the service time zone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_ZONE = "Europe/Berlin"


def set_zone(name: str) -> None:
    """Use the configured time zone (``[service] timezone``)."""
    global _ZONE
    ZoneInfo(name)  # raises for an unknown zone
    _ZONE = name


def local_now() -> datetime:
    """Now, as naive local wall-clock time."""
    return datetime.now(ZoneInfo(_ZONE)).replace(tzinfo=None, microsecond=0)
