"""Local time of the service (naive wall-clock times in the service time zone).

Every "now" of the service comes from here: :func:`local_now` (naive local time) and
:func:`utc_now` (naive UTC, what the rows store). A simulation replaces the source for the
whole process with :func:`use_source` (see :mod:`dispatch.simulation.clock`).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

_ZONE = "Europe/Berlin"
#: returns the current time as an aware datetime; None: the machine's clock
_source: Callable[[], datetime] | None = None


def set_zone(name: str) -> None:
    """Use the configured time zone (``[service] timezone``)."""
    global _ZONE
    ZoneInfo(name)  # raises for an unknown zone
    _ZONE = name


def zone() -> ZoneInfo:
    """The service time zone."""
    return ZoneInfo(_ZONE)


def _now() -> datetime:
    return _source() if _source is not None else datetime.now(UTC)


def local_now() -> datetime:
    """Now, as naive local wall-clock time."""
    return _now().astimezone(ZoneInfo(_ZONE)).replace(tzinfo=None, microsecond=0)


def utc_now() -> datetime:
    """Now, as naive UTC (the stored form)."""
    return _now().astimezone(UTC).replace(tzinfo=None)


def to_utc(local: datetime) -> datetime:
    """A naive local time as an aware UTC datetime."""
    return local.replace(tzinfo=ZoneInfo(_ZONE)).astimezone(UTC)


@contextmanager
def use_source(source: Callable[[], datetime]) -> Iterator[None]:
    """Let ``source`` (aware datetimes) be the service's clock until the block ends."""
    global _source
    before = _source
    _source = source
    try:
        yield
    finally:
        _source = before
