"""The periodic pass: expire offers, anonymise old rides, then re-plan the quarters' open days.

Each day is re-planned on a snapshot and written in its own unit of work under the day's lock
(see :mod:`dispatch.services.replan`). With several processes on PostgreSQL, a transaction-scoped
advisory lock on a connection of its own lets one pass re-plan at a time: it ends with that
transaction, whatever happens (an error, a killed process), so it can never be left behind.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy import text

from dispatch.domain.lifecycle import OPEN
from dispatch.extensions import db
from dispatch.models import RideRequest
from dispatch.services.clock import local_now
from dispatch.services.offers import expire_offers
from dispatch.services.privacy import apply_retention
from dispatch.services.replan import replan_day

log = logging.getLogger(__name__)
ADVISORY_KEY = 4711


def open_days(now: datetime) -> list[tuple[str, datetime]]:
    """(quarter, day) pairs that have requests still waiting for or holding an offer."""
    rows = db.session.execute(select(RideRequest.quarter_slug, RideRequest.requested_time).where(
        RideRequest.state.in_([s.value for s in OPEN]),
        RideRequest.requested_time >= now - timedelta(hours=1))).all()
    return sorted({(q, datetime(t.year, t.month, t.day)) for q, t in rows})


@contextmanager
def replan_lock() -> Iterator[bool]:
    """Yield whether this process may re-plan now (always on SQLite, where the per-day version
    check alone keeps two passes apart)."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as conn, conn.begin():
        got = bool(conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"),
                                {"k": ADVISORY_KEY}).scalar())
        yield got


def run_pass(app: Flask, *, seconds: float | None = None) -> dict[str, int]:
    """One pass: expire offers, then re-plan every open day (each day commits on its own).

    ``seconds`` is the solver's time per day (default: ``replan_seconds`` of the settings).
    """
    settings = app.config["SETTINGS"]
    out = {"expired": 0, "days": 0, "trips_changed": 0, "placed": 0, "gave_way": 0,
           "skipped": 0, "anonymised": 0}
    with app.app_context():
        out["expired"] = expire_offers(settings)
        out["anonymised"] = apply_retention(settings)
        with replan_lock() as mine:
            if not mine:
                out["skipped"] = 1
                return out
            for quarter, day in open_days(local_now()):
                counts = replan_day(quarter, day, settings,
                                    seconds=seconds or settings.service.replan_seconds)
                out["days"] += 1
                for key in ("trips_changed", "placed", "gave_way"):
                    out[key] += counts[key]
    return out


def start_background(app: Flask, *, every_s: float = 30.0,
                     sleep: Callable[[float], None] | None = None) -> threading.Event:
    """Run :func:`run_pass` every ``every_s`` seconds in a daemon thread; set the event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_s):
            try:
                run_pass(app)
            except Exception:  # noqa: BLE001 - logged; the next pass tries again
                log.exception("background pass failed")

    threading.Thread(target=loop, name="dispatch-replan", daemon=True).start()
    return stop
