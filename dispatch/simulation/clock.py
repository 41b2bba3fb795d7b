"""The simulated clock: jumps from event to event, or runs ``speed`` times faster than real time.

While :meth:`SimClock.running` is active, every "now" of the service (offer expiry, booking
checks, stop reports, row time stamps) reads this clock: see :mod:`dispatch.services.clock`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from dispatch.services.clock import to_utc
from dispatch.services.clock import use_source
from dispatch.services.clock import zone


class SimClock:
    """Local simulated time starting at ``start`` (naive local time).

    ``speed`` None: as fast as possible (the clock jumps to each event). A number: simulated
    seconds per real second (60 = a simulated hour per real minute); the clock runs on between
    events, so a browser sees time pass smoothly.
    """

    def __init__(self, start: datetime, *, speed: float | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if speed is not None and speed <= 0:
            msg = "speed must be positive (or None: as fast as possible)"
            raise ValueError(msg)
        self.speed = speed
        self._sleep = sleep
        self._monotonic = monotonic
        self._base = to_utc(start)
        self._real_base = monotonic()

    def now_utc(self) -> datetime:
        """Aware UTC now."""
        if self.speed is None:
            return self._base
        return self._base + timedelta(seconds=(self._monotonic() - self._real_base) * self.speed)

    def now(self) -> datetime:
        """Naive local now."""
        return self.now_utc().astimezone(zone()).replace(tzinfo=None)

    def advance_to(self, local: datetime) -> None:
        """Move to ``local`` (never backwards): jump, or sleep until the clock gets there."""
        target = to_utc(local)
        if self.speed is None:
            self._base = max(self._base, target)
            return
        wait = (target - self.now_utc()).total_seconds() / self.speed
        if wait > 0:
            self._sleep(wait)

    @contextmanager
    def running(self) -> Iterator[SimClock]:
        """Make this the service's clock for the block."""
        with use_source(self.now_utc):
            yield self


class RealClock:
    """The machine's clock (a trickle in a running server): advancing means waiting."""

    speed: float | None = 1.0

    def __init__(self, sleep: Callable[[float], object] = time.sleep) -> None:
        self._sleep = sleep

    def now(self) -> datetime:
        """Naive local now."""
        return datetime.now(UTC).astimezone(zone()).replace(tzinfo=None)

    def advance_to(self, local: datetime) -> None:
        """Wait until ``local``."""
        wait = (local - self.now()).total_seconds()
        if wait > 0:
            self._sleep(wait)

    @contextmanager
    def running(self) -> Iterator[RealClock]:
        """Nothing to install: the service reads the machine's clock anyway."""
        yield self
