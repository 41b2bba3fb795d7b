"""A background loop in each server process: expire offers, re-plan the quarters' open days.

Each pass runs in its own app context and its own transactions; locked stops are never touched
(see :func:`dispatch.services.planning.replan_day`). With several processes, a PostgreSQL
advisory lock lets only one of them re-plan at a time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
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
from dispatch.services.planning import replan_day

log = logging.getLogger(__name__)
ADVISORY_KEY = 4711


def open_days(now: datetime) -> list[tuple[str, datetime]]:
    """(quarter, day) pairs that have requests still waiting for or holding an offer."""
    rows = db.session.execute(select(RideRequest.quarter_slug, RideRequest.requested_time).where(
        RideRequest.state.in_([s.value for s in OPEN]),
        RideRequest.requested_time >= now - timedelta(hours=1))).all()
    return sorted({(q, datetime(t.year, t.month, t.day)) for q, t in rows})


def run_pass(app: Flask) -> dict[str, int]:
    """One pass: expire offers, then re-plan every open day; commits per day."""
    settings = app.config["SETTINGS"]
    out = {"expired": 0, "days": 0, "trips_changed": 0, "placed": 0}
    with app.app_context():
        out["expired"] = expire_offers(settings)
        if not _try_lock():
            return out
        try:
            for quarter, day in open_days(local_now()):
                counts = replan_day(quarter, day, settings,
                                    seconds=settings.service.replan_seconds)
                db.session.commit()
                out["days"] += 1
                out["trips_changed"] += counts["trips_changed"]
                out["placed"] += counts["placed"]
        except Exception:
            db.session.rollback()
            raise
        finally:
            _unlock()
    return out


def _try_lock() -> bool:
    if db.engine.dialect.name != "postgresql":
        return True
    got = db.session.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY})
    return bool(got.scalar())


def _unlock() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
        db.session.commit()


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
