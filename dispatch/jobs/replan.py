"""The periodic pass: expire offers, anonymise old rides, then re-plan the quarters' open days.

Each day is re-planned on a snapshot and written in its own unit of work under the day's lock
(see :mod:`dispatch.services.replan`). With several processes on PostgreSQL, a transaction-scoped
advisory lock on a connection of its own lets one pass re-plan at a time: it ends with that
transaction, whatever happens (an error, a killed process), so it can never be left behind.
"""

from __future__ import annotations

import logging
import threading
import time
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
from dispatch.jobs.notices import run_notices
from dispatch.models import RideRequest
from dispatch.ops import metrics
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
    """One pass: expire offers, send the notices that are due, then re-plan every open day
    (each day commits on its own).

    ``seconds`` is the solver's time per day (default: ``replan_seconds`` of the settings).
    """
    settings = app.config["SETTINGS"]
    out = {"expired": 0, "days": 0, "trips_changed": 0, "placed": 0, "gave_way": 0,
           "skipped": 0, "anonymised": 0}
    started = time.perf_counter()
    with app.app_context():
        out["expired"] = expire_offers(settings)
        metrics.EXPIRED.inc(out["expired"])
        out["anonymised"] = apply_retention(settings)
        try:
            out.update(run_notices(app))
        except Exception:  # noqa: BLE001 - the outbox keeps them; the next pass tries again
            log.exception("sending notices failed")
            db.session.rollback()
        with replan_lock() as mine:
            if not mine:
                out["skipped"] = 1
                return out
            for quarter, day in open_days(local_now()):
                t0 = time.perf_counter()
                counts = replan_day(quarter, day, settings,
                                    seconds=seconds or settings.service.replan_seconds)
                metrics.REPLAN_SECONDS.observe(time.perf_counter() - t0)
                out["days"] += 1
                for key in ("trips_changed", "placed", "gave_way"):
                    out[key] += counts[key]
                    metrics.REPLAN_CHANGES.labels(key).inc(counts[key])
    metrics.JOB_PASS_SECONDS.observe(time.perf_counter() - started)
    metrics.JOB_LAST_PASS.set(time.time())
    return out


def start_background(app: Flask, *, every_s: float = 30.0,
                     sleep: Callable[[float], None] | None = None) -> threading.Event:
    """Run :func:`run_pass` every ``every_s`` seconds in a daemon thread; set the event to stop."""
    stop = threading.Event()
    threading.Thread(target=run_every, args=(app, every_s, stop), name="dispatch-replan",
                     daemon=True).start()
    return stop


def run_every(app: Flask, every_s: float, stop: threading.Event, *, first_now: bool = False,
              on_pass: Callable[[dict[str, int]], None] | None = None) -> None:
    """Start a pass every ``every_s`` seconds until ``stop`` is set (a pass under way is
    finished); a pass that fails is logged and the next one tries again. How late each pass
    starts against its schedule is the job lag metric."""
    due = time.monotonic() + (0 if first_now else every_s)
    while not stop.wait(max(0.0, due - time.monotonic())):
        metrics.JOB_LAG.set(max(0.0, time.monotonic() - due))
        try:
            out = run_pass(app)
            log.info("job pass", extra={"job_pass": out})
            if on_pass is not None:
                on_pass(out)
        except Exception:  # noqa: BLE001 - logged; the next pass tries again
            log.exception("job pass failed")
        due = max(due + every_s, time.monotonic())
