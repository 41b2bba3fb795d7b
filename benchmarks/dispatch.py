"""Booking-to-offer latency: from POST /api/v1/requests to ``offer.created`` at the volunteer's
socket, on a real server with 20 volunteers and 60 active requests.

Side by side in the same run: the transport floor (an HTTP change that commits and pushes to a
socket without routing or matching: a volunteer toggling availability, seen on the board), the
bookings one at a time, and (``--concurrency N``) the same number of bookings with N in flight
at once (threads). Each measured booking is cancelled once its offer arrived, so 60 stay
active. At the end the stored rows are checked with :func:`tests.invariants.violations`.

Prints one JSON object per line: ``transport_floor``, ``booking_to_offer`` (``sequential``, and
``concurrent`` with N), ``invariants``; the last line holds ``offer_p50_ms`` and
``offer_p95_ms`` (sequential) next to the concurrent figures and the violation count.

    python benchmarks/dispatch.py [--bookings 60] [--concurrency N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.extensions import db  # noqa: E402
from dispatch.models import Role  # noqa: E402
from tests.conftest import make_app  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402
from tests.factories import make_resident  # noqa: E402
from tests.factories import make_staff  # noqa: E402
from tests.factories import make_volunteer  # noqa: E402
from tests.invariants import violations  # noqa: E402
from tests.live import PROCESSES  # noqa: E402
from tests.live import LiveClient  # noqa: E402
from tests.live import Session  # noqa: E402
from tests.live import cpu_seconds  # noqa: E402
from tests.live import running_server  # noqa: E402
from tests.live import server_exceptions  # noqa: E402
from tests.quarter import tomorrow_at  # noqa: E402

# a box in Eving where every point is near a street
LAT, LON = (51.542, 51.556), (7.455, 7.475)


def _pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _setup(app: Any, rng: random.Random) -> dict[str, object]:
    """20 volunteers on shift tomorrow 6-20, 60 residents and a coordinator in Eving."""
    with app.app_context():
        coord = make_staff(Role.COORDINATOR, "eving")
        vols = [make_volunteer(lat=rng.uniform(*LAT), lon=rng.uniform(*LON),
                               shift=(tomorrow_at(6), tomorrow_at(20)),
                               gender=rng.choice("fm"), vehicle_seats=3,
                               wheelchair_places=1 if i % 5 == 0 else 0, languages=["de"])
                for i in range(20)]
        residents = [make_resident(lat=rng.uniform(*LAT), lon=rng.uniform(*LON),
                                   languages=["de"]) for _ in range(60)]
        db.session.commit()
        return {"coord": coord.email, "vols": [v.email for v in vols],
                "residents": [r.id for r in residents]}


def _ride(rng: random.Random, minute: int) -> dict[str, object]:
    """A ride between two random places in the box, picked up from 7:00 + ``minute``."""
    def place(name: str) -> dict[str, object]:
        return {"address": name, "lat": rng.uniform(*LAT), "lon": rng.uniform(*LON)}

    return {"kind": "ride", "pickup": place("Start"), "dropoff": place("Ziel"),
            "time_mode": "pickup_after",
            "time": tomorrow_at(7 + minute // 60, minute % 60).isoformat(),
            # random places may fall close to an earlier ride of the same person: that is meant
            "confirm_duplicate": True}


class OfferWatch:
    """Which request's ``offer.created`` reached a volunteer's socket, and when (the client's
    receive time): one thread reads the clients' event lists, bookers wait on it."""

    def __init__(self, clients: list[LiveClient]) -> None:
        self.clients = clients
        self.seen: dict[int, float] = {}
        self.cond = threading.Condition()
        self.stop = threading.Event()
        self._read = [0] * len(clients)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            found = {}
            for k, c in enumerate(self.clients):
                with c.lock:
                    new = c.events[self._read[k]:]
                    self._read[k] = len(c.events)
                for name, data, at in new:
                    if name == "offer.created":
                        found.setdefault(data["offer"]["request"]["id"], at)
            if found:
                with self.cond:
                    for rid, at in found.items():
                        self.seen.setdefault(rid, at)
                    self.cond.notify_all()
            time.sleep(0.0005)

    def wait(self, request_id: int, timeout: float = 10) -> float | None:
        """The receive time of the request's offer, or None after ``timeout`` seconds."""
        deadline = time.perf_counter() + timeout
        with self.cond:
            while request_id not in self.seen:
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.cond.wait(left)
            return self.seen[request_id]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)


@dataclass
class Run:
    """What one phase of bookings measured."""

    mode: str
    concurrency: int
    offer_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    cancel_statuses: dict[int, int] = field(default_factory=dict)
    unplaced: int = 0
    lost_offers: int = 0
    seconds: float = 0.0
    server_cpu_s: float = 0.0
    exceptions: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def line(self) -> dict[str, object]:
        n = sum(self.statuses.values())
        ms = self.offer_ms

        def q(x: float) -> float | None:
            return round(x, 1) if ms else None

        return {"measure": "booking_to_offer", "mode": self.mode,
                "concurrency": self.concurrency, "bookings": n, "offered": len(self.offer_ms),
                "unplaced": self.unplaced, "lost_offers": self.lost_offers,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "cancel_statuses": {str(k): v for k, v in sorted(self.cancel_statuses.items())},
                "p50_ms": q(statistics.median(ms)) if ms else None,
                "p95_ms": q(_pct(ms, 0.95)) if ms else None,
                "max_ms": q(max(ms)) if ms else None, "seconds": round(self.seconds, 2),
                # the server's CPU per booking with its cancel: one process serves at most
                # 1000 / this many of them a second, whatever the concurrency
                "server_cpu_ms_per_booking": round(self.server_cpu_s * 1000 / n, 1) if n else None,
                "bookings_per_s": round(n / self.seconds, 2) if self.seconds else None,
                "offered_per_s": round(len(ms) / self.seconds, 2) if self.seconds else None,
                "server_exceptions": self.exceptions}


def _book(run: Run, watch: OfferWatch, resident: Session, body: dict[str, object]) -> None:
    """One measured booking: POST, wait for its offer at a volunteer's socket, cancel it."""
    t0 = time.perf_counter()
    res = resident.post("/api/v1/requests", body)
    with run.lock:
        run.statuses[res.status_code] = run.statuses.get(res.status_code, 0) + 1
    if res.status_code != 201:
        return
    req = res.json()["request"]
    if req["state"] != "offered":
        with run.lock:
            run.unplaced += 1
        return
    seen = watch.wait(req["id"])
    with run.lock:
        if seen is None:
            run.lost_offers += 1
        else:
            run.offer_ms.append((seen - t0) * 1000)
    res = resident.post(f"/api/v1/requests/{req['id']}/cancel")  # keep 60 active
    with run.lock:
        run.cancel_statuses[res.status_code] = run.cancel_statuses.get(res.status_code, 0) + 1


def _bookings(run: Run, watch: OfferWatch, residents: list[Session],
              bodies: list[dict[str, object]], log: Path, server_pid: int) -> Run:
    """Book every body, ``run.concurrency`` at a time (1: one after the other); note the
    exceptions the server logged meanwhile and the CPU it used."""
    log_from = log.stat().st_size
    cpu0 = cpu_seconds(server_pid)
    t0 = time.perf_counter()
    if run.concurrency <= 1:
        for i, body in enumerate(bodies):
            _book(run, watch, residents[i % len(residents)], body)
    else:
        with concurrent.futures.ThreadPoolExecutor(run.concurrency) as pool:
            jobs = [pool.submit(_book, run, watch, residents[i % len(residents)], body)
                    for i, body in enumerate(bodies)]
            for job in jobs:
                job.result()
    run.seconds = time.perf_counter() - t0
    run.server_cpu_s = cpu_seconds(server_pid) - cpu0
    run.exceptions = server_exceptions(log, log_from)
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bookings", type=int, default=60)
    ap.add_argument("--concurrency", type=int, default=0,
                    help="also book with this many bookings in flight (0: sequential only)")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = make_app(url)
    people = _setup(app, rng)
    with running_server(url, log=tmp / "server.log") as base:
        pid = PROCESSES[base].pid
        coord = Session(base)
        coord.login(str(people["coord"]), PASSWORD)
        board = LiveClient(coord).connect()
        vols, clients = [], []
        for email in people["vols"]:  # type: ignore[attr-defined]
            s = Session(base)
            s.login(email, PASSWORD)
            vols.append(s)
            clients.append(LiveClient(s).connect())
        residents = []
        for rid in people["residents"]:  # type: ignore[attr-defined]
            code = coord.post(f"/api/v1/residents/{rid}/login-code").json()["code"]
            s = Session(base)
            s.login_code(code)
            residents.append(s)
        # 60 active requests
        for i, s in enumerate(residents):
            res = s.post("/api/v1/requests", _ride(rng, (i * 11) % 600))
            assert res.status_code == 201, res.text
        active = len(coord.get("/api/v1/requests?state=offered").json()["requests"])

        watch = OfferWatch(clients)
        sequential = _bookings(Run("sequential", 1), watch, residents,
                               [_ride(rng, (i * 7) % 600) for i in range(args.bookings)],
                               tmp / "server.log", pid)
        assert sequential.offer_ms, "no booking was offered"
        assert not sequential.lost_offers, "offer never arrived"
        after_sequential = len(violations(app))
        runs = [sequential]
        if args.concurrency > 1:
            runs.append(_bookings(Run("concurrent", args.concurrency), watch, residents,
                                  [_ride(rng, (i * 7 + 3) % 600)
                                   for i in range(args.bookings)], tmp / "server.log", pid))
        watch.close()

        floor_ms: list[float] = []
        for i in range(args.bookings):
            n_before = len(board.of("board.changed"))
            t0 = time.perf_counter()
            vols[i % len(vols)].http.put(f"{base}/api/v1/me/availability",
                                         json={"available": True},
                                         headers={"X-CSRFToken": vols[i % len(vols)].token})
            while len(board.of("board.changed")) == n_before and time.perf_counter() - t0 < 10:
                time.sleep(0.0005)
            floor_ms.append((time.perf_counter() - t0) * 1000)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:  # each close waits ~3 s
            list(pool.map(LiveClient.close, (board, *clients)))
    found = violations(app)

    database = url.split(":")[0]
    print(json.dumps({"measure": "transport_floor", "n": len(floor_ms),
                      "p50_ms": round(statistics.median(floor_ms), 1),
                      "p95_ms": round(_pct(floor_ms, 0.95), 1)}))
    for run in runs:
        print(json.dumps({**run.line(), "database": database}))
    print(json.dumps({"measure": "invariants", "violations": len(found),
                      "after_sequential": after_sequential, "examples": found[:5],
                      "database": database}))
    offer_ms = sequential.offer_ms
    last: dict[str, object] = {
        "volunteers": 20, "active_requests": active, "bookings": len(offer_ms),
        "unplaced": sequential.unplaced,
        "offer_p50_ms": round(statistics.median(offer_ms), 1),
        "offer_p95_ms": round(_pct(offer_ms, 0.95), 1),
        "offer_max_ms": round(max(offer_ms), 1),
        "floor_p50_ms": round(statistics.median(floor_ms), 1),
        "floor_p95_ms": round(_pct(floor_ms, 0.95), 1),
        "sequential_bookings_per_s": sequential.line()["bookings_per_s"],
        "sequential_offered_per_s": sequential.line()["offered_per_s"],
        "sequential_server_cpu_ms_per_booking": sequential.line()["server_cpu_ms_per_booking"]}
    if len(runs) > 1:
        conc = runs[1].line()
        last.update({"concurrency": args.concurrency, "concurrent_p50_ms": conc["p50_ms"],
                     "concurrent_p95_ms": conc["p95_ms"],
                     "concurrent_bookings_per_s": conc["bookings_per_s"],
                     "concurrent_offered_per_s": conc["offered_per_s"],
                     "concurrent_server_cpu_ms_per_booking": conc["server_cpu_ms_per_booking"],
                     "concurrent_statuses": conc["statuses"]})
    last.update({"violations": len(found), "database": database})
    print(json.dumps(last))


if __name__ == "__main__":
    main()
