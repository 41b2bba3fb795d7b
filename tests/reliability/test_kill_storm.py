"""A live server killed with SIGKILL at random moments while residents book and volunteers
accept over HTTP, restarted after each kill: every booking a client saw answered 201 is stored
exactly once (clients retry a lost answer with the same ``Idempotency-Key``), every accept seen
as 200 stays accepted, nothing is half-written and every stored booking was placed.

20 kills on SQLite and 5 on PostgreSQL in the default run; 20 on both with
``DISPATCH_KILLS`` set (``make fuzz`` sets it). The server restarts from a warm parent
(``tests/reliability/warm_server.py``) so that a restart costs a second, not a graph load.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.settings import PROJECT_ROOT
from tests.factories import PASSWORD
from tests.factories import make_resident
from tests.factories import make_staff
from tests.factories import make_volunteer
from tests.invariants import violations
from tests.live import Session
from tests.live import free_port
from tests.live import server_exceptions
from tests.quarter import EVING_HOMES
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.reliability

SURGERY = {"address": "Arztpraxis Evinger Mitte", "lat": 51.5483, "lon": 7.4655}
VOLUNTEER_HOMES = [(51.5480, 7.4650), (51.5530, 7.4600), (51.5500, 7.4700)]


def kills_for(database: str) -> int:
    """How often the server is killed on this database."""
    if os.environ.get("DISPATCH_KILLS"):
        return int(os.environ["DISPATCH_KILLS"])
    return 10 if database == "sqlite" else 5


class WarmServer:
    """The warm parent and its current serving child on a fixed loopback port."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(self.port),
               "SECRET_KEY": "live-test-secret", "REDIS_URL": "", "PYTHONUNBUFFERED": "1",
               "DISPATCH_BACKGROUND": "0", "DISPATCH_BOOKINGS_PER_10_MIN": "0",
               "WARM_SERVER_LOG": str(log)}
        self.parent = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.warm_server"], cwd=PROJECT_ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log.open("ab"), text=True)
        self.child = 0

    def start(self, timeout_s: float = 600) -> None:
        """Fork a serving process and wait until it answers."""
        assert self.parent.stdin is not None
        assert self.parent.stdout is not None
        self.parent.stdin.write("fork\n")
        self.parent.stdin.flush()
        line = self.parent.stdout.readline()  # the first one waits for the graph
        if not line.strip().isdigit():
            raise RuntimeError(f"the warm server did not fork: {line!r}\n{self.tail()}")
        self.child = int(line)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if requests.get(f"{self.base}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass  # not listening yet, or too busy to answer in time
            if not self._alive():
                raise RuntimeError(f"the server {self.child} died on start:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer on /healthz:\n{self.tail()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the serving process; return once it is dead (its sockets are closed)."""
        os.kill(self.child, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{self.child}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (FileNotFoundError, ProcessLookupError):
                return
            if state in ("Z", "X"):  # dead, waiting for the warm parent to reap it
                break
            time.sleep(0.01)
        else:
            raise TimeoutError(f"the killed server {self.child} still runs")
        while not self._port_free():  # its other threads may still be closing sockets
            if time.monotonic() > deadline:
                raise TimeoutError(f"port {self.port} still taken after the kill")
            time.sleep(0.01)

    def _port_free(self) -> bool:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", self.port))
            except OSError:
                return False
            return True

    def _alive(self) -> bool:
        try:
            state = Path(f"/proc/{self.child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        return state not in ("Z", "X")

    def close(self) -> None:
        if self.child:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.child, signal.SIGKILL)
        if self.parent.stdin is not None:
            self.parent.stdin.close()
        try:
            self.parent.wait(20)
        except subprocess.TimeoutExpired:
            self.parent.kill()
            self.parent.wait(5)

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


@pytest.fixture
def warm_server(database_url: str, tmp_path: Path) -> Iterator[WarmServer]:
    server = WarmServer(database_url, tmp_path / "server.log")
    try:
        yield server
    finally:
        server.close()


@dataclass
class Seen:
    """What the clients were told (shared by the client threads)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    booked: dict[str, int] = field(default_factory=dict)  # note tag -> request id (201)
    tried: list[str] = field(default_factory=list)  # every note tag sent
    accepted: dict[int, int] = field(default_factory=dict)  # offer id -> request id (200)
    statuses: Counter[int] = field(default_factory=Counter)
    lost: int = 0  # answers that never came (connection refused or cut)
    done: int = 0  # bookings and accepts that succeeded

    def wait_for_progress(self, timeout_s: float = 120) -> None:
        """Until one more booking or accept succeeds (so each life of the server does work)."""
        with self.lock:
            mark = self.done
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if self.done > mark:
                    return
            time.sleep(0.02)


def _send(session: Session, seen: Seen, path: str, body: Any = None,
          key: str | None = None, stop: threading.Event | None = None) -> Any:
    """POST until an answer comes (the server may be down); the same key every time."""
    headers = {"X-CSRFToken": session.token, **({"Idempotency-Key": key} if key else {})}
    while stop is None or not stop.is_set():
        try:
            res = session.http.post(session.base + path, json=body or {}, headers=headers,
                                    timeout=60)
        except requests.RequestException:
            with seen.lock:
                seen.lost += 1
            time.sleep(0.05)
            continue
        with seen.lock:
            seen.statuses[res.status_code] += 1
            seen.done += res.status_code in (200, 201)
        return res
    return None


def _resident_loop(session: Session, k: int, seen: Seen, stop: threading.Event) -> None:
    n = 0
    home = EVING_HOMES[k % len(EVING_HOMES)]
    while not stop.is_set():
        n += 1
        tag = f"crash-{k}-{n}"
        minute = (k * 7 + n * 11) % 600
        body = {"kind": "ride", "time_mode": "pickup_after", "notes": tag,
                "pickup": {"address": home[0], "lat": home[1], "lon": home[2]},
                "dropoff": SURGERY, "confirm_duplicate": True,
                "time": tomorrow_at(7 + minute // 60, minute % 60).isoformat()}
        with seen.lock:
            seen.tried.append(tag)
        res = _send(session, seen, "/api/v1/requests", body, key=uuid.uuid4().hex, stop=stop)
        if res is not None and res.status_code == 201:
            with seen.lock:
                seen.booked[tag] = res.json()["request"]["id"]


def _volunteer_loop(session: Session, seen: Seen, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            offers = session.http.get(session.base + "/api/v1/offers", timeout=30).json()["offers"]
        except (requests.RequestException, ValueError, KeyError):
            time.sleep(0.05)
            continue
        for offer in offers[:2]:
            res = _send(session, seen, f"/api/v1/offers/{offer['id']}/accept", stop=stop)
            if res is not None and res.status_code == 200:
                with seen.lock:
                    seen.accepted[offer["id"]] = offer["request"]["id"]
        time.sleep(0.05)


def _people(app: Flask) -> tuple[str, list[str], list[int]]:
    shift = (tomorrow_at(6), tomorrow_at(20))
    with app.app_context():
        coord = make_staff(Role.COORDINATOR, "eving")
        vols = [make_volunteer(lat=lat, lon=lon, shift=shift, vehicle_seats=3,
                               languages=["de"]) for lat, lon in VOLUNTEER_HOMES]
        res = [make_resident(lat=h[1], lon=h[2], languages=["de"]) for h in EVING_HOMES[:3]]
        db.session.commit()
        return coord.email, [v.email for v in vols], [r.id for r in res]


def _stored(app: Flask) -> tuple[dict[str, list[int]], dict[int, str], dict[int, str]]:
    """Request ids by note tag, state by request id, offer states by offer id."""
    with app.app_context():
        by_tag: dict[str, list[int]] = {}
        states: dict[int, str] = {}
        for rid, notes, state in db.session.execute(
                select(RideRequest.id, RideRequest.notes, RideRequest.state)):
            by_tag.setdefault(notes, []).append(rid)
            states[rid] = state
        offers = dict(db.session.execute(select(Offer.id, Offer.state)).all())
        db.session.remove()
        return by_tag, states, {int(k): str(v) for k, v in offers.items()}


def test_a_server_killed_again_and_again_loses_and_doubles_nothing(
        app: Flask, database_url: str, warm_server: WarmServer) -> None:
    database = database_url.split(":")[0].split("+")[0]
    kills = kills_for(database)
    coord_email, vol_emails, resident_ids = _people(app)
    rng = random.Random(20261201)
    warm_server.start()
    office = Session(warm_server.base)
    office.login(coord_email, PASSWORD)
    residents = []
    for rid in resident_ids:
        code = office.post(f"/api/v1/residents/{rid}/login-code").json()["code"]
        s = Session(warm_server.base)
        s.login_code(code)
        residents.append(s)
    volunteers = []
    for email in vol_emails:
        s = Session(warm_server.base)
        s.login(email, PASSWORD)
        volunteers.append(s)

    seen, stop = Seen(), threading.Event()
    threads = [threading.Thread(target=_resident_loop, args=(s, k, seen, stop))
               for k, s in enumerate(residents)]
    threads += [threading.Thread(target=_volunteer_loop, args=(s, seen, stop))
                for s in volunteers]
    for t in threads:
        t.start()
    try:
        for _ in range(kills):
            seen.wait_for_progress()
            time.sleep(rng.uniform(0, 0.5))  # the next bookings and accepts are under way
            warm_server.kill()
            warm_server.start()
        time.sleep(1.0)
    finally:
        stop.set()
        for t in threads:
            t.join(120)
    by_tag, states, offers = _stored(app)

    problems = []
    for tag, rid in seen.booked.items():
        if by_tag.get(tag) != [rid]:
            problems.append(f"{tag} answered 201 as request {rid}, stored as {by_tag.get(tag)}")
    for tag in seen.tried:
        if len(by_tag.get(tag, [])) > 1:
            problems.append(f"{tag} stored {len(by_tag[tag])} times: {by_tag[tag]}")
    for offer_id, rid in seen.accepted.items():
        if offers.get(offer_id) != "accepted":
            problems.append(f"offer {offer_id} answered 200, stored {offers.get(offer_id)}")
        if states.get(rid) not in ("accepted", "en_route", "picked_up"):
            problems.append(f"request {rid} of accepted offer {offer_id} is {states.get(rid)}")
    stuck = sorted(rid for rid, state in states.items() if state == "requested")
    if stuck:
        problems.append(f"stored but never placed: {stuck}")
    problems += violations(app)
    summary = (f"{database}: {kills} kills, {len(seen.tried)} bookings sent, "
               f"{len(seen.booked)} answered 201, {len(seen.accepted)} accepts answered 200, "
               f"{seen.lost} answers lost, statuses {dict(sorted(seen.statuses.items()))}, "
               f"server exceptions {server_exceptions(warm_server.log)}")
    print(summary)
    assert not problems, summary + "\n" + "\n".join(problems[:20])
    assert all(s < 500 for s in seen.statuses), summary
    assert len(seen.booked) >= kills, f"too little load: {summary}\n{warm_server.tail()}"
    assert seen.accepted, f"too little load: {summary}"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RideRequest)) == sum(
            len(v) for v in by_tag.values())
