"""One owner for each quarter-day's plan: its lock, its version, bounded retries, the commit.

Every writer of a day's plans (book, edit, cancel, accept, decline, hand back, expire, assign,
stop reports, re-plan) is a function decorated with :func:`plan_writer` that calls
:func:`lock_days` before it writes and :func:`commit` at the end:

- PostgreSQL: an upsert of the ``plan_days`` row raises its version and holds the row lock
  until the transaction ends, so writers of one quarter-day queue up; other days go on.
- SQLite: the transaction begins with ``BEGIN IMMEDIATE`` (SQLite has one writer anyway).

After the lock everything is read again; :func:`commit` checks the day's invariants on the rows
about to be committed, commits, and then pushes the trips that changed. A lost race (deadlock,
serialisation failure, busy database, stale version, a unique constraint) rolls back and runs the
whole unit of work again, a bounded number of times, then answers :class:`Conflict` (409).
"""

from __future__ import annotations

import functools
import logging
import random
import sqlite3
import time
from collections.abc import Callable
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import datetime
from typing import ParamSpec
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from dispatch.errors import BUSY_DE
from dispatch.errors import Busy
from dispatch.errors import Conflict
from dispatch.errors import PlanBroken
from dispatch.extensions import db
from dispatch.extensions import sqlite_begin_immediate
from dispatch.models import PlanDay

log = logging.getLogger(__name__)

DayKey = tuple[str, datetime]
P = ParamSpec("P")
T = TypeVar("T")

#: How often a unit of work runs in all before a lost race becomes a 409.
ATTEMPTS = 5
CONFLICT_DE = ("Jemand hat diese Fahrt gerade gleichzeitig geändert. Bitte laden Sie die Seite "
               "neu und versuchen Sie es noch einmal.")
_HELD = "dispatch_locked_days"
#: PostgreSQL error codes of a lost race: deadlock, serialisation failure, lock not available,
#: unique violation.
_RACE_SQLSTATES = {"40P01", "40001", "55P03", "23505"}
LOCK_NOT_AVAILABLE = "55P03"
#: seconds a writer waits for a day's lock on PostgreSQL (``set_lock_wait``; 0: no limit)
_lock_wait_s = [20]
_depth: ContextVar[int] = ContextVar("plan_writer_depth", default=0)


def day_of(quarter: str, when: datetime) -> DayKey:
    """The key of the quarter-day that ``when`` (a naive local time) falls on."""
    return quarter, datetime(when.year, when.month, when.day)


def lock_days(keys: Iterable[DayKey]) -> dict[DayKey, int]:
    """Lock the quarter-days for this transaction, raise their versions, re-read everything.

    Call it before the unit of work writes anything: on SQLite a read-only transaction that
    is open is ended first. Days are locked in sorted order, so two writers never wait for each
    other in a circle. Returns the version of each day after the raise.
    """
    session = db.session
    held: dict[DayKey, int] = session.info.get(_HELD, {})
    wanted = sorted(set(keys) - set(held))
    if not wanted:
        return held
    if not held:
        if session.new or session.dirty or session.deleted:
            msg = "lock_days() must come before the unit of work changes anything"
            raise RuntimeError(msg)
        session.rollback()  # end a read transaction: the lock must be the first statement
    token = sqlite_begin_immediate.set(True)
    try:
        for key in wanted:
            held[key] = _raise_version(key)
    finally:
        sqlite_begin_immediate.reset(token)
    session.info[_HELD] = held
    session.expire_all()  # what was read before the lock may be stale
    return held


def set_lock_wait(seconds: int) -> None:
    """How long a writer waits for a quarter-day's lock on PostgreSQL before :class:`Busy`
    (0: as long as it takes); from ``Settings.plan_lock_wait_s``."""
    _lock_wait_s[0] = seconds


def _raise_version(key: DayKey) -> int:
    quarter, day = key
    postgres = db.session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    upsert = insert(PlanDay).values(quarter_slug=quarter, service_day=day, version=1)
    upsert = upsert.on_conflict_do_update(
        index_elements=[PlanDay.quarter_slug, PlanDay.service_day],
        set_={"version": PlanDay.version + 1})
    if not (postgres and _lock_wait_s[0]):
        return int(db.session.execute(upsert.returning(PlanDay.version)).scalar_one())
    # overload: a writer that waits longer than this for its turn answers "busy" (503), so a
    # queue behind one day's lock stays bounded instead of running into the proxy's timeout
    db.session.execute(text(f"SET LOCAL lock_timeout = '{_lock_wait_s[0]}s'"))
    try:
        version = int(db.session.execute(upsert.returning(PlanDay.version)).scalar_one())
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        db.session.rollback()
        log.warning("waited %d s for the plan lock of %s %s: busy", _lock_wait_s[0], quarter,
                    day.date())
        raise Busy(BUSY_DE) from exc
    db.session.execute(text("SET LOCAL lock_timeout = DEFAULT"))
    return version


def versions(keys: Iterable[DayKey]) -> dict[DayKey, int]:
    """The stored version of each quarter-day (0 for a day nobody has written yet); no lock."""
    keys = list(set(keys))
    rows = db.session.execute(select(PlanDay.quarter_slug, PlanDay.service_day, PlanDay.version)
                              .where(tuple_(PlanDay.quarter_slug, PlanDay.service_day)
                                     .in_(keys))).all() if keys else []
    found = {(q, d): v for q, d, v in rows}
    return {k: found.get(k, 0) for k in keys}


def locked_days() -> list[DayKey]:
    """The quarter-days this unit of work holds."""
    return sorted(db.session.info.get(_HELD, {}))


def commit() -> None:
    """Check the invariants of every locked day, commit, then push what changed."""
    from dispatch.services.notify import peek_changes
    from dispatch.services.notify import push_changes
    from dispatch.services.notify import take_changes
    from dispatch.services.outbox import times_changed
    from dispatch.services.plans import invariant_violations

    session = db.session
    session.flush()
    for quarter, day in locked_days():
        broken = invariant_violations(quarter, day)
        if broken:
            log.error("refused a change that breaks the plans of %s %s: %s", quarter,
                      day.date(), broken)
            raise PlanBroken("Diese Änderung hätte den Tagesplan durcheinandergebracht und wurde "
                             "nicht gespeichert. Bitte versuchen Sie es noch einmal oder rufen "
                             "Sie das Quartiersbüro an.")
    seen = peek_changes()
    times_changed(seen.requests | _requests_on(seen.trips))
    changes = take_changes()
    # everything is flushed under the lock, so the loaded rows are what was committed: keep
    # them for the pushes and the answer instead of reading each one again
    unit = session()
    unit.expire_on_commit = False
    try:
        session.commit()
    finally:
        unit.expire_on_commit = True
    push_changes(changes)


def _requests_on(trip_ids: set[int]) -> set[int]:
    from dispatch.models import TripStop

    if not trip_ids:
        return set()
    return set(db.session.scalars(select(TripStop.request_id).where(
        TripStop.trip_id.in_(trip_ids))))


def lost_race(exc: BaseException) -> bool:
    """Whether ``exc`` means another writer was faster, so running again may succeed."""
    if isinstance(exc, StaleDataError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _RACE_SQLSTATES:
        return True
    if isinstance(orig, sqlite3.Error):
        text = str(orig).lower()
        return "locked" in text or "busy" in text or "unique constraint" in text
    return False


def plan_writer(fn: Callable[P, T]) -> Callable[P, T]:
    """Run ``fn`` as one unit of work; after a lost race roll back and run it again.

    After :data:`ATTEMPTS` runs the race becomes :class:`Conflict` (HTTP 409). A plan writer
    called from inside another runs as part of the outer one (no retry of its own).
    """

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        if _depth.get() > 0:
            return fn(*args, **kwargs)
        token = _depth.set(1)
        try:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    return fn(*args, **kwargs)
                except Exception as exc:
                    if not lost_race(exc):
                        raise
                    db.session.rollback()
                    log.info("%s lost a race (attempt %d): %s", fn.__name__, attempt,
                             type(exc).__name__)
                    if attempt == ATTEMPTS:
                        raise Conflict(CONFLICT_DE) from exc
                    time.sleep(random.uniform(0.005, 0.03) * attempt)  # noqa: S311
            raise AssertionError("unreachable")
        finally:
            _depth.reset(token)

    return run


def require_locked(key: DayKey) -> None:
    """Fail loudly when a writer changes a day's plans without holding its lock."""
    if key not in db.session.info.get(_HELD, {}):
        msg = f"the plans of {key[0]} {key[1].date()} are written without their lock"
        raise RuntimeError(msg)
