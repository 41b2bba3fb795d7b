"""Two server processes on loopback sharing Redis and PostgreSQL: an event caused through one
reaches a client connected to the other."""

from __future__ import annotations

import os
from typing import Any

import pytest
from flask import Flask

from dispatch.extensions import db
from dispatch.models import Role
from tests.factories import PASSWORD
from tests.factories import make_resident
from tests.factories import make_staff
from tests.factories import make_volunteer
from tests.live import LiveClient
from tests.live import Session
from tests.live import running_server
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.scenario
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - reported
        if os.environ.get("CI"):
            pytest.fail(f"Redis must answer on {REDIS_URL} in CI: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    return REDIS_URL


@pytest.mark.postgres
def test_event_crosses_processes_through_redis(redis_url: str, pg_app: Flask,
                                               pg_database_url: str, tmp_path: Any) -> None:
    app, database_url = pg_app, pg_database_url
    with app.app_context():
        coord = make_staff(Role.COORDINATOR, "eving")
        vol = make_volunteer(shift=(tomorrow_at(7), tomorrow_at(14)))
        resident = make_resident()
        db.session.commit()
        coord_email, vol_email, resident_id = coord.email, vol.email, resident.id
    with running_server(database_url, redis_url=redis_url, log=tmp_path / "a.log") as a, \
            running_server(database_url, redis_url=redis_url, log=tmp_path / "b.log") as b:
        # the volunteer and the coordinator watch through server B
        vol_b = Session(b)
        vol_b.login(vol_email, PASSWORD)
        vol_live = LiveClient(vol_b).connect()
        coord_b = Session(b)
        coord_b.login(coord_email, PASSWORD)
        board_live = LiveClient(coord_b).connect()
        vol_live.wait_for("snapshot")
        board_live.wait_for("snapshot")
        # the resident books through server A
        coord_a = Session(a)
        coord_a.login(coord_email, PASSWORD)
        code = coord_a.post(f"/api/v1/residents/{resident_id}/login-code").json()["code"]
        resident_a = Session(a)
        resident_a.login_code(code)
        body = {"kind": "ride", "time": tomorrow_at(9).isoformat(),
                "pickup": {"address": "Evinger Straße 209", "lat": 51.55051, "lon": 7.46352},
                "dropoff": {"address": "Deutsche Straße 10", "lat": 51.5449, "lon": 7.4627}}
        res = resident_a.post("/api/v1/requests", body)
        assert res.status_code == 201, res.text
        rid = res.json()["request"]["id"]
        offer = vol_live.wait_for("offer.created", lambda d: d["offer"]["request"]["id"] == rid)
        board_live.wait_for("board.changed")
        # accepting through B reaches the resident's client on A
        resident_live = LiveClient(resident_a).connect()
        resident_live.wait_for("snapshot")
        assert vol_b.post(f"/api/v1/offers/{offer['offer']['id']}/accept").status_code == 200
        resident_live.wait_for("request.updated", lambda d: d["request"]["state"] == "accepted")
        for c in (vol_live, board_live, resident_live):
            c.close()

