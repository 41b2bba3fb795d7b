"""A booking repeated with the same ``Idempotency-Key`` books once, whether the repeat comes
after the answer or at the same instant (real server, real threads, both databases)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

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


def _post(session: Session, body: dict[str, Any], key: str) -> requests.Response:
    return session.http.post(f"{session.base}/api/v1/requests", json=body, timeout=60,
                             headers={"X-CSRFToken": session.token, "Idempotency-Key": key})


def test_a_repeated_key_books_once(app: Flask, database_url: str, street_network: Any) -> None:
    with app.app_context():
        coord = make_staff(Role.COORDINATOR, "eving")
        make_volunteer(shift=(tomorrow_at(7), tomorrow_at(14)))
        resident = make_resident()
        db.session.commit()
        coord_email, resident_id = coord.email, resident.id
    with running_server(database_url) as base:
        office = Session(base)
        office.login(coord_email, PASSWORD)
        body = ride(tomorrow_at(9), resident_id=resident_id, return_after_minutes=30)
        first = _post(office, body, "key-after")
        again = _post(office, body, "key-after")
        assert first.status_code == again.status_code == 201
        assert again.json()["request"]["id"] == first.json()["request"]["id"]
        # ten at the same instant with one key: one booking, ten equal answers
        sessions = []
        for _ in range(10):
            s = Session(base)
            s.http.cookies.update(office.http.cookies)
            s.token = office.token
            sessions.append(s)
        barrier = threading.Barrier(len(sessions))
        answers: list[requests.Response] = []
        lock = threading.Lock()

        def book(s: Session) -> None:
            barrier.wait()
            res = _post(s, ride(tomorrow_at(11), resident_id=resident_id), "key-race")
            with lock:
                answers.append(res)

        threads = [threading.Thread(target=book, args=(s,)) for s in sessions]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert sorted(r.status_code for r in answers) == [201] * 10, [r.text for r in answers]
        assert len({r.json()["request"]["id"] for r in answers}) == 1
        bad = _post(office, body, "x" * 81)
        assert bad.status_code == 422
    with app.app_context():
        # outbound + return of the first booking, one ride of the race
        assert db.session.scalar(select(func.count()).select_from(RideRequest)) == 3
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 2
