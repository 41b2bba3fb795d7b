"""``solve(problem, stop, seed)``: improve all plans, keeping locked stops as they are."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from dispatch.matching import _kernels as K
from dispatch.matching import alns
from dispatch.matching import ortools_model
from dispatch.matching._convert import to_result
from dispatch.matching._data import Arrays
from dispatch.matching._data import compile_problem
from dispatch.matching._data import initial_routes
from dispatch.matching.params import SolveParams
from dispatch.matching.problem import Problem
from dispatch.matching.result import Plan
from dispatch.matching.result import Result
from dispatch.matching.result import Stats
from dispatch.matching.stop import MaxRuntime
from dispatch.matching.stop import StoppingCriterion


def solve(
    problem: Problem,
    stop: StoppingCriterion | None = None,
    seed: int = 0,
    *,
    initial: Sequence[Plan] | Result | None = None,
    params: SolveParams | None = None,
) -> Result:
    """Improve all plans until ``stop``; requests that fit nowhere come back with a reason.

    Parameters
    ----------
    problem
        The problem (requests, volunteers, matrices, locked stops).
    stop
        When to stop: :class:`~dispatch.matching.stop.MaxRuntime` (time-limited) or
        :class:`~dispatch.matching.stop.MaxIterations` (deterministic for a seed). Default:
        2 seconds.
    seed
        Seed of every random choice.
    initial
        Current plans to start from (their order is the first solution); locked stops are
        kept on their volunteer and in their order, done stops stay first.
    params
        Solver parameters.

    Notes
    -----
    Three phases: (1) the current plans are completed by regret insertion, (2) OR-Tools
    improves them by guided local search from those routes (accepted only when our exact
    schedule check passes and the cost is lower), (3) our adaptive large neighbourhood search
    with the exact ride-time schedule evaluation continues until ``stop``.
    """
    t_start = time.perf_counter()
    stop = stop if stop is not None else MaxRuntime(2.0)
    params = params or SolveParams()
    if isinstance(initial, Result):
        initial = initial.plans
    A = compile_problem(problem)
    routes, lens = initial_routes(problem, tuple(initial or ()))
    R = A.nreq
    if R == 0 or A.nveh == 0:  # nothing to plan, or nobody to plan for
        stats = Stats(time.perf_counter() - t_start, 0, False, 0.0)
        return to_result(problem, A, routes, lens, stats)
    routes, lens = _repair_start(problem, A, routes, lens)
    K.seed_rng(seed)
    pending = np.array(
        [r for r in range(R) if not _in_routes(routes, lens, r)], dtype=np.int64
    )
    left = np.empty(R, np.int64)
    if len(pending):
        K.repair(routes, lens, pending, len(pending), A, 2, 0.0, left, K.ALL)
    initial_cost, _ = alns.solution_cost(A, routes, lens)

    # OR-Tools: guided local search from the current routes
    improved = False
    remaining = stop.remaining_seconds()
    op = params.ortools
    if R and op.time_share > 0 and (remaining is None or remaining > 0.2):
        seconds = op.max_seconds
        if remaining is not None:
            seconds = min(op.max_seconds, op.time_share * remaining)
        # time-limited: guided local search; iteration-limited: descent to a local optimum,
        # which ends by itself, so the whole solve stays deterministic for a seed
        guided = remaining is not None
        limit = None if guided else op.solution_limit
        start = [[int(x) for x in routes[v, 1 : lens[v] - 1]] for v in range(A.nveh)]
        run = ortools_model.run(
            problem, A, start, seconds=seconds, solution_limit=limit, scale=op.scale,
            guided=guided,
        )
        if run.found:
            cand_r, cand_l = _from_lists(A, run.routes, routes.shape[1])
            if K.all_feasible(cand_r, cand_l, A):
                cost, _ = alns.solution_cost(A, cand_r, cand_l)
                if cost < initial_cost - 1e-9:
                    routes, lens, improved = cand_r, cand_l, True

    routes, lens, iterations = alns.search(A, routes, lens, stop, params.search, seed)
    stats = Stats(time.perf_counter() - t_start, iterations, improved, initial_cost)
    return to_result(problem, A, routes, lens, stats)


def _in_routes(routes: np.ndarray, lens: np.ndarray, r: int) -> bool:
    for v in range(routes.shape[0]):
        row = routes[v, 1 : lens[v] - 1]
        if (row == 2 * r).any():
            return True
    return False


def _from_lists(A: Arrays, lists: list[list[int]], width: int) -> tuple[np.ndarray, np.ndarray]:
    V = len(lists)
    R2 = 2 * A.nreq
    routes = np.zeros((V, width), np.int64)
    lens = np.zeros(V, np.int64)
    for v, nodes in enumerate(lists):
        row = [R2 + 2 * v, *nodes, R2 + 2 * v + 1]
        routes[v, : len(row)] = row
        lens[v] = len(row)
    return routes, lens


def _repair_start(
    problem: Problem, A: Arrays, routes: np.ndarray, lens: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Drop unlocked requests a volunteer may no longer serve or whose route breaks a rule."""
    for v in range(routes.shape[0]):
        for x in routes[v, 1 : lens[v] - 1].copy():
            r = int(x) // 2
            if int(x) % 2 == 0 and A.lockveh[r] < 0 and not A.allowed[r, v]:
                K.remove_request(routes, lens, v, r)
        while lens[v] > 2 and K.route_ok(routes[v], lens[v], v, A) != K.OK:
            movable = [
                int(x) // 2
                for x in routes[v, 1 : lens[v] - 1]
                if A.lockveh[int(x) // 2] < 0
            ]
            if not movable:
                break
            K.remove_request(routes, lens, v, movable[-1])
    return routes, lens
