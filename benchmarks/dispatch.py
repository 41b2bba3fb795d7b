"""Booking-to-offer latency: from POST /api/v1/requests to ``offer.created`` at the volunteer's
socket, on a real server with 20 volunteers and 60 active requests.

Side by side in the same run: the transport floor (an HTTP change that commits and pushes to a
socket without routing or matching: a volunteer toggling availability, seen on the board).
Prints one JSON object per line; the last line holds ``offer_p50_ms`` and ``offer_p95_ms``.

    python benchmarks/dispatch.py [--bookings 60] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.extensions import db  # noqa: E402
from dispatch.models import Role  # noqa: E402
from tests.conftest import make_app  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402
from tests.factories import make_resident  # noqa: E402
from tests.factories import make_staff  # noqa: E402
from tests.factories import make_volunteer  # noqa: E402
from tests.live import LiveClient  # noqa: E402
from tests.live import Session  # noqa: E402
from tests.live import running_server  # noqa: E402
from tests.quarter import tomorrow_at  # noqa: E402

# a box in Eving where every point is near a street
LAT, LON = (51.542, 51.556), (7.455, 7.475)


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _setup(database_url: str, rng: random.Random) -> dict[str, object]:
    app = make_app(database_url)
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
    def place(name: str) -> dict[str, object]:
        return {"address": name, "lat": rng.uniform(*LAT), "lon": rng.uniform(*LON)}

    return {"kind": "ride", "pickup": place("Start"), "dropoff": place("Ziel"),
            "time_mode": "pickup_after",
            "time": tomorrow_at(7 + minute // 60, minute % 60).isoformat()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bookings", type=int, default=60)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    people = _setup(url, rng)
    with running_server(url, log=tmp / "server.log") as base:
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

        offer_ms: list[float] = []
        unplaced = 0
        for i in range(args.bookings):
            s = residents[i % len(residents)]
            t0 = time.perf_counter()
            res = s.post("/api/v1/requests", _ride(rng, (i * 7) % 600))
            req = res.json()["request"]
            if req["state"] != "offered":
                unplaced += 1
                continue
            seen = None
            while seen is None and time.perf_counter() - t0 < 10:
                for c in clients:
                    for name, data, at in list(c.events):
                        if name == "offer.created" and data["offer"]["request"]["id"] == req["id"]:
                            seen = at
                time.sleep(0.0005)
            assert seen is not None, "offer never arrived"
            offer_ms.append((seen - t0) * 1000)
            s.post(f"/api/v1/requests/{req['id']}/cancel")  # keep 60 active

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
        for c in (board, *clients):
            c.close()

    print(json.dumps({"measure": "transport_floor", "n": len(floor_ms),
                      "p50_ms": round(statistics.median(floor_ms), 1),
                      "p95_ms": round(_pct(floor_ms, 0.95), 1)}))
    print(json.dumps({"volunteers": 20, "active_requests": active, "bookings": len(offer_ms),
                      "unplaced": unplaced,
                      "offer_p50_ms": round(statistics.median(offer_ms), 1),
                      "offer_p95_ms": round(_pct(offer_ms, 0.95), 1),
                      "offer_max_ms": round(max(offer_ms), 1),
                      "floor_p50_ms": round(statistics.median(floor_ms), 1),
                      "floor_p95_ms": round(_pct(floor_ms, 0.95), 1),
                      "database": url.split(":")[0]}))


if __name__ == "__main__":
    main()
