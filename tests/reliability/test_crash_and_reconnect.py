"""Nothing is lost: a killed server comes back with every booking, and a client that was away
gets everything it missed in the snapshot on reconnect."""

from __future__ import annotations

import signal
from typing import Any

import pytest
from flask import Flask

from dispatch.extensions import db
from dispatch.models import Role
from tests.factories import PASSWORD
from tests.factories import make_resident
from tests.factories import make_staff
from tests.factories import make_volunteer
from tests.live import PROCESSES
from tests.live import LiveClient
from tests.live import Session
from tests.live import free_port
from tests.live import running_server
from tests.quarter import ride
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.reliability


def _people(app: Flask) -> tuple[str, str, int]:
    with app.app_context():
        coord = make_staff(Role.COORDINATOR, "eving")
        vol = make_volunteer(shift=(tomorrow_at(7), tomorrow_at(14)))
        res = make_resident()
        db.session.commit()
        return coord.email, vol.email, res.id


def test_killed_server_loses_no_booking_and_reconnect_gets_a_snapshot(
        app: Flask, database_url: str, tmp_path: Any) -> None:
    coord_email, vol_email, resident_id = _people(app)
    port = free_port()
    with running_server(database_url, port=port, log=tmp_path / "1.log") as base:
        coord = Session(base)
        coord.login(coord_email, PASSWORD)
        code = coord.post(f"/api/v1/residents/{resident_id}/login-code").json()["code"]
        resident = Session(base)
        resident.login_code(code)
        vol = Session(base)
        vol.login(vol_email, PASSWORD)
        live = LiveClient(vol).connect()
        assert live.wait_for("snapshot")["offers"] == []
        live.close()  # the volunteer's phone loses its connection
        rid = resident.post("/api/v1/requests", ride(tomorrow_at(9))).json()["request"]["id"]
        # the server dies hard, without any shutdown
        PROCESSES[base].send_signal(signal.SIGKILL)
        PROCESSES[base].wait(10)
    with running_server(database_url, port=port, log=tmp_path / "2.log") as base:
        # sessions survive (signed cookies); the booking is still there
        resident.base = vol.base = base
        got = resident.get(f"/api/v1/requests/{rid}").json()["request"]
        assert got["state"] == "offered"
        back = LiveClient(vol).connect()
        snap = back.wait_for("snapshot")
        assert [o["request"]["id"] for o in snap["offers"]] == [rid]
        back.close()

