"""Load test of the production set: web processes behind nginx, the job worker, PostgreSQL and
Redis, with Socket.IO clients of every role and an open-loop stream of bookings.

Every client is an ``aiohttp`` session with a source address of its own (``127.0.K.1``, so
nginx's ``ip_hash`` spreads them over the web processes as it would spread real phones) and a
python-socketio ``AsyncClient`` on the same session. Volunteers accept every offer that reaches
their socket. Measured: booking → ``offer.created`` at the volunteer's socket (p50/p95/p99),
errors (any 5xx, any unexpected status, any exception, any unexpected disconnect), lost pushes
(an offer stored in the database that never reached its volunteer's socket; an accept whose
``request.updated`` never reached the resident or the quarter's board), CPU seconds per
process, and afterwards the planning invariants (:func:`tests.invariants.violations`).

    python benchmarks/load.py [--clients 200] [--rate 30] [--seconds 60] [--web 2]

Brings up its own set (:class:`dispatch.deploy.serve.ServeSet`) on a fresh PostgreSQL
database and the Redis at ``--redis-url``; prints one JSON object per line, the last one the
summary. ``tests/production/test_serve.py`` runs a 10 s version of the same code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.factories import PASSWORD  # noqa: E402
from tests.live import cpu_seconds  # noqa: E402

# a box in Eving where every point is near a street
LAT, LON = (51.542, 51.556), (7.455, 7.475)
#: booking statuses that are answers, not errors (an unservable ride is still a 201)
BOOKING_OK = {201}
#: accept statuses that are answers: taken meanwhile or expired (409)
ACCEPT_OK = {200, 409}


def pct(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (nearest rank) of ``values``; None when empty."""
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(q * (len(values) - 1))))], 1)


@dataclass
class Population:
    """Who takes part: e-mails of staff, ids of residents, the service days booked."""

    coordinators: list[str]
    volunteers: list[str]
    residents: list[int]
    days: list[datetime]


def populate(app: Any, *, coordinators: int, volunteers: int, residents: int, days: int,
             seed: int = 1) -> Population:
    """Coordinators, volunteers on shift 6-20 on each of ``days`` days from tomorrow, and
    residents, all in Eving (real rows through the test factories)."""
    from dispatch.extensions import db
    from dispatch.models import Role
    from dispatch.models import Shift
    from tests.factories import make_resident
    from tests.factories import make_staff
    from tests.factories import make_volunteer
    from tests.quarter import tomorrow_at

    rng = random.Random(seed)
    first = tomorrow_at(0)
    day_list = [first + timedelta(days=d) for d in range(days)]
    with app.app_context():
        coords = [make_staff(Role.COORDINATOR, "eving").email for _ in range(coordinators)]
        vols = []
        for i in range(volunteers):
            v = make_volunteer(lat=rng.uniform(*LAT), lon=rng.uniform(*LON),
                               gender=rng.choice("fm"), vehicle_seats=3,
                               wheelchair_places=1 if i % 5 == 0 else 0, languages=["de"])
            for day in day_list:
                v.volunteer.shifts.append(Shift(starts_at=day.replace(hour=6),
                                                ends_at=day.replace(hour=20)))
            vols.append(v.email)
        res = [make_resident(lat=rng.uniform(*LAT), lon=rng.uniform(*LON), languages=["de"]).id
               for _ in range(residents)]
        db.session.commit()
    return Population(coords, vols, res, day_list)  # type: ignore[arg-type]


class PatientClient(socketio.AsyncClient):  # type: ignore[misc]
    """A reconnect waits as long for the server's answer as the first connect (python-socketio
    waits only 1 s there; a web process taking over many clients needs longer; the browser's
    socket.io client waits 20 s)."""

    async def connect(self, *args: Any, wait_timeout: float = 30, **kwargs: Any) -> None:
        await super().connect(*args, wait_timeout=max(wait_timeout, 30), **kwargs)


@dataclass
class Client:
    """One person's browser: an HTTP session from its own source address and a socket."""

    base: str
    role: str
    index: int
    token: str = ""
    person_id: int = 0
    events: list[tuple[str, Any, float]] = field(default_factory=list)
    disconnects: int = 0
    closing: bool = False
    http: aiohttp.ClientSession | None = None
    sio: socketio.AsyncClient | None = None

    async def open(self) -> None:
        addr = f"127.0.{1 + self.index % 250}.{1 + self.index // 250}"
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(local_addr=(addr, 0), limit=8),
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=aiohttp.ClientTimeout(total=120))
        self.token = (await self.get("/api/v1/auth/csrf"))[1]["csrf_token"]

    async def get(self, path: str) -> tuple[int, Any]:
        assert self.http is not None
        async with self.http.get(self.base + path) as resp:
            return resp.status, await resp.json(content_type=None)

    async def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        assert self.http is not None
        async with self.http.post(self.base + path, json=body or {},
                                  headers={"X-CSRFToken": self.token}) as resp:
            try:
                data = await resp.json(content_type=None)
            except (ValueError, aiohttp.ContentTypeError):
                data = None
            return resp.status, data

    async def login(self, path: str, body: dict[str, str]) -> None:
        status, data = await self.post(path, body)
        if status != 200:
            msg = f"log-in {self.role} {self.index}: {status} {data}"
            raise RuntimeError(msg)
        self.token = data["csrf_token"]
        self.person_id = int(data["person"]["id"])

    def _record(self, event: str, data: Any = None) -> None:
        self.events.append((event, data, time.perf_counter()))

    async def connect(self) -> None:
        self.sio = PatientClient(http_session=self.http, reconnection=True,
                                        reconnection_delay=0.5, reconnection_delay_max=2)
        self.sio.on("*", self._record)

        @self.sio.event
        async def disconnect(*_: Any) -> None:
            if not self.closing:  # dropped, not closed by us
                self.disconnects += 1
                self._record("disconnect")

        await self.sio.connect(self.base, transports=["websocket"], wait_timeout=60)

    def of(self, name: str) -> list[tuple[Any, float]]:
        return [(d, t) for e, d, t in self.events if e == name]

    async def close(self) -> None:
        self.closing = True
        if self.sio is not None:
            await self.sio.disconnect()
        if self.http is not None:
            await self.http.close()


async def _gather_limited(coros: Iterable[Any], limit: int) -> list[Any]:
    sem = asyncio.Semaphore(limit)

    async def one(c: Any) -> Any:
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


async def log_in_everyone(base: str, pop: Population, *, limit: int = 6) -> dict[str, list[Client]]:
    """Every coordinator and volunteer by password, every resident by a one-time code from a
    coordinator; then each one's socket (each gets its snapshot first)."""
    n = 0
    coords, vols, residents = [], [], []
    for _email in pop.coordinators:
        coords.append(Client(base, "coordinator", n))
        n += 1
    for _email in pop.volunteers:
        vols.append(Client(base, "volunteer", n))
        n += 1
    for _ in pop.residents:
        residents.append(Client(base, "resident", n))
        n += 1
    everyone = [*coords, *vols, *residents]
    await _gather_limited((c.open() for c in everyone), limit * 2)
    await _gather_limited((c.login("/api/v1/auth/login", {"email": e, "password": PASSWORD})
                           for c, e in zip(coords, pop.coordinators, strict=True)), limit)
    await _gather_limited((c.login("/api/v1/auth/login", {"email": e, "password": PASSWORD})
                           for c, e in zip(vols, pop.volunteers, strict=True)), limit)

    async def resident(c: Client, rid: int) -> None:
        status, data = await coords[0].post(f"/api/v1/residents/{rid}/login-code")
        if status not in (200, 201):
            msg = f"login code for resident {rid}: {status} {data}"
            raise RuntimeError(msg)
        await c.login("/api/v1/auth/code", {"code": data["code"]})

    await _gather_limited((resident(c, rid) for c, rid in zip(residents, pop.residents,
                                                              strict=True)), limit)
    await _gather_limited((c.connect() for c in everyone), limit * 2)
    return {"coordinator": coords, "volunteer": vols, "resident": residents}


def ride(rng: random.Random, day: datetime) -> dict[str, Any]:
    """A ride between two random places in the box, picked up between 7:00 and 17:00."""
    def place(name: str) -> dict[str, Any]:
        return {"address": name, "lat": rng.uniform(*LAT), "lon": rng.uniform(*LON)}

    at = day + timedelta(hours=7, minutes=rng.randrange(0, 600, 5))
    return {"kind": "ride", "pickup": place("Start"), "dropoff": place("Ziel"),
            "time_mode": "pickup_after", "time": at.isoformat(),
            # random places may fall close to an earlier ride of the same person: that is meant
            "confirm_duplicate": True}


@dataclass
class Run:
    """What a run recorded; :meth:`summary` makes the figures."""

    booked: dict[int, float] = field(default_factory=dict)  # request id -> POST start
    booked_committed: dict[int, float] = field(default_factory=dict)  # id -> 201 received
    booking_status: Counter[int] = field(default_factory=Counter)
    accept_status: Counter[int] = field(default_factory=Counter)
    #: request id -> its resident's person id, for each accept that answered 200 (from the
    #: offer itself: the booking's own answer may come later on a busy machine, or be lost)
    accepted: dict[int, int] = field(default_factory=dict)
    offered_now: set[int] = field(default_factory=set)  # requests offered by their booking
    exceptions: Counter[str] = field(default_factory=Counter)
    late: int = 0  # bookings that started more than 1 s after their slot
    seconds: float = 0.0


async def _book(run: Run, c: Client, body: dict[str, Any]) -> None:
    t0 = time.perf_counter()
    try:
        status, data = await c.post("/api/v1/requests", body)
    except Exception as exc:  # noqa: BLE001 - counted as an error
        run.exceptions[type(exc).__name__] += 1
        return
    run.booking_status[status] += 1
    if status == 201:
        rid = int(data["request"]["id"])
        run.booked[rid] = t0
        run.booked_committed[rid] = time.perf_counter()
        if data["request"]["state"] == "offered":
            run.offered_now.add(rid)


async def _accept(run: Run, c: Client, offer: dict[str, Any]) -> None:
    try:
        status, _ = await c.post(f"/api/v1/offers/{offer['id']}/accept")
    except Exception as exc:  # noqa: BLE001 - counted as an error
        run.exceptions[type(exc).__name__] += 1
        return
    run.accept_status[status] += 1
    if status == 200:
        rid = int(offer["request"]["id"])
        run.accepted[rid] = int(offer["request"]["resident"]["id"])


async def book_for(clients: dict[str, list[Client]], pop: Population, *, rate: float,
                   seconds: float, accept: bool = True, seed: int = 2,
                   run: Run | None = None) -> Run:
    """Book ``rate`` rides per second for ``seconds`` seconds (open loop: a slow answer does not
    slow the stream), volunteers accepting every offer they receive; returns when every booking
    and accept has its answer."""
    rng = random.Random(seed)
    run = run or Run()
    tasks: list[asyncio.Task[None]] = []
    seen_offers: set[int] = set()

    def on_offer(c: Client) -> Any:
        async def handler(data: Any) -> None:
            c._record("offer.created", data)
            offer = data["offer"]
            if accept and offer["id"] not in seen_offers:
                seen_offers.add(offer["id"])
                tasks.append(asyncio.create_task(_accept(run, c, offer)))
        return handler

    for c in clients["volunteer"]:
        assert c.sio is not None
        c.sio.on("offer.created", on_offer(c))
    residents = clients["resident"]
    n = int(rate * seconds)
    t_start = time.perf_counter()
    for i in range(n):
        slot = t_start + i / rate
        delay = slot - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -1:
            run.late += 1
        body = ride(rng, pop.days[i % len(pop.days)])
        tasks.append(asyncio.create_task(_book(run, residents[i % len(residents)], body)))
    while True:  # until every booking and every accept (started by a late offer) answered
        pending = [t for t in tasks if not t.done()]
        if not pending:
            await asyncio.sleep(1.0)
            if all(t.done() for t in tasks):
                break
            continue
        await asyncio.gather(*pending)
    run.seconds = time.perf_counter() - t_start
    return run


def first_seen(clients: Iterable[Client], event: str, key: Any) -> dict[Any, float]:
    """For each key of an event's payload, when a client first received it."""
    out: dict[Any, float] = {}
    for c in clients:
        for data, at in c.of(event):
            k = key(data)
            if k is not None and (k not in out or at < out[k]):
                out[k] = at
    return out


async def wait_for_pushes(clients: dict[str, list[Client]], run: Run, offers: dict[int, int],
                          timeout_s: float = 30) -> dict[str, Any]:
    """Wait until every stored offer reached its volunteer and every accept reached the
    resident and every coordinator; then say what is missing (lost pushes)."""
    vol_by_person = {c.person_id: c for c in clients["volunteer"]}
    deadline = time.perf_counter() + timeout_s
    while True:
        missing_offers = [oid for oid, vid in offers.items()
                          if vid in vol_by_person and not any(
                              d["offer"]["id"] == oid for d, _ in
                              vol_by_person[vid].of("offer.created"))]
        missing_res, missing_board = _missing_accepts(clients, run)
        if not (missing_offers or missing_res or missing_board) or \
                time.perf_counter() > deadline:
            break
        await asyncio.sleep(0.25)
    return {"lost_offers": len(missing_offers), "lost_accept_resident": len(missing_res),
            "lost_accept_board": len(missing_board), "missing_offer_ids": missing_offers[:10]}


def _accepted_seen(c: Client, rid: int) -> bool:
    """The client learnt of the accept: pushed, or in the snapshot a dropped socket gets when
    it connects again (what was pushed while it was away is in there)."""
    if any(d["request"]["id"] == rid and d["request"]["state"] != "offered"
           for d, _ in c.of("request.updated")):
        return True
    return c.disconnects > 0 and any(
        r.get("id") == rid and r.get("state") != "offered"
        for d, _ in c.of("snapshot") if isinstance(d, dict) for r in d.get("requests") or ())


def _missing_accepts(clients: dict[str, list[Client]], run: Run) -> tuple[list[int], list[int]]:
    residents = {c.person_id: c for c in clients["resident"]}
    missing_res = [rid for rid, person in run.accepted.items()
                   if person not in residents or not _accepted_seen(residents[person], rid)]
    missing_board = [rid for rid in run.accepted
                     if not all(_accepted_seen(c, rid) for c in clients["coordinator"])]
    return missing_res, missing_board


def stored_offers(app: Any, request_ids: Iterable[int]) -> dict[int, int]:
    """Offer id -> volunteer id of every stored offer of these requests."""
    from sqlalchemy import select

    from dispatch.extensions import db
    from dispatch.models import Offer

    ids = list(request_ids)
    with app.app_context():
        rows = db.session.execute(select(Offer.id, Offer.volunteer_id)
                                  .where(Offer.request_id.in_(ids))).all() if ids else []
        db.session.remove()
    return {int(o): int(v) for o, v in rows}


def latency(clients: dict[str, list[Client]], run: Run) -> dict[str, Any]:
    """Booking POST → first ``offer.created`` of that request at a volunteer's socket."""
    seen = first_seen(clients["volunteer"], "offer.created", lambda d: d["offer"]["request"]["id"])
    ms = [(seen[rid] - t0) * 1000 for rid, t0 in run.booked.items()
          if rid in run.offered_now and rid in seen]
    return {"offers_measured": len(ms), "offer_p50_ms": pct(ms, .5), "offer_p95_ms": pct(ms, .95),
            "offer_p99_ms": pct(ms, .99), "offer_max_ms": round(max(ms), 1) if ms else None,
            "offer_mean_ms": round(statistics.fmean(ms), 1) if ms else None}


def errors(clients: dict[str, list[Client]], run: Run) -> dict[str, Any]:
    """Everything that counts as an error."""
    bad_bookings = {s: n for s, n in run.booking_status.items() if s not in BOOKING_OK}
    bad_accepts = {s: n for s, n in run.accept_status.items() if s not in ACCEPT_OK}
    disconnects = sum(c.disconnects for cs in clients.values() for c in cs)
    total = sum(bad_bookings.values()) + sum(bad_accepts.values()) + \
        sum(run.exceptions.values()) + disconnects
    return {"errors": total, "bad_booking_status": bad_bookings,
            "bad_accept_status": bad_accepts, "exceptions": dict(run.exceptions),
            "disconnects": disconnects}


def set_cpu(serve: Any) -> dict[str, float]:
    """CPU seconds so far of every process of a :class:`ServeSet`, and of this process."""
    out = {f"web-{port}": cpu_seconds(p.popen.pid) for port, p in serve.webs.items()
           if p.popen is not None}
    if serve.worker is not None and serve.worker.popen is not None:
        out["worker"] = cpu_seconds(serve.worker.popen.pid)
    if serve.nginx is not None and serve.nginx.popen is not None:
        out["nginx"] = cpu_seconds(serve.nginx.popen.pid)
    out["load_client"] = cpu_seconds(os.getpid())
    return out


async def run_load(serve: Any, app: Any, pop: Population, *, rate: float,
                   seconds: float) -> dict[str, Any]:
    """Log everyone in, book for ``seconds``, wait for the pushes; the figures as a dict."""
    from tests.invariants import violations

    t0 = time.perf_counter()
    clients = await log_in_everyone(serve.url, pop)
    logged_in = time.perf_counter() - t0
    cpu_before = set_cpu(serve)
    run = await book_for(clients, pop, rate=rate, seconds=seconds)
    cpu_after = set_cpu(serve)
    pushes = await wait_for_pushes(clients, run, stored_offers(app, run.booked))
    for cs in clients.values():
        await asyncio.gather(*(c.close() for c in cs))
    broken = violations(app)
    secs = run.seconds or 1.0
    return {
        "clients": sum(len(cs) for cs in clients.values()),
        "by_role": {r: len(cs) for r, cs in clients.items()},
        "log_in_s": round(logged_in, 1), "rate_asked": rate, "seconds_asked": seconds,
        "bookings": sum(run.booking_status.values()), "seconds": round(secs, 1),
        "bookings_per_s": round(sum(run.booking_status.values()) / secs, 2),
        "late_slots": run.late, "offered_at_booking": len(run.offered_now),
        "accepts": run.accept_status.get(200, 0),
        "accept_status": {str(k): v for k, v in sorted(run.accept_status.items())},
        **latency(clients, run), **errors(clients, run), **pushes,
        "cpu_s": {k: round(cpu_after[k] - cpu_before.get(k, 0.0), 1) for k in cpu_after},
        "invariant_violations": len(broken), "violations_sample": broken[:5],
    }


def main() -> None:
    from dispatch.deploy.serve import ServeSet
    from dispatch.deploy.serve import ensure_database
    from tests.conftest import make_app

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--rate", type=float, default=30.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--web", type=int, default=2)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--database-url", default=None,
                    help="a PostgreSQL database to create and use (default: a fresh one)")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    args = ap.parse_args()
    url = args.database_url or ("postgresql+psycopg://postgres@127.0.0.1:5432/"
                                f"dispatch_load_{os.getpid()}")
    ensure_database(url)
    app = make_app(url)
    n_coord = max(2, args.clients // 20)
    n_vol = int(args.clients * 0.6)
    pop = populate(app, coordinators=n_coord, volunteers=n_vol,
                   residents=args.clients - n_coord - n_vol, days=args.days)
    tmp = Path(tempfile.mkdtemp(prefix="dispatch-load-"))
    with ServeSet(url, args.redis_url, web=args.web, worker_every_s=30, prefix=tmp,
                  env={"SECRET_KEY": "load-test-secret",
                       "DISPATCH_SOCKETIO_CHANNEL": f"dispatch-load-{os.getpid()}",
                       # 1,800 bookings of 70 residents: 25 each, far beyond a person's 10 in
                       # ten minutes; the limit is measured in tests/reliability instead
                       "DISPATCH_BOOKINGS_PER_10_MIN": "0"}) as serve:
        print(json.dumps({"set": "up", "web_ports": serve.web_ports, "url": serve.url,
                          "logs": str(tmp)}), flush=True)
        result = asyncio.run(run_load(serve, app, pop, rate=args.rate, seconds=args.seconds))
    result["database"] = "postgresql"
    result["web_processes"] = args.web
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
