"""Compile the search kernels once, before they are needed (numba caches them beside the
code, so every later process loads them instead of compiling for half a minute)."""

from __future__ import annotations

import time

import numpy as np

from dispatch.domain.kinds import StopKind
from dispatch.matching.check import check
from dispatch.matching.insertion import insert
from dispatch.matching.problem import LockedStop
from dispatch.matching.problem import Problem
from dispatch.matching.problem import Request
from dispatch.matching.problem import Vehicle
from dispatch.matching.solve import solve
from dispatch.matching.stop import MaxIterations


def warm_up() -> float:
    """Solve, insert into and check a four-place day (every kernel runs once); seconds taken."""
    t0 = time.perf_counter()
    places = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    drive = np.sqrt(((places[:, None] - places[None]) ** 2).sum(axis=2)) * 120.0
    requests = (Request("a", 1, 2, pickup_window=(3600.0, 7200.0), max_ride=900.0),
                Request("b", 2, 3, pickup_window=(3600.0, 9000.0)),
                Request("c", 3, 1, dropoff_window=(4000.0, 9000.0)))
    vehicles = (Vehicle("v", 0, shift=(0.0, 36000.0),
                        locked=(LockedStop("a", StopKind.PICKUP, done=True),
                                LockedStop("a", StopKind.DROPOFF))),
                Vehicle("w", 3, shift=(0.0, 36000.0)))
    problem = Problem({"drive": drive, "walk": drive * 8}, requests, vehicles)
    result = solve(problem, MaxIterations(40), seed=1)
    insert(problem, result.plans, "c")
    check(problem, result)
    return time.perf_counter() - t0


if __name__ == "__main__":  # pragma: no cover
    print(f"kernels ready in {warm_up():.1f} s")
