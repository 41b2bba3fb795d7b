"""Guards against double bookings on a live server (SQLite and PostgreSQL, real threads):
identical bookings at the same instant make one ride, a resident's burst of bookings stops at
the limit, and a retry after a lost answer books nothing new."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from dispatch.extensions import db
from dispatch.models import IdempotencyKey
from dispatch.models import RideRequest
from dispatch.models import Role
from tests.factories import PASSWORD
from tests.factories import make_resident
from tests.factories import make_staff
from tests.factories import make_volunteer
from tests.live import Session
from tests.live import running_server
from tests.quarter import ride
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.reliability


def _rides(app: Flask, resident_id: int) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(RideRequest).where(
            RideRequest.resident_id == resident_id))
        db.session.remove()
        return int(n or 0)


def _twins(session: Session, n: int) -> list[Session]:
    """``n`` more sessions of the same person (one connection each)."""
    out = []
    for _ in range(n):
        s = Session(session.base)
        s.http.cookies.update(session.http.cookies)
        s.token = session.token
        out.append(s)
    return out


def _together(sessions: list[Session], bodies: list[dict[str, Any]]) -> list[requests.Response]:
    """POST /requests from every session at the same instant."""
    barrier = threading.Barrier(len(sessions))
    out: list[requests.Response | None] = [None] * len(sessions)

    def book(k: int) -> None:
        barrier.wait(60)
        out[k] = sessions[k].post("/api/v1/requests", bodies[k])

    threads = [threading.Thread(target=book, args=(k,)) for k in range(len(sessions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert all(r is not None for r in out)
    return [r for r in out if r is not None]


def _post_and_hang_up(session: Session, body: bytes, key: str) -> None:
    """Send a booking and close the connection before reading a byte of the answer (the
    phone lost its network just after the request left)."""
    host, port = session.base.removeprefix("http://").split(":")
    head = (f"POST /api/v1/requests HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-CSRFToken: {session.token}\r\nIdempotency-Key: {key}\r\n"
            f"Cookie: {session.cookie_header()}\r\nConnection: close\r\n\r\n")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        sock.shutdown(socket.SHUT_WR)


def _wait_for_rides(app: Flask, resident_id: int, n: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while _rides(app, resident_id) < n:
        assert time.monotonic() < deadline, f"the booking did not arrive in {timeout_s} s"
        time.sleep(0.1)


def test_double_bookings_are_stopped_on_a_live_server(app: Flask, database_url: str,
                                                      street_network: Any) -> None:
    import json

    with app.app_context():
        coord = make_staff(Role.COORDINATOR, "eving")
        for h in (7, 7, 8):
            make_volunteer(shift=(tomorrow_at(h), tomorrow_at(18)))
        twin, burst, lost, hasty = (make_resident() for _ in range(4))
        db.session.commit()
        coord_email = coord.email
        ids = [twin.id, burst.id, lost.id, hasty.id]
    with running_server(database_url, env={"DISPATCH_BOOKINGS_PER_10_MIN": "4"}) as base:
        office = Session(base)
        office.login(coord_email, PASSWORD)

        def resident(rid: int) -> Session:
            code = office.post(f"/api/v1/residents/{rid}/login-code").json()["code"]
            s = Session(base)
            s.login_code(code)
            return s

        # 1. four taps on "book" at once, the same ride: one is booked, three are told
        taps = _together(_twins(resident(ids[0]), 4), [ride(tomorrow_at(9))] * 4)
        codes = sorted((r.status_code, (r.json().get("error") or {}).get("code")) for r in taps)
        assert codes[0] == (201, None), [r.text for r in taps]
        # a tap that lost the day's lock five times is a 409 conflict (try again) instead
        assert {c for c in codes[1:]} <= {(409, "likely_duplicate"), (409, "conflict")}, codes
        assert (409, "likely_duplicate") in codes, codes
        booked_id = next(r.json()["request"]["id"] for r in taps if r.status_code == 201)
        assert {r.json()["error"]["details"]["existing"]["id"] for r in taps
                if r.status_code == 409 and r.json()["error"]["code"] == "likely_duplicate"
                } == {booked_id}
        assert _rides(app, ids[0]) == 1

        # 2. six different rides at once with a limit of four: two wait
        burst_bodies = [ride(tomorrow_at(7 + k // 2, 30 * (k % 2))) for k in range(6)]
        answers = _together(_twins(resident(ids[1]), 6), burst_bodies)
        statuses = sorted(r.status_code for r in answers)
        assert statuses.count(429) == 2, [r.text[:200] for r in answers]
        assert set(statuses) <= {201, 409, 429}, statuses  # 409: lost the lock five times
        assert all(r.json()["error"]["message"].startswith("Sie haben in kurzer Zeit")
                   for r in answers if r.status_code == 429)
        assert _rides(app, ids[1]) == statuses.count(201)

        # 3. the answer is lost after the booking committed; the retry books nothing new
        body = json.dumps(ride(tomorrow_at(10))).encode()
        lost_session = resident(ids[2])
        _post_and_hang_up(lost_session, body, "queued-0001")
        _wait_for_rides(app, ids[2], 1)
        retry = lost_session.http.post(f"{base}/api/v1/requests", data=body, timeout=60,
                                       headers={"X-CSRFToken": lost_session.token,
                                                "Content-Type": "application/json",
                                                "Idempotency-Key": "queued-0001"})
        assert retry.status_code == 201, retry.text
        # 4. ... and when the retry comes at once, while the first is still being booked
        hasty_session = resident(ids[3])
        _post_and_hang_up(hasty_session, body, "queued-0002")
        again = hasty_session.http.post(f"{base}/api/v1/requests", data=body, timeout=60,
                                        headers={"X-CSRFToken": hasty_session.token,
                                                 "Content-Type": "application/json",
                                                 "Idempotency-Key": "queued-0002"})
        assert again.status_code == 201, again.text
        time.sleep(1)  # the hung-up booking has long finished (it held the day's lock)
    assert _rides(app, ids[2]) == 1
    assert _rides(app, ids[3]) == 1
    with app.app_context():
        keys = db.session.scalars(select(IdempotencyKey.key).order_by(IdempotencyKey.key)).all()
    assert keys == ["queued-0001", "queued-0002"]


def _office_and_resident(app: Flask) -> tuple[str, int, Engine]:
    """A coordinator's e-mail, a resident and the database engine (a volunteer on shift)."""
    with app.app_context():
        coord = make_staff(Role.COORDINATOR, "eving")
        make_volunteer(shift=(tomorrow_at(7), tomorrow_at(18)))
        resident = make_resident()
        db.session.commit()
        return coord.email, resident.id, db.engine


def _hold_the_day(holder: Connection) -> None:
    """Lock tomorrow's plan of Eving from another connection (as a long writer would)."""
    assert holder.execute(text("SELECT version FROM plan_days WHERE quarter_slug = 'eving' "
                               "AND service_day = :day FOR UPDATE"),
                          {"day": tomorrow_at(0)}).first()


@pytest.mark.postgres
def test_a_booking_that_waits_too_long_for_its_day_is_busy_and_books_nothing(
        pg_app: Flask, pg_database_url: str, street_network: Any) -> None:
    """Overload on PostgreSQL: a booking whose quarter-day stays locked longer than
    ``DISPATCH_PLAN_LOCK_WAIT_S`` answers 503 "busy" with Retry-After at once after that wait
    (not after the proxy's timeout), stores nothing, and books fine once the day is free."""
    coord_email, resident_id, engine = _office_and_resident(pg_app)
    with running_server(pg_database_url, env={"DISPATCH_PLAN_LOCK_WAIT_S": "2"}) as base:
        office = Session(base)
        office.login(coord_email, PASSWORD)
        first = office.post("/api/v1/requests", ride(tomorrow_at(9), resident_id=resident_id))
        assert first.status_code == 201, first.text
        holder = engine.connect()
        held = holder.begin()
        try:  # another writer holds the day (a long re-plan, a queue of bookings)
            _hold_the_day(holder)
            t0 = time.monotonic()
            busy = office.post("/api/v1/requests", ride(tomorrow_at(14),
                                                        resident_id=resident_id))
            waited = time.monotonic() - t0
        finally:
            held.rollback()
            holder.close()
        assert busy.status_code == 503, busy.text
        assert busy.json()["error"]["code"] == "busy"
        assert busy.json()["error"]["message"].startswith("Der Dienst ist gerade stark")
        assert busy.headers["Retry-After"] == "30"
        assert 2 <= waited < 10, waited
        assert _rides(pg_app, resident_id) == 1
        again = office.post("/api/v1/requests", ride(tomorrow_at(14), resident_id=resident_id))
        assert again.status_code == 201, again.text
        assert _rides(pg_app, resident_id) == 2


@pytest.mark.postgres
def test_requests_beyond_the_working_slots_wait_their_turn_then_are_busy(
        pg_app: Flask, pg_database_url: str, street_network: Any) -> None:
    """With one working slot per process (``DISPATCH_MAX_ACTIVE_REQUESTS=1``), a request that
    finds it taken waits ``DISPATCH_ADMISSION_WAIT_S`` and answers 503 busy; health checks are
    not held up; once the slot is free everything answers again."""
    coord_email, resident_id, engine = _office_and_resident(pg_app)
    env = {"DISPATCH_MAX_ACTIVE_REQUESTS": "1", "DISPATCH_ADMISSION_WAIT_S": "1",
           "DISPATCH_PLAN_LOCK_WAIT_S": "8"}
    with running_server(pg_database_url, env=env) as base:
        office = Session(base)
        office.login(coord_email, PASSWORD)
        assert office.post("/api/v1/requests", ride(
            tomorrow_at(9), resident_id=resident_id)).status_code == 201
        holder = engine.connect()
        held = holder.begin()
        slow: list[requests.Response] = []
        try:  # a booking waits for its day and holds the only slot meanwhile
            _hold_the_day(holder)
            booking = threading.Thread(target=lambda: slow.append(office.post(
                "/api/v1/requests", ride(tomorrow_at(14), resident_id=resident_id))))
            booking.start()
            time.sleep(1.0)  # the booking has the slot and waits for the lock
            t0 = time.monotonic()
            turned_away = office.get("/api/v1/me")
            waited = time.monotonic() - t0
            assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
        finally:
            held.rollback()
            holder.close()
        booking.join(60)
        assert turned_away.status_code == 503, turned_away.text
        assert turned_away.json()["error"]["code"] == "busy"
        assert turned_away.headers["Retry-After"] == "30"
        assert 1 <= waited < 5, waited
        assert len(slow) == 1, "the waiting booking got no answer"
        assert slow[0].status_code == 201, slow[0].text
        assert office.get("/api/v1/me").status_code == 200
        assert _rides(pg_app, resident_id) == 2
