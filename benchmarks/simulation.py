"""A full simulated day per quarter (150 bookings, 12 volunteers by default) on a fresh SQLite
database (or ``--database-url``): how long it takes and what happened.

Prints one JSON object per quarter (``seconds``, ``seconds_per_booking``, the
:class:`~dispatch.simulation.SimResult` and the invariant violations of the stored rows).

    python benchmarks/simulation.py [--requests 150] [--volunteers 12] [--quarters eving,marten]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.simulation import SimParams  # noqa: E402
from dispatch.simulation import simulate  # noqa: E402
from tests.conftest import make_app  # noqa: E402
from tests.invariants import violations  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=150)
    ap.add_argument("--volunteers", type=int, default=12)
    ap.add_argument("--quarters", default="eving,marten")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/sim.sqlite3"
        app = make_app(url)
        day = date.today() + timedelta(days=1)
        for quarter in args.quarters.split(","):
            with app.app_context():
                t0 = time.perf_counter()
                result = simulate(app.config["SETTINGS"], SimParams(
                    quarter, day, requests=args.requests, volunteers=args.volunteers,
                    seed=args.seed))
                seconds = time.perf_counter() - t0
            broken = violations(app, quarter)
            print(json.dumps({"bench": "simulation", "quarter": quarter,
                              "seconds": round(seconds, 1),
                              "seconds_per_booking": round(seconds / max(1, args.requests), 3),
                              "violations": len(broken), "first_violations": broken[:3],
                              "result": result.as_dict() | {"request_ids": None}}), flush=True)


if __name__ == "__main__":
    main()
