"""``flask backup create`` on SQLite (online backup API) while bookings run over HTTP: the
copy holds every booking answered before the backup began and passes its integrity check."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from dispatch.extensions import db
from dispatch.models import Role
from tests.conftest import make_app
from tests.factories import PASSWORD
from tests.factories import make_resident
from tests.factories import make_staff
from tests.factories import make_volunteer
from tests.live import Session
from tests.live import running_server
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.reliability
LAT, LON = (51.542, 51.556), (7.455, 7.475)


def _ride(rng: random.Random) -> dict[str, object]:
    def place(name: str) -> dict[str, object]:
        return {"address": name, "lat": rng.uniform(*LAT), "lon": rng.uniform(*LON)}

    return {"kind": "ride", "pickup": place("Start"), "dropoff": place("Ziel"),
            "time_mode": "pickup_after",
            "time": tomorrow_at(7 + rng.randrange(10), rng.randrange(0, 60, 5)).isoformat(),
            # random places may fall close to an earlier ride of the same person: that is meant
            "confirm_duplicate": True}


def _wait_until(pred: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_sqlite_online_backup_while_booking_has_every_booking_committed_before_it(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    app = make_app(url)
    with app.app_context():
        coord = make_staff(Role.COORDINATOR, "eving").email
        for _ in range(6):
            make_volunteer(shift=(tomorrow_at(6), tomorrow_at(20)))
        residents = [make_resident().id for _ in range(3)]
        db.session.commit()
        db.engine.dispose()
    with running_server(url, log=tmp_path / "server.log") as base:
        staff = Session(base)
        staff.login(coord, PASSWORD)
        sessions = []
        for rid in residents:
            s = Session(base)
            s.login_code(staff.post(f"/api/v1/residents/{rid}/login-code").json()["code"])
            sessions.append(s)
        committed: list[tuple[int, float]] = []
        lock = threading.Lock()
        stop = threading.Event()

        def booker(k: int) -> None:
            rng = random.Random(k)
            while not stop.is_set():
                res = sessions[k].post("/api/v1/requests", _ride(rng))
                assert res.status_code == 201, res.text
                with lock:
                    committed.append((res.json()["request"]["id"], time.monotonic()))

        threads = [threading.Thread(target=booker, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        _wait_until(lambda: len(committed) >= 3)
        dest = tmp_path / "backup" / "dispatch.sqlite3"
        began = time.monotonic()
        # the real command, in this process (a second interpreter would take longer to start)
        out = app.test_cli_runner().invoke(args=["backup", "create", str(dest)])
        assert out.exit_code == 0, out.output
        n = len(committed)
        _wait_until(lambda: len(committed) > n + 1)
        stop.set()
        for t in threads:
            t.join(60)
    assert "integrity ok" in out.output, out.output
    before = {rid for rid, at in committed if at < began}
    assert before
    with sqlite3.connect(dest) as conn:
        ids = {row[0] for row in conn.execute("SELECT id FROM ride_requests")}
    assert before <= ids
    print({"committed_before": len(before), "all": len(committed), "in_backup": len(ids)})
