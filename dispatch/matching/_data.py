"""Compile a Problem into flat numpy arrays for the compiled search kernels.

Node numbering: request ``r`` has pick-up node ``2r`` and drop-off node ``2r + 1``; vehicle
``v`` has start node ``2R + 2v`` and end node ``2R + 2v + 1``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dispatch.domain.kinds import StopKind
from dispatch.matching.problem import MODES
from dispatch.matching.problem import Problem
from dispatch.matching.problem import Vehicle
from dispatch.matching.result import Plan

BIG = 1.0e12


class Arrays(NamedTuple):
    """Problem data as arrays (see the module docstring for node numbering)."""

    T: np.ndarray  # float64[mode, loc, loc]
    nloc: np.ndarray  # int64[node]
    ne: np.ndarray  # float64[node] earliest start of service
    nl: np.ndarray  # float64[node] latest start of service
    ns: np.ndarray  # float64[node] service time
    nq: np.ndarray  # int64[node, kind] load change
    rL: np.ndarray  # float64[req] max ride time
    vmode: np.ndarray  # int64[veh]
    vcap: np.ndarray  # int64[veh, kind]
    vmaxdur: np.ndarray  # float64[veh]
    allowed: np.ndarray  # bool[req, veh]
    acost: np.ndarray  # float64[req, veh] soft penalty of the assignment
    upen: np.ndarray  # float64[req] penalty when unserved
    lockveh: np.ndarray  # int64[req] vehicle a request is locked to, or -1
    ndone: np.ndarray  # int64[veh] number of done stops at the start of the route
    fair: float  # weight of (trips of a vehicle)^2
    nreq: int
    nveh: int


def _clip(x: float) -> float:
    return max(-BIG, min(BIG, x))


def compile_problem(problem: Problem) -> Arrays:
    """Arrays of ``problem`` (cached on the immutable problem)."""
    cached = problem.__dict__.get("_arrays")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    arrays = _compile(problem)
    object.__setattr__(problem, "_arrays", arrays)
    return arrays


def _compile(problem: Problem) -> Arrays:
    reqs = problem.requests
    vehs = problem.vehicles
    R, V = len(reqs), len(vehs)
    kinds = problem.kinds()
    K = len(kinds)
    M = problem.num_locations
    T = np.zeros((len(MODES), M, M))
    for m, mode in enumerate(MODES):
        if mode in problem.matrices:
            T[m] = problem.matrices[mode]
    N = 2 * R + 2 * V
    nloc = np.zeros(N, np.int64)
    ne = np.zeros(N)
    nl = np.zeros(N)
    ns = np.zeros(N)
    nq = np.zeros((N, K), np.int64)
    rL = np.zeros(R)
    for r, req in enumerate(reqs):
        p, d = 2 * r, 2 * r + 1
        nloc[p], nloc[d] = req.pickup, req.dropoff
        pw = problem.pickup_window(req)
        dw = problem.dropoff_window(req)
        ne[p], nl[p] = _clip(pw[0]), _clip(pw[1])
        ne[d], nl[d] = _clip(dw[0]), _clip(dw[1])
        ns[p], ns[d] = req.pickup_service, req.dropoff_service
        for k, kind in enumerate(kinds):
            amount = req.load.get(kind, 0)
            nq[p, k], nq[d, k] = amount, -amount
        rL[r] = BIG if req.max_ride is None else req.max_ride
    vmode = np.zeros(V, np.int64)
    vcap = np.zeros((V, K), np.int64)
    vmaxdur = np.zeros(V)
    ndone = np.zeros(V, np.int64)
    lockveh = np.full(R, -1, np.int64)
    index = {req.id: r for r, req in enumerate(reqs)}
    for v, veh in enumerate(vehs):
        s, e = 2 * R + 2 * v, 2 * R + 2 * v + 1
        nloc[s], nloc[e] = veh.start, veh.end_location
        ne[s] = ne[e] = _clip(veh.shift[0])
        nl[s] = nl[e] = _clip(veh.shift[1])
        vmode[v] = MODES.index(veh.mode)
        for k, kind in enumerate(kinds):
            vcap[v, k] = veh.capacity.get(kind, 0)
        vmaxdur[v] = _clip(problem.route_limit(veh))
        for stop in veh.locked:
            lockveh[index[stop.request_id]] = v
            if stop.done:
                ndone[v] += 1
    for v, veh in enumerate(vehs):
        if ndone[v]:
            _done_as_history(veh, 2 * R + 2 * v, index, nloc, ne)
    allowed = np.zeros((R, V), np.bool_)
    acost = np.zeros((R, V))
    for r, req in enumerate(reqs):
        for v, veh in enumerate(vehs):
            allowed[r, v] = problem.blocked_by(req, veh) is None
            acost[r, v] = problem.soft_cost(req, veh)
        if lockveh[r] >= 0:
            keep = lockveh[r]
            allowed[r, :] = False
            allowed[r, keep] = True
    upen = np.full(R, problem.weights.unserved)
    return Arrays(
        T, nloc, ne, nl, ns, nq, rL, vmode, vcap, vmaxdur, allowed, acost, upen, lockveh, ndone,
        float(problem.weights.fairness), R, V,
    )


def _done_as_history(veh: Vehicle, start: int, index: dict[str, int], nloc: np.ndarray,
                     ne: np.ndarray) -> None:
    """Done stops are history: kept at the times reported, whatever the travel time says.

    The vehicle's start and its done stops share the place of the last done stop (no travel
    into or between them), so the route is timed from there on; the shift starts no later
    than the first done stop (the volunteer evidently set out). ``start + 1`` is the end node.
    """
    done = [2 * index[s.request_id] + (0 if s.action == StopKind.PICKUP else 1)
            for s in veh.locked if s.done]
    here = nloc[done[-1]]
    nloc[start] = here
    for node in done:
        nloc[node] = here
    ne[start] = ne[start + 1] = min(ne[start], ne[done[0]])


def initial_routes(
    problem: Problem, plans: tuple[Plan, ...] | list[Plan] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Routes array ``[V, 2R + 2]`` and lengths from current plans plus locked stops.

    A vehicle without a plan starts with its locked stops in order. Requests of a plan that
    are no longer in the problem are dropped (e.g. cancelled).
    """
    R, V = len(problem.requests), len(problem.vehicles)
    width = 2 * R + 2
    routes = np.zeros((V, width), np.int64)
    lens = np.zeros(V, np.int64)
    index = {req.id: r for r, req in enumerate(problem.requests)}
    by_vehicle = {p.vehicle_id: p for p in plans or ()}
    unknown = set(by_vehicle) - {v.id for v in problem.vehicles}
    if unknown:
        msg = f"Plans for unknown vehicles {sorted(unknown)}."
        raise ValueError(msg)
    placed: set[str] = set()
    for v, veh in enumerate(problem.vehicles):
        nodes: list[int] = []
        plan = by_vehicle.get(veh.id)
        if plan is not None:
            for s in plan.stops:
                if s.request_id in index:
                    r = index[s.request_id]
                    nodes.append(2 * r + (0 if s.action == "pickup" else 1))
        locked = [
            2 * index[s.request_id] + (0 if s.action == "pickup" else 1) for s in veh.locked
        ]
        if locked and [n for n in nodes if n in set(locked)] != locked:
            if plan is not None and any(n in set(locked) for n in nodes):
                msg = f"Plan of {veh.id} does not keep its locked stops in order."
                raise ValueError(msg)
            nodes = locked + [n for n in nodes if n not in set(locked)]
        done = locked[: sum(1 for s in veh.locked if s.done)]
        if done and nodes[: len(done)] != done:  # done stops always come first
            nodes = done + [n for n in nodes if n not in set(done)]
        # keep a request only when both its stops are here, pick-up first, and not yet placed
        final: list[int] = []
        kept: set[int] = set()
        for pos, n in enumerate(nodes):
            r = n // 2
            rid = problem.requests[r].id
            if n % 2 == 0:
                if rid not in placed and r not in kept and (n + 1) in nodes[pos + 1 :]:
                    kept.add(r)
                    final.append(n)
            elif r in kept and n not in final:
                final.append(n)
        placed.update(problem.requests[r].id for r in kept)
        row = [2 * R + 2 * v, *final, 2 * R + 2 * v + 1]
        routes[v, : len(row)] = row
        lens[v] = len(row)
    return routes, lens
