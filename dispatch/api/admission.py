"""Admission under overload: at most so many API requests of a process work at once.

A web process serves its sockets with many threads, but the work of a request (planning,
reading and writing the day, serialising) is CPU-bound and shares one interpreter: with a
hundred requests in flight each gets a hundredth of it, every answer comes late, and the proxy
answers 504 to all of them. So at most ``slots`` API requests work at once; the others wait
for a slot for up to ``wait_s`` seconds and then answer 503 "busy" with ``Retry-After``
(nothing was done; the page says to try again in a minute). Health checks, metrics, pages and
Socket.IO are not counted.
"""

from __future__ import annotations

import threading

from flask import Flask
from flask import g
from flask import request

from dispatch.errors import BUSY_DE
from dispatch.errors import Busy

COUNTED_PREFIX = "/api/"


def init_admission(app: Flask, slots: int, wait_s: float) -> None:
    """Limit the API requests working at once in this process (``slots`` 0: no limit)."""
    if slots <= 0:
        return
    free = threading.BoundedSemaphore(slots)

    @app.before_request
    def _admit() -> None:
        if not request.path.startswith(COUNTED_PREFIX):
            return
        if not free.acquire(timeout=wait_s):
            app.logger.warning("no slot for %s %s within %s s: answered 503", request.method,
                               request.path, wait_s)
            raise Busy(BUSY_DE)
        g.admitted = True

    @app.teardown_request
    def _leave(_exc: BaseException | None) -> None:
        if g.pop("admitted", False):
            free.release()
