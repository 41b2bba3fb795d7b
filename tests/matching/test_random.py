"""Random small days: every insertion and every solve passes the independent checker."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.matching import LockedStop
from dispatch.matching import MaxIterations
from dispatch.matching import Problem
from dispatch.matching import Request
from dispatch.matching import Vehicle
from dispatch.matching import check
from dispatch.matching import insert
from dispatch.matching import max_ride_seconds
from dispatch.matching import solve

HOUR = 3600.0


def random_problem(seed: int) -> Problem:
    """Up to 4 volunteers (some on foot, vans, languages, hour limits) and up to 12 requests."""
    rng = np.random.default_rng(seed)
    n = 14
    xy = rng.uniform(0, 5, (n, 2))
    km = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(2))
    mats = {"drive": km * 120 + (km > 0) * 30, "walk": km * 1000}
    vehicles = []
    for v in range(int(rng.integers(1, 5))):
        walker = bool(rng.random() < 0.25)
        vehicles.append(Vehicle(
            f"v{v}", int(rng.integers(n)), shift=(8 * HOUR, float(rng.choice([12, 16])) * HOUR),
            capacity={"seats": int(rng.integers(1, 4)), "wheelchair": int(rng.random() < 0.4)},
            languages=("de",) + (("tr",) if rng.random() < 0.3 else ()),
            gender=str(rng.choice(["f", "m"])), drives=not walker,
            escorts_on_foot=walker or bool(rng.random() < 0.3),
            max_work=float(rng.uniform(1, 8)) * HOUR if rng.random() < 0.5 else None,
        ))
    reqs = []
    for r in range(int(rng.integers(1, 12))):
        a, b = (int(x) for x in rng.choice(n, 2, replace=False))
        kind = "escort_walk" if rng.random() < 0.15 else "ride"
        mode = "walk" if kind == "escort_walk" else "drive"
        t = float(rng.uniform(8.5, 14)) * HOUR
        pick = rng.random() < 0.5
        reqs.append(Request(
            f"r{r}", a, b, kind=kind,  # type: ignore[arg-type]
            load={"wheelchair": 1} if rng.random() < 0.2 else {"seats": int(rng.integers(1, 3))},
            pickup_window=(t, t + 900) if pick else None,
            dropoff_window=None if pick else (t - 1200, t),
            pickup_service=120, dropoff_service=120,
            max_ride=max_ride_seconds(float(mats[mode][a, b]), 1.5, 300),
            languages=("tr",) if rng.random() < 0.1 else (),
            same_gender=str(rng.choice(["no", "soft", "hard"])), gender="f",  # type: ignore[arg-type]
            preferred_volunteer="v0" if rng.random() < 0.2 else None,
        ))
    if reqs[0].dropoff_window is not None and rng.random() < 0.5:
        o = reqs[0]
        reqs.append(Request("ret", o.dropoff, o.pickup, return_of=o.id, appointment=1800.0,
                            pickup_service=120, dropoff_service=120,
                            max_ride=max_ride_seconds(float(mats["drive"][o.dropoff, o.pickup]),
                                                      1.5, 300)))
    return Problem(mats, tuple(reqs), tuple(vehicles), max_route=6 * HOUR)


@pytest.mark.parametrize("seed", range(40))
def test_random_day_passes_checker(seed):
    """Insert one by one, solve, lock a plan and solve again: the checker finds nothing."""
    problem = random_problem(seed)
    plans = None
    for req in problem.requests:
        plans = insert(problem, plans, req.id)
        assert check(problem, plans) == []
    result = solve(problem, MaxIterations(60), seed=seed, initial=plans)
    assert check(problem, result) == []
    assert len(result.served) >= len(plans.served)
    first = result.plans[0]
    if first.stops:
        locked = tuple(LockedStop(s.request_id, s.action) for s in first.stops)
        vehicles = (Vehicle(**{**problem.vehicles[0].__dict__, "locked": locked}),
                    *problem.vehicles[1:])
        again = Problem(problem.matrices, problem.requests, vehicles, problem.max_route)
        result2 = solve(again, MaxIterations(60), seed=seed, initial=result)
        assert check(again, result2) == []
        keys = [(s.request_id, s.action) for s in result2.plans[0].stops]
        want = [(s.request_id, s.action) for s in locked]
        assert [k for k in keys if k in set(want)] == want
