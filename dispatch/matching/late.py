"""Locked stops running late: the times they can still keep become their limits.

A volunteer who set out late, or a stop that took longer, can leave a route's accepted stops
with no schedule that keeps every window, ride limit and shift end. That is what happened, not
a plan to refuse: each limit those stops can no longer keep moves to what they can still keep
(served as early as can be), so the route is feasible again and nothing new may make it later.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dispatch.matching import _kernels as K
from dispatch.matching._data import Arrays
from dispatch.matching._data import compile_problem
from dispatch.matching.problem import Problem
from dispatch.matching.problem import Request
from dispatch.matching.problem import Vehicle

#: Rounds of widening: a later drop-off can move a tied return ride, which is looked at again.
ROUNDS = 3


def keep_late_locked(problem: Problem) -> Problem:
    """``problem`` with the limits of late locked stops widened to their earliest times (the
    same problem when every route of locked stops can be kept)."""
    for _ in range(ROUNDS):
        A = compile_problem(problem)
        index = {r.id: i for i, r in enumerate(problem.requests)}
        requests = {r.id: r for r in problem.requests}
        vehicles = list(problem.vehicles)
        changed = False
        for v, veh in enumerate(problem.vehicles):
            if not veh.locked:
                continue
            nodes = [2 * index[s.request_id] + (0 if s.action == "pickup" else 1)
                     for s in veh.locked]
            route = np.array([2 * A.nreq + 2 * v, *nodes, 2 * A.nreq + 2 * v + 1], np.int64)
            n = len(route)
            B, D = np.empty(n), np.empty(n)
            if K.schedule(route, n, v, A, B, D) == K.OK:
                continue
            _as_early_as_can_be(A, route, v, B, D)
            for i, node in enumerate(route[1:-1], start=1):
                req = requests[problem.requests[int(node) // 2].id]
                widened = _widened(problem, A, req, route, int(node), i, B, D)
                if widened is not req:
                    requests[req.id] = widened
                    changed = True
            if B[n - 1] > veh.shift[1]:
                vehicles[v] = _later_end(veh, float(B[n - 1]))
                changed = True
        if not changed:
            return problem
        problem = replace(problem, requests=tuple(requests[r.id] for r in problem.requests),
                          vehicles=tuple(vehicles))
    return problem


def _as_early_as_can_be(A: Arrays, route: np.ndarray, v: int, B: np.ndarray,
                        D: np.ndarray) -> None:
    """Start times of ``route`` with every stop served as soon as it is reached."""
    T = A.T[A.vmode[v]]
    B[0] = D[0] = A.ne[route[0]]
    for i in range(1, len(route)):
        a = D[i - 1] + T[A.nloc[route[i - 1]], A.nloc[route[i]]]
        B[i] = max(a, A.ne[route[i]])
        D[i] = B[i] + A.ns[route[i]]


def _widened(problem: Problem, A: Arrays, req: Request, route: np.ndarray, node: int, i: int,
             B: np.ndarray, D: np.ndarray) -> Request:
    """``req`` with the window of ``node`` (at position ``i``) and its ride limit reaching
    the times the route can keep."""
    if node % 2 == 0:
        lo, hi = problem.pickup_window(req)
        if B[i] > hi:  # a return ride's window, tied to its appointment, becomes its own
            req = replace(req, pickup_window=(lo, float(B[i])))
        return req
    lo, hi = problem.dropoff_window(req)
    if B[i] > hi:
        req = replace(req, dropoff_window=(lo, float(B[i])))
    where = [j for j in range(1, i) if int(route[j]) == node - 1]
    if where and req.max_ride is not None:
        ride = float(B[i] - D[where[0]])
        if ride > req.max_ride:
            req = replace(req, max_ride=ride)
    return req


def _later_end(veh: Vehicle, end: float) -> Vehicle:
    """``veh`` with its shift (and the work it may do) lasting until ``end``."""
    work = None if veh.max_work is None else max(veh.max_work, end - veh.shift[0])
    return replace(veh, shift=(veh.shift[0], end), max_work=work)
