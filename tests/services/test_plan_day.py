"""The quarter-day lock and the invariants: broken plans are found and never committed."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from dispatch.errors import Conflict
from dispatch.errors import PlanBroken
from dispatch.extensions import _writer_turn
from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import PlanDay
from dispatch.models import Trip
from dispatch.models import TripStop
from dispatch.models._types import utcnow
from dispatch.services.plan_day import ATTEMPTS
from dispatch.services.plan_day import commit
from dispatch.services.plan_day import day_of
from dispatch.services.plan_day import lock_days
from dispatch.services.plan_day import lost_race
from dispatch.services.plan_day import plan_writer
from dispatch.services.plan_day import versions
from dispatch.services.plans import invariant_violations
from tests.factories import make_request
from tests.factories import make_resident
from tests.factories import make_volunteer
from tests.quarter import tomorrow_at


def _offered_with_stops(app: Flask, *, overlap: bool) -> tuple[int, int]:
    """A request offered to a volunteer, with both stops in one trip (overlapping or not)."""
    with app.app_context():
        vol = make_volunteer()
        req = make_request(make_resident(), when=tomorrow_at(9), state="offered")
        day = day_of("eving", req.requested_time)[1]
        t0 = tomorrow_at(9)
        trip = Trip(volunteer_id=vol.id, quarter_slug="eving", service_day=day)
        gap = timedelta(minutes=-5 if overlap else 10)
        trip.stops = [
            TripStop(request_id=req.id, kind="pickup", seq=0, address="a", lat=0, lon=0,
                     planned_arrival=t0, planned_departure=t0 + timedelta(minutes=15)),
            TripStop(request_id=req.id, kind="dropoff", seq=1, address="b", lat=0, lon=0,
                     planned_arrival=t0 + timedelta(minutes=15) + gap,
                     planned_departure=t0 + timedelta(minutes=20) + gap)]
        db.session.add(trip)
        db.session.add(Offer(request_id=req.id, volunteer_id=vol.id,
                             expires_at=utcnow() + timedelta(minutes=10)))
        db.session.commit()
        return req.id, vol.id


def test_consistent_day_has_no_violations(app: Flask) -> None:
    _offered_with_stops(app, overlap=False)
    with app.app_context():
        assert invariant_violations(*day_of("eving", tomorrow_at(9))) == []


def test_overlapping_stops_and_missing_stops_are_found(app: Flask) -> None:
    rid, _ = _offered_with_stops(app, overlap=True)
    with app.app_context():
        found = invariant_violations(*day_of("eving", tomorrow_at(9)))
        assert any("starts before" in v for v in found), found
        db.session.execute(sa.delete(TripStop).where(TripStop.kind == "dropoff"))
        found = invariant_violations(*day_of("eving", tomorrow_at(9)))
        assert any(f"request {rid} (offered) has 1 pick-ups and 0 drop-offs" in v
                   for v in found), found
        db.session.rollback()


def test_commit_refuses_a_change_that_breaks_the_day(app: Flask) -> None:
    rid, _ = _offered_with_stops(app, overlap=False)
    key = day_of("eving", tomorrow_at(9))
    with app.app_context():
        lock_days([key])
        db.session.execute(sa.delete(TripStop).where(TripStop.request_id == rid))
        with pytest.raises(PlanBroken):
            commit()
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TripStop)) == 2


def test_the_database_refuses_a_second_open_offer_and_a_second_trip(app: Flask) -> None:
    rid, vid = _offered_with_stops(app, overlap=False)
    with app.app_context():
        db.session.add(Offer(request_id=rid, volunteer_id=vid, expires_at=utcnow()))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.add(Trip(volunteer_id=vid, quarter_slug="eving",
                            service_day=day_of("eving", tomorrow_at(9))[1]))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_each_locked_change_raises_the_day_version(app: Flask) -> None:
    key = day_of("eving", tomorrow_at(9))
    with app.app_context():
        assert versions([key]) == {key: 0}
        for expected in (1, 2):
            assert lock_days([key]) == {key: expected}
            commit()
        assert db.session.get(PlanDay, key).version == 2


def test_a_race_lost_every_time_becomes_a_conflict_after_bounded_retries(app: Flask) -> None:
    """A unique-constraint race that repeats on every attempt ends as 409, not as a 500."""
    rid, vid = _offered_with_stops(app, overlap=False)
    calls = []

    @plan_writer
    def second_open_offer() -> None:
        calls.append(1)
        lock_days([day_of("eving", tomorrow_at(9))])
        db.session.add(Offer(request_id=rid, volunteer_id=vid, expires_at=utcnow()))
        commit()

    with app.app_context():
        with pytest.raises(Conflict):
            second_open_offer()
        assert len(calls) == ATTEMPTS
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Offer)) == 1


def _writer_waits_for(app: Flask, hold_s: float) -> float:
    """A second writer of a held day: seconds from the first one's commit to its lock."""
    key = day_of("eving", tomorrow_at(9))
    held, done = threading.Event(), {}

    def first() -> None:
        with app.app_context():
            lock_days([key])
            held.set()
            time.sleep(hold_s)
            done["committing"] = time.perf_counter()
            commit()

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(10)
    with app.app_context():
        lock_days([key])
        got = time.perf_counter()
        commit()
    thread.join(10)
    assert got >= done["committing"], "the second writer did not wait for the first"
    return got - done["committing"]


def test_a_second_writer_of_a_day_waits_for_the_first(app: Flask) -> None:
    """The next writer of a held day begins only after the commit of the one before."""
    assert _writer_waits_for(app, 0.3) >= 0


def test_a_waiting_sqlite_writer_waits_for_its_turn_not_in_sqlite(app: Flask) -> None:
    """A queued SQLite writer sleeps on the process's turn, which wakes it at the commit before
    it, instead of polling SQLite's busy handler (sleeps that grow to 100 ms: a queue of ten
    writers waited seconds). So while the day is held, only one ``BEGIN IMMEDIATE`` has run."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the writer turn is SQLite's")
        engine = db.engine
    begun: list[str] = []

    def count_begins(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.strip().upper() == "BEGIN IMMEDIATE":
            begun.append(threading.current_thread().name)

    sa.event.listen(engine, "before_cursor_execute", count_begins)
    try:
        key = day_of("eving", tomorrow_at(9))
        second_done = threading.Event()

        def second() -> None:
            with app.app_context():
                lock_days([key])
                commit()
            second_done.set()

        with app.app_context():
            lock_days([key])
            thread = threading.Thread(target=second, name="second")
            thread.start()
            assert not second_done.wait(0.3), "the second writer did not wait"
            assert begun == ["MainThread"], begun  # the second is not inside SQLite
            commit()
        assert second_done.wait(10)
        thread.join(10)
        assert begun == ["MainThread", "second"]
    finally:
        sa.event.remove(engine, "before_cursor_execute", count_begins)


def test_the_sqlite_writer_turn_ends_with_its_transaction(app: Flask) -> None:
    """Commit and rollback both give the turn back; a writer that gets no turn in time loses
    the race (and is retried, then 409) instead of waiting for ever."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the writer turn is SQLite's")
        turn = _writer_turn(str(db.engine.url.database))
        key = day_of("eving", tomorrow_at(9))
        lock_days([key])
        assert not turn.acquire(blocking=False)
        commit()
        assert turn.acquire(blocking=False)
        turn.release()
        lock_days([key])
        db.session.rollback()
        assert turn.acquire(blocking=False)
        try:  # held by someone else: no turn within the wait
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr("dispatch.extensions.SQLITE_WRITER_WAIT_S", 0.05)
                with pytest.raises(sa.exc.OperationalError) as caught:
                    lock_days([key])
                assert lost_race(caught.value)
        finally:
            turn.release()
        db.session.rollback()
