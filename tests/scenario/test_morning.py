"""A morning in Eving, end to end: a real server, real Socket.IO clients, SQLite and PostgreSQL.

Four volunteers and twelve residents; rides and escorts are booked through the API; each
volunteer's client receives its offers live and accepts them; the coordinator's client sees the
board change; the volunteers report their stops; every request ends completed or unservable
with a reason.
"""

from __future__ import annotations

import time
from datetime import datetime
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
from tests.quarter import EVING_HOMES as HOMES
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.scenario

SURGERY = {"address": "Arztpraxis Evinger Mitte", "lat": 51.5483, "lon": 7.4655}
MARKET = {"address": "Supermarkt Deutsche Straße", "lat": 51.5452, "lon": 7.4635}


def _setup_people(app: Flask) -> dict[str, Any]:
    shift = (tomorrow_at(7), tomorrow_at(14))
    with app.app_context():
        coord = make_staff(Role.COORDINATOR, "eving")
        vols = [
            make_volunteer(lat=51.5480, lon=7.4650, shift=shift, gender="f",
                           languages=["de", "en"], vehicle_seats=3),
            make_volunteer(lat=51.5530, lon=7.4600, shift=shift, gender="m",
                           languages=["de", "tr"], vehicle_seats=3, wheelchair_places=1),
            make_volunteer(lat=51.5465, lon=7.4640, shift=shift, gender="f",
                           languages=["de", "pl"], drives=False, escorts_on_foot=True,
                           vehicle_seats=0),
            make_volunteer(lat=51.5500, lon=7.4700, shift=shift, gender="m", languages=["de"],
                           vehicle_seats=4),
        ]
        residents = []
        for i, (_addr, lat, lon) in enumerate(HOMES):
            extra: dict[str, Any] = {"gender": "f" if i % 2 == 0 else "m",
                                     "languages": ["de"]}
            if i in (1, 7):
                extra["mobility_aids"] = ["wheelchair"]
            if i in (3, 9):
                extra["languages"] = ["tr"]
            if i == 4:
                extra["same_gender"] = "hard"
            residents.append(make_resident(lat=lat, lon=lon, **extra))
        db.session.commit()
        return {"coordinator": coord.email, "volunteers": [v.email for v in vols],
                "residents": [r.id for r in residents]}


def _bookings() -> list[tuple[int, dict[str, Any]]]:
    """(resident index, request body) for the morning."""
    out = []
    for i, (addr, lat, lon) in enumerate(HOMES):
        home = {"address": addr, "lat": lat, "lon": lon}
        t: datetime = tomorrow_at(8 + (i * 20) // 60, (i * 20) % 60)
        if i in (2, 6, 10):
            body = {"kind": "escort_walk", "pickup": home, "dropoff": MARKET}
        elif i == 5:
            body = {"kind": "ride_escort", "pickup": home, "dropoff": SURGERY}
        else:
            body = {"kind": "ride", "pickup": home, "dropoff": SURGERY if i % 2 else MARKET}
        body.update({"time_mode": "pickup_after", "time": t.isoformat()})
        out.append((i, body))
    return out


def _offer_for(clients: list[LiveClient], request_id: int,
               timeout: float = 15) -> tuple[int, dict[str, Any]]:
    """Wait until one client received ``offer.created`` for the request; (index, offer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for k, c in enumerate(clients):
            for ev in c.of("offer.created"):
                if ev["offer"]["request"]["id"] == request_id:
                    return k, ev["offer"]
        time.sleep(0.02)
    raise AssertionError(f"no volunteer socket got the offer for request {request_id}")


def test_a_morning_of_rides_and_escorts(app: Flask, database_url: str, tmp_path: Any) -> None:
    people = _setup_people(app)
    with running_server(database_url, log=tmp_path / "server.log") as base:
        coord = Session(base)
        coord.login(people["coordinator"], PASSWORD)
        board_client = LiveClient(coord).connect()
        vol_sessions = []
        vol_clients = []
        for email in people["volunteers"]:
            s = Session(base)
            s.login(email, PASSWORD)
            vol_sessions.append(s)
            vol_clients.append(LiveClient(s).connect())
        board_client.wait_for("snapshot")
        for c in vol_clients:
            c.wait_for("snapshot")
        residents = []
        for rid in people["residents"]:
            code = coord.post(f"/api/v1/residents/{rid}/login-code").json()["code"]
            s = Session(base)
            s.login_code(code)
            residents.append(s)
        first_resident_live = LiveClient(residents[0]).connect()

        booked: dict[int, dict[str, Any]] = {}
        for i, body in _bookings():
            res = residents[i].post("/api/v1/requests", body)
            assert res.status_code == 201, res.text
            req = res.json()["request"]
            booked[req["id"]] = req
            if req["state"] == "unservable":
                assert req["reason"]["code"]
                assert req["reason"]["text"]
                continue
            assert req["state"] == "offered", req
            # the offer arrives live at exactly one volunteer's socket, who accepts it
            holder, offer = _offer_for(vol_clients, req["id"])
            acc = vol_sessions[holder].post(f"/api/v1/offers/{offer['id']}/accept")
            assert acc.status_code == 200, acc.text

        # wheelchair rides went to the van with the wheelchair place, walks to the walker
        board = coord.get("/api/v1/board").json()
        by_request = {s["request_id"]: t["volunteer"]["id"] for t in board["trips"]
                      for s in t["stops"]}
        vol_ids = [s.get("/api/v1/me").json()["person"]["id"] for s in vol_sessions]
        for rid, req in booked.items():
            if req["state"] == "unservable":
                continue
            if req["mobility_aids"] == ["wheelchair"]:
                assert by_request[rid] == vol_ids[1]
            if req["kind"] == "escort_walk":
                assert by_request[rid] == vol_ids[2]

        # the volunteers drive their routes and report every stop
        for s in vol_sessions:
            for trip in s.get("/api/v1/trips/today").json()["trips"]:
                for stop in trip["stops"]:
                    steps = ["arrived", "picked_up"] if stop["kind"] == "pickup" else \
                        ["dropped_off"]
                    for action in steps:
                        r = s.post(f"/api/v1/stops/{stop['id']}/{action}")
                        assert r.status_code == 200, r.text

        final = {r["id"]: r for r in coord.get("/api/v1/requests").json()["requests"]}
        assert set(booked) <= set(final)
        served = [r for r in final.values() if r["state"] == "completed"]
        for r in final.values():
            assert r["state"] in {"completed", "unservable"}, r
            if r["state"] == "unservable":
                assert r["reason"]["text"]
        assert len(served) >= 10

        # live pushes reached the board and the resident
        assert len(board_client.of("board.changed")) >= len(booked)
        assert any(e["request"]["state"] == "completed"
                   for e in first_resident_live.of("request.updated"))
        for c in (board_client, first_resident_live, *vol_clients):
            c.close()
