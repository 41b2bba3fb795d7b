"""Insertion latency: one new request into the plans of 20 volunteers with 60 open requests.

Ours: ``dispatch.matching.insert`` (the full call: problem update, cheapest feasible
insertion with the exact schedule evaluation, timed plans). Baseline, side by side on the same
states: OR-Tools re-solving from the current plans with the new request added (default search,
stopped at its first local optimum). Every result is verified with ``matching.check``.

Usage: ``python benchmarks/insertion.py [--samples N] [--baseline-samples M] [--seed S]``.
Prints one JSON line per measurement series; the last line holds ``insert_p50_ms`` and
``insert_p95_ms``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispatch.matching import Problem  # noqa: E402
from dispatch.matching import Request  # noqa: E402
from dispatch.matching import Result  # noqa: E402
from dispatch.matching import Vehicle  # noqa: E402
from dispatch.matching import assert_valid  # noqa: E402
from dispatch.matching import insert  # noqa: E402
from dispatch.matching import max_ride_seconds  # noqa: E402
from dispatch.matching import ortools_model  # noqa: E402
from dispatch.matching._data import compile_problem  # noqa: E402
from dispatch.matching._data import initial_routes  # noqa: E402

HOUR = 3600.0
N_VOLUNTEERS = 20
N_OPEN = 60


def city(rng: np.random.Generator, n_points: int) -> dict[str, np.ndarray]:
    """Drive and walk matrices (seconds) for random points in a 6 km x 6 km quarter."""
    xy = rng.uniform(0, 6.0, size=(n_points, 2))
    km = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)) * 1.3
    return {"drive": km / 30.0 * HOUR + np.where(km > 0, 60.0, 0.0), "walk": km / 3.5 * HOUR}


def random_request(rng: np.random.Generator, rid: str, n_points: int, mats: dict) -> Request:
    """A ride, wheelchair ride or walking escort with a pick-up or arrive-by window."""
    a, b = (int(x) for x in rng.choice(np.arange(N_VOLUNTEERS, n_points), 2, replace=False))
    roll = rng.random()
    kind = "escort_walk" if roll < 0.1 else "ride"
    load = {"wheelchair": 1} if 0.1 <= roll < 0.25 else {"seats": 1}
    mode = "walk" if kind == "escort_walk" else "drive"
    direct = float(mats[mode][a, b])
    t = float(rng.uniform(8.5 * HOUR, 14.5 * HOUR))
    langs = ("tr",) if rng.random() < 0.1 else ()
    if rng.random() < 0.5:
        win = {"pickup_window": (t, t + 900.0)}
    else:
        win = {"dropoff_window": (t - 1200.0, t)}
    return Request(
        rid, a, b, kind=kind, load=load, pickup_service=180.0, dropoff_service=180.0,
        max_ride=max_ride_seconds(direct, 1.8, 600.0), languages=langs,
        same_gender="soft" if rng.random() < 0.2 else "no", gender="f", **win,  # type: ignore[arg-type]
    )


def volunteers(rng: np.random.Generator) -> list[Vehicle]:
    """20 volunteers at home (locations 0..19): vans, cars, walkers, languages, genders."""
    out = []
    for v in range(N_VOLUNTEERS):
        walker = v % 7 == 6
        out.append(
            Vehicle(
                f"v{v}", v, shift=(8 * HOUR, 16 * HOUR),
                capacity={"seats": 3, "wheelchair": 1 if v % 4 == 0 else 0},
                languages=("de", "tr") if v % 5 == 0 else ("de",),
                gender="f" if v % 2 else "m",
                drives=not walker, escorts_on_foot=walker or v % 3 == 0,
                max_work=float(rng.uniform(5, 8)) * HOUR,
            )
        )
    return out


def percentile(xs: list[float], q: float) -> float:
    """The q-th percentile of xs."""
    return float(np.percentile(np.asarray(xs), q))


def ortools_insert(problem: Problem, plans: Result, seconds: float) -> ortools_model.OrToolsRun:
    """Baseline: OR-Tools re-solve from the current plans with the new request unplaced."""
    A = compile_problem(problem)
    routes, lens = initial_routes(problem, plans.plans)
    start = [[int(x) for x in routes[v, 1 : lens[v] - 1]] for v in range(A.nveh)]
    return ortools_model.run(problem, A, start, seconds=seconds, guided=False)


def main() -> None:
    """Run the benchmark and print JSON lines."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--baseline-samples", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    n_points = N_VOLUNTEERS + 2 * (N_OPEN + args.samples) + 10
    mats = city(rng, n_points)
    vehicles = volunteers(rng)
    problem = Problem(mats, (), tuple(vehicles), max_route=8 * HOUR)
    plans: Result = insert(  # warm-up: compile kernels
        problem, None, random_request(rng, "warm", n_points, mats)
    )
    problem = Problem(mats, (), tuple(vehicles), max_route=8 * HOUR)
    plans = Result(tuple())
    made = 0
    k = 0
    while made < N_OPEN:
        req = random_request(rng, f"o{k}", n_points, mats)
        k += 1
        res = insert(problem, plans, req)
        if res.reason(req.id) is None:
            problem = problem.with_request(req)
            plans = Result(res.plans)
            made += 1
    base = problem
    assert_valid(base, plans, require_all=True)
    times: list[float] = []
    placed = 0
    news = [random_request(rng, f"n{i}", n_points, mats) for i in range(args.samples)]
    for req in news:
        t0 = time.perf_counter()
        res = insert(base, plans, req)
        times.append((time.perf_counter() - t0) * 1000.0)
        assert_valid(base.with_request(req), res)
        placed += res.reason(req.id) is None
    print(json.dumps({
        "series": "ours", "samples": len(times), "placed": placed,
        "p50_ms": round(percentile(times, 50), 3), "p95_ms": round(percentile(times, 95), 3),
        "max_ms": round(max(times), 3),
    }), flush=True)
    btimes: list[float] = []
    for req in news[: args.baseline_samples]:
        prob = base.with_request(req)
        t0 = time.perf_counter()
        ortools_insert(prob, plans, seconds=10.0)
        btimes.append((time.perf_counter() - t0) * 1000.0)
    print(json.dumps({
        "series": "ortools-resolve", "samples": len(btimes),
        "p50_ms": round(percentile(btimes, 50), 3), "p95_ms": round(percentile(btimes, 95), 3),
    }), flush=True)
    print(json.dumps({
        "volunteers": N_VOLUNTEERS, "open_requests": N_OPEN, "samples": len(times),
        "placed": placed, "checked": True,
        "insert_p50_ms": round(percentile(times, 50), 3),
        "insert_p95_ms": round(percentile(times, 95), 3),
        "baseline": "ortools-resolve",
        "baseline_p50_ms": round(percentile(btimes, 50), 3),
        "baseline_p95_ms": round(percentile(btimes, 95), 3),
    }))


if __name__ == "__main__":
    main()
