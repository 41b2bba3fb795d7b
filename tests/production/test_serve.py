"""The production set under load and under faults: 2 gunicorn web processes behind nginx, the
job worker, PostgreSQL and a Redis of its own. One set for the module (started once)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import threading
import time
from collections.abc import Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any
from typing import TypeVar

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy import update

from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import RideRequest
from dispatch.models._types import utcnow
from tests.production.conftest import Prod

pytestmark = [pytest.mark.postgres, pytest.mark.reliability, pytest.mark.timeout(600)]

T = TypeVar("T")


def run_apart(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a thread of its own: a browser test's Playwright in this process
    keeps an event loop running on the main thread."""
    out: list[T] = []
    failed: list[BaseException] = []

    def main() -> None:
        try:
            out.append(asyncio.run(coro))
        except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=main, name="asyncio-scenario")
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return out[0]


def load_module() -> Any:
    import load  # benchmarks/load.py (put on sys.path by the prod fixture)

    return load


def report(name: str, figures: dict[str, Any]) -> None:
    """The figures of a test, on one line (pytest -s shows them; docs/BENCHMARKS.md)."""
    print(json.dumps({"test": name, **figures}))


def test_the_set_serves_through_nginx_with_request_ids_caching_and_closed_metrics(
        prod: Prod) -> None:
    base = prod.serve.url
    res = requests.get(f"{base}/readyz", headers={"X-Request-ID": "probe-4711"}, timeout=10)
    assert res.status_code == 200, res.text
    assert res.json()["redis"] == {"ok": True, "configured": True}
    assert res.headers["X-Request-ID"] == "probe-4711"
    fresh = requests.get(f"{base}/login", timeout=10)
    assert len(fresh.headers["X-Request-ID"]) >= 16  # nginx's own id, passed to the app
    static = requests.get(f"{base}/static/js/app.js", timeout=10)
    assert static.status_code == 200
    assert static.headers["Cache-Control"] == "public, max-age=3600"
    assert "ETag" in static.headers
    assert requests.get(f"{base}/sw.js", timeout=10).headers["Cache-Control"] == "no-cache"
    # metrics: never through nginx, nor from a proxied request; directly on loopback yes
    assert requests.get(f"{base}/metrics", timeout=10).status_code == 404
    web = prod.serve.web_url(prod.serve.web_ports[0])
    assert requests.get(f"{web}/metrics", timeout=10,
                        headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    text = requests.get(f"{web}/metrics", timeout=10).text
    assert "dispatch_http_request_duration_seconds_bucket" in text
    assert 'endpoint="health.readyz"' in text
    # a browser-like socket (it sends an Origin with nginx's port) is accepted through nginx
    from tests.live import LiveClient
    from tests.live import Session

    vol = Session(base)
    vol.login(prod.pop.volunteers[0], load_module().PASSWORD)
    live = LiveClient(vol).connect()
    assert "offers" in live.wait_for("snapshot")
    live.close()
    # the request id is in the web process's JSON log line of that request
    time.sleep(0.5)
    lines = [json.loads(line) for port in prod.serve.web_ports
             for line in prod.serve.webs[port].log.read_text().splitlines()
             if line.startswith("{") and "probe-4711" in line]
    assert any(r["path"] == "/readyz" and r["status"] == 200 for r in lines), lines


def test_load_short_every_offer_and_accept_arrives_and_plans_stay_sound(prod: Prod) -> None:
    """The 10 s version of ``benchmarks/load.py``: no error, no lost push, sound plans."""
    load = load_module()
    rate = float(os.environ.get("DISPATCH_LOAD_RATE", "3"))
    got = run_apart(load.run_load(prod.serve, prod.app, prod.pop, rate=rate, seconds=10))
    report("load_short", got)
    assert got["errors"] == 0, got
    assert got["bookings"] == int(rate * 10)
    assert got["offers_measured"] > 0, got
    assert got["accepts"] > 0, got
    assert got["lost_offers"] == 0, got
    assert got["lost_accept_resident"] == 0, got
    assert got["lost_accept_board"] == 0, got
    assert got["invariant_violations"] == 0, got["violations_sample"]


def _wait_until(pred: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _book_over_http(base: str, resident: Any, day: Any, rng: random.Random) -> requests.Response:
    load = load_module()
    return resident.post("/api/v1/requests", load.ride(rng, day))


def _resident_sessions(prod: Prod, n: int) -> list[Any]:
    from tests.live import Session

    coord = Session(prod.serve.url)
    coord.login(prod.pop.coordinators[0], load_module().PASSWORD)
    out = []
    for rid in prod.pop.residents[:n]:
        code = coord.post(f"/api/v1/residents/{rid}/login-code").json()["code"]
        s = Session(prod.serve.url)
        s.login_code(code)
        out.append(s)
    return out


def test_backup_taken_while_booking_restores_every_booking_committed_before_it(
        prod: Prod, tmp_path: Path) -> None:
    """pg_dump while three threads book over HTTP; pg_restore into a fresh database holds
    every booking whose answer came before the dump began."""
    url = sa.engine.make_url(prod.serve.database_url)
    residents = _resident_sessions(prod, 3)
    committed: list[tuple[int, float]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def booker(k: int) -> None:
        rng = random.Random(k)
        while not stop.is_set():
            res = _book_over_http(prod.serve.url, residents[k], prod.pop.days[k % 3], rng)
            assert res.status_code == 201, res.text
            with lock:
                committed.append((res.json()["request"]["id"], time.monotonic()))

    threads = [threading.Thread(target=booker, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    _wait_until(lambda: len(committed) >= 3)
    dump = tmp_path / "dispatch.dump"
    began = time.monotonic()
    subprocess.run(["pg_dump", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
                    "-U", url.username or "postgres", "-Fc", "-f", str(dump), url.database],
                   check=True)
    n = len(committed)
    _wait_until(lambda: len(committed) > n + 1)
    stop.set()
    for t in threads:
        t.join(60)
    before = {rid for rid, at in committed if at < began}
    assert before
    assert len(committed) > len(before)
    restored = f"{url.database}_restored"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{restored}"'))
    try:
        subprocess.run(["pg_restore", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
                        "-U", url.username or "postgres", "--no-owner", "-d", restored,
                        str(dump)], check=True)
        eng = sa.create_engine(url.set(database=restored))
        with eng.connect() as conn:
            ids = set(conn.execute(sa.text("SELECT id FROM ride_requests")).scalars())
        eng.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)'))
        admin.dispose()
    report("backup_postgresql", {"committed_before": len(before), "all": len(committed),
                                 "restored_requests": len(ids)})
    assert before <= ids


async def _connected(prod: Prod, roles: dict[str, int], first_index: int) -> dict[str, list]:
    """Log in and connect some clients of each role (from source addresses of their own)."""
    load = load_module()
    pop = load.Population(prod.pop.coordinators[:max(1, roles.get("coordinator", 0))],
                          prod.pop.volunteers[:roles.get("volunteer", 0)],
                          prod.pop.residents[:roles.get("resident", 0)], prod.pop.days)
    clients = await load.log_in_everyone(prod.serve.url, pop)
    for cs in clients.values():
        for c in cs:
            c.index += first_index
    return clients


async def _close(clients: dict[str, list]) -> None:
    for cs in clients.values():
        await asyncio.gather(*(c.close() for c in cs))


def _offer_of(app: Any, request_id: int) -> tuple[int, int, str] | None:
    with app.app_context():
        row = db.session.execute(select(Offer.id, Offer.volunteer_id, Offer.state)
                                 .where(Offer.request_id == request_id)
                                 .order_by(Offer.id.desc())).first()
        db.session.remove()
    return None if row is None else (int(row[0]), int(row[1]), str(row[2]))


async def _wait(pred: Any, timeout: float = 60) -> float:
    t0 = time.perf_counter()
    while not pred():
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError
        await asyncio.sleep(0.1)
    return time.perf_counter() - t0


def test_killed_worker_back_expires_offers_and_the_push_arrives(prod: Prod) -> None:
    """SIGKILL the worker; an offer runs out meanwhile; the worker comes back, expires it at
    once and the request passes on; the new offer reaches its volunteer's socket."""

    async def scenario() -> dict[str, Any]:
        clients = await _connected(prod, {"coordinator": 1, "volunteer": 12, "resident": 1}, 0)
        resident = clients["resident"][0]
        prod.serve.worker.kill()  # type: ignore[union-attr]
        status, data = await resident.post("/api/v1/requests",
                                           load_module().ride(random.Random(7), prod.pop.days[0]))
        assert status == 201, data
        rid = int(data["request"]["id"])
        first = _offer_of(prod.app, rid)
        assert first is not None
        assert first[2] == "open"
        with prod.app.app_context():  # its time runs out while no worker runs
            db.session.execute(update(Offer).where(Offer.id == first[0])
                               .values(expires_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
            db.session.remove()
        await asyncio.sleep(2)
        assert _offer_of(prod.app, rid)[2] == "open"  # type: ignore[index]
        t0 = time.perf_counter()
        prod.serve.start_worker()
        await _wait(lambda: _offer_of(prod.app, rid) != first, 120)
        expired_after = time.perf_counter() - t0
        with prod.app.app_context():
            state = db.session.get(Offer, first[0]).state  # type: ignore[union-attr]
            req_state = db.session.get(RideRequest, rid).state  # type: ignore[union-attr]
            db.session.remove()
        assert state == "expired"
        new = _offer_of(prod.app, rid)
        vols = {c.person_id: c for c in clients["volunteer"]}
        pushed_after = None
        if req_state == "offered":
            assert new is not None
            assert new[0] != first[0]
            holder = vols[new[1]]
            pushed_after = await _wait(lambda: any(
                d["offer"]["id"] == new[0] for d, _ in holder.of("offer.created")), 60)
        await _close(clients)
        return {"expired_after_restart_s": round(expired_after, 1), "request_state": req_state,
                "new_offer_pushed_after_s": pushed_after and round(pushed_after, 2)}

    report("worker_killed", run_apart(scenario()))


def test_redis_restart_pushes_resume(prod: Prod) -> None:
    """Stop Redis: /readyz says why; start it again: a new booking's offer arrives."""

    async def scenario() -> dict[str, Any]:
        clients = await _connected(prod, {"coordinator": 1, "volunteer": 12, "resident": 2}, 0)
        prod.redis.stop()
        web = prod.serve.web_url(prod.serve.web_ports[0])
        down = requests.get(f"{web}/readyz", timeout=20)
        assert down.status_code == 503
        assert any(r.startswith("redis") for r in down.json()["reasons"])
        await asyncio.sleep(1)
        prod.redis.start()
        t0 = time.perf_counter()
        await _wait(lambda: requests.get(f"{web}/readyz", timeout=20).status_code == 200, 60)
        vols = {c.person_id: c for c in clients["volunteer"]}
        rng = random.Random(11)
        attempts = 0
        while True:  # the web processes' queue listeners re-subscribe after a back-off
            attempts += 1
            resident = clients["resident"][attempts % 2]
            status, data = await resident.post("/api/v1/requests",
                                               load_module().ride(rng, prod.pop.days[1]))
            assert status == 201, data
            offer = _offer_of(prod.app, int(data["request"]["id"]))
            if offer is None:
                continue
            try:
                await _wait(lambda o=offer: any(d["offer"]["id"] == o[0] for d, _ in
                                                vols[o[1]].of("offer.created")), 5)
                break
            except TimeoutError:
                assert time.perf_counter() - t0 < 90, "pushes did not resume in 90 s"
        resumed = time.perf_counter() - t0
        await _close(clients)
        return {"pushes_resumed_after_s": round(resumed, 1), "bookings_tried": attempts}

    report("redis_restart", run_apart(scenario()))


def test_killed_web_process_clients_reconnect_to_the_other_with_a_fresh_snapshot(
        prod: Prod) -> None:
    """SIGKILL one web process: its clients reconnect through nginx to the other and get a
    fresh snapshot; every booking answered before the kill is still there (last test: the set
    keeps one web process)."""

    async def scenario() -> dict[str, Any]:
        clients = await _connected(prod, {"coordinator": 2, "volunteer": 12, "resident": 8}, 0)
        everyone = [c for cs in clients.values() for c in cs]
        snapshots = {id(c): len(c.of("snapshot")) for c in everyone}
        rng = random.Random(5)
        booked = []
        for k in range(6):
            status, data = await clients["resident"][k].post(
                "/api/v1/requests", load_module().ride(rng, prod.pop.days[2]))
            assert status == 201, data
            booked.append(int(data["request"]["id"]))
        victim = prod.serve.web_ports[0]
        t0 = time.perf_counter()
        prod.serve.webs[victim].kill()
        await asyncio.sleep(1)
        dropped = [c for c in everyone if c.disconnects > 0]
        assert dropped, "no client was on the killed process"
        assert len(dropped) < len(everyone), "every client was on the killed process"
        await _wait(lambda: all(len(c.of("snapshot")) > snapshots[id(c)] and c.sio is not None
                                and c.sio.connected for c in dropped), 90)
        back = time.perf_counter() - t0
        for k, rid in enumerate(booked):
            status, data = await clients["resident"][k].get(f"/api/v1/requests/{rid}")
            assert status == 200
            assert data["request"]["id"] == rid
        await _close(clients)
        return {"clients": len(everyone), "on_killed_process": len(dropped),
                "all_reconnected_with_snapshot_s": round(back, 1), "bookings_kept": len(booked)}

    report("web_killed", run_apart(scenario()))
