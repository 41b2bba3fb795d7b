"""The OR-Tools routing model (the only module importing ortools).

Pick-up and delivery with per-vehicle travel modes, a time dimension with windows, service
times, route duration and ride time as cumul constraints, one capacity dimension per load
kind, allowed vehicles, locked stops fixed to their vehicle and order, and a penalty for each
unserved request. OR-Tools works in integers: times are multiplied by ``scale``; travel and
service are rounded up and latest times down, so its plans stay feasible in real numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp
from ortools.constraint_solver import routing_enums_pb2

from dispatch.matching._data import BIG
from dispatch.matching._data import Arrays
from dispatch.matching.problem import Problem


@dataclass
class OrToolsRun:
    """Routes (node lists without depots) and OR-Tools start times per node."""

    routes: list[list[int]]
    starts: dict[int, float]
    found: bool


def _horizon(A: Arrays) -> float:
    finite = [x for x in np.concatenate([A.ne, A.nl]) if abs(x) < BIG / 2]
    top = max(finite) if finite else 0.0
    return top + float(A.ns.sum()) + (2 * A.nreq + 2) * float(A.T.max())


def _clock_start(A: Arrays) -> float:
    """Zero of OR-Tools' clock: 0, or the earliest time when one lies before it (a done stop
    reported before the service day, as when a trip is closed early)."""
    finite = A.ne[np.abs(A.ne) < BIG / 2]
    return min(0.0, float(finite.min())) if finite.size else 0.0


def run(
    problem: Problem,
    A: Arrays,
    initial: list[list[int]] | None,
    *,
    seconds: float,
    solution_limit: int | None = None,
    scale: int = 100,
    guided: bool = True,
) -> OrToolsRun:
    """Solve with OR-Tools, from ``initial`` routes when given.

    ``guided``: guided local search; ``False`` leaves OR-Tools at its default search settings
    (greedy descent to a local optimum, only the time limit set), which is also the
    benchmark's ``ortools-default``.
    """
    R, V = A.nreq, A.nveh
    N = 2 * R + 2 * V
    starts = [2 * R + 2 * v for v in range(V)]
    ends = [2 * R + 2 * v + 1 for v in range(V)]
    manager = pywrapcp.RoutingIndexManager(N, V, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()
    base = _clock_start(A)
    hz = _horizon(A) - base
    hz_i = int(math.ceil(hz * scale)) + 1
    node_of = [manager.IndexToNode(i) for i in range(routing.Size() + V)]
    nloc = A.nloc
    ns = A.ns

    time_cbs = {}
    cost_cbs = {}
    for mode in sorted(set(int(m) for m in A.vmode)):
        tm = A.T[mode]
        tt = np.ceil((tm[np.ix_(nloc, nloc)] + ns[:, None]) * scale - 1e-9).astype(np.int64)
        cc = np.rint(tm[np.ix_(nloc, nloc)] * scale).astype(np.int64)
        tt_l = tt.tolist()
        cc_l = cc.tolist()

        def tcb(i: int, j: int, tt_l: list[list[int]] = tt_l) -> int:
            return tt_l[node_of[i]][node_of[j]]

        def ccb(i: int, j: int, cc_l: list[list[int]] = cc_l) -> int:
            return cc_l[node_of[i]][node_of[j]]

        time_cbs[mode] = routing.RegisterTransitCallback(tcb)
        cost_cbs[mode] = routing.RegisterTransitCallback(ccb)
    for v in range(V):
        routing.SetArcCostEvaluatorOfVehicle(cost_cbs[int(A.vmode[v])], v)
    routing.AddDimensionWithVehicleTransits(
        [time_cbs[int(A.vmode[v])] for v in range(V)], hz_i, hz_i, False, "time"
    )
    time = routing.GetDimensionOrDie("time")
    for k in range(A.nq.shape[1]):
        q = A.nq[:, k].tolist()

        def qcb(i: int, q: list[int] = q) -> int:
            return q[node_of[i]]

        cb = routing.RegisterUnaryTransitCallback(qcb)
        routing.AddDimensionWithVehicleCapacity(
            cb, 0, [int(c) for c in A.vcap[:, k]], True, f"load{k}"
        )

    def lo(x: float) -> int:
        """An earliest time on OR-Tools' clock (which starts at ``base``)."""
        return max(0, int(math.ceil((x - base) * scale - 1e-9))) if x > -BIG / 2 else 0

    def hi(x: float) -> int:
        """A latest time on OR-Tools' clock."""
        return span(x - base) if x < BIG / 2 else hz_i

    def window(node: int) -> tuple[int, int]:
        """A node's window on OR-Tools' clock; a window of one instant (a done stop) that
        falls between two ticks is the tick before it."""
        a, b = lo(A.ne[node]), hi(A.nl[node])
        return (b, b) if a > b and A.nl[node] - A.ne[node] < 1.0 / scale else (a, b)

    def span(x: float) -> int:
        """A longest duration."""
        return min(hz_i, int(math.floor(x * scale + 1e-9))) if x < BIG / 2 else hz_i

    for v in range(V):
        for idx in (routing.Start(v), routing.End(v)):
            node = node_of[idx]
            time.CumulVar(idx).SetRange(*window(node))
        if A.vmaxdur[v] < BIG / 2:
            time.SetSpanUpperBoundForVehicle(span(A.vmaxdur[v]), v)
    penalty = int(min(A.upen.max() * scale, 1 << 50)) if R else 0
    for r in range(R):
        p = manager.NodeToIndex(2 * r)
        d = manager.NodeToIndex(2 * r + 1)
        routing.AddPickupAndDelivery(p, d)
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        solver.Add(time.CumulVar(p) <= time.CumulVar(d))
        for node, idx in ((2 * r, p), (2 * r + 1, d)):
            time.CumulVar(idx).SetRange(*window(node))
        if A.rL[r] < BIG / 2:
            solver.Add(time.CumulVar(d) - time.CumulVar(p) <= span(A.rL[r] + ns[2 * r]))
        allowed = [v for v in range(V) if A.allowed[r, v]]
        if len(allowed) < V:
            # SetAllowedVehiclesForIndex does not take a list in this OR-Tools build
            values = allowed if A.lockveh[r] >= 0 else [-1, *allowed]
            routing.VehicleVar(p).SetValues(values)
            routing.VehicleVar(d).SetValues(values)
        if A.lockveh[r] < 0:
            routing.AddDisjunction([p, d], penalty, 2)
    _lock_order(problem, manager, routing, solver)

    params = pywrapcp.DefaultRoutingSearchParameters()
    if guided:
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        params.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        )
    if solution_limit is not None:
        params.solution_limit = solution_limit
    params.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    solution = None
    if initial is not None and any(initial):
        routing.CloseModelWithParameters(params)
        start = routing.ReadAssignmentFromRoutes(initial, True)
        if start is not None:
            solution = routing.SolveFromAssignmentWithParameters(start, params)
    if solution is None:
        solution = routing.SolveWithParameters(params)
    if solution is None:
        return OrToolsRun([[] for _ in range(V)], {}, False)
    out: list[list[int]] = []
    times: dict[int, float] = {}
    for v in range(V):
        idx = routing.Start(v)
        nodes = []
        while True:
            node = node_of[idx]
            times[node] = solution.Min(time.CumulVar(idx)) / scale + base
            if routing.IsEnd(idx):
                break
            if node < 2 * R:
                nodes.append(node)
            idx = solution.Value(routing.NextVar(idx))
        out.append(nodes)
    return OrToolsRun(out, times, True)


def _lock_order(
    problem: Problem,
    manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel,
    solver: pywrapcp.Solver,
) -> None:
    """Keep locked stops in order (a counting dimension); done stops first."""
    if not any(v.locked for v in problem.vehicles):
        return
    one = routing.RegisterTransitCallback(lambda i, j: 1)
    size = 2 * len(problem.requests) + 2
    routing.AddDimension(one, 0, size, True, "order")
    order = routing.GetDimensionOrDie("order")
    index = {r.id: i for i, r in enumerate(problem.requests)}
    for veh in problem.vehicles:
        prev = None
        for pos, stop in enumerate(veh.locked):
            node = 2 * index[stop.request_id] + (0 if stop.action == "pickup" else 1)
            idx = manager.NodeToIndex(node)
            if stop.done:
                solver.Add(order.CumulVar(idx) == pos + 1)
            if prev is not None:
                solver.Add(order.CumulVar(prev) < order.CumulVar(idx))
            prev = idx
