"""Turn route arrays into timed plans, and say why unplaced requests are unservable."""

from __future__ import annotations

import numpy as np

from dispatch.domain.kinds import StopKind
from dispatch.matching import _kernels as K
from dispatch.matching import reasons
from dispatch.matching._data import BIG
from dispatch.matching._data import Arrays
from dispatch.matching._kernels import ALL
from dispatch.matching.problem import Problem
from dispatch.matching.reasons import Reason
from dispatch.matching.result import Plan
from dispatch.matching.result import Result
from dispatch.matching.result import Stats
from dispatch.matching.result import Stop
from dispatch.matching.result import Unservable


def to_result(
    problem: Problem,
    A: Arrays,
    routes: np.ndarray,
    lens: np.ndarray,
    stats: Stats | None = None,
) -> Result:
    """Timed plans for every vehicle; requests in no route come back with a reason."""
    plans = []
    travel = 0.0
    penalty = 0.0
    served: set[int] = set()
    locked_keys = {
        (s.request_id, s.action) for veh in problem.vehicles for s in veh.locked
    }
    for v, veh in enumerate(problem.vehicles):
        n = int(lens[v])
        route = routes[v, :n]
        if n <= 2:
            plans.append(Plan(veh.id, (), 0.0, 0.0, 0.0))
            continue
        B = np.empty(n)
        D = np.empty(n)
        code = K.schedule(route, n, v, A, B, D)
        mat = problem.matrices[veh.mode]
        if code != K.OK:  # only when locked stops alone break a rule: keep them, as early as can be
            B[0] = D[0] = A.ne[route[0]]
            for i in range(1, n):
                a = D[i - 1] + mat[A.nloc[route[i - 1]], A.nloc[route[i]]]
                B[i] = max(a, A.ne[route[i]])
                D[i] = B[i] + A.ns[route[i]]
        stops = []
        for i in range(1, n - 1):
            node = int(route[i])
            r = node // 2
            req = problem.requests[r]
            action = StopKind.PICKUP if node % 2 == 0 else StopKind.DROPOFF
            loc = req.pickup if action == StopKind.PICKUP else req.dropoff
            # A.nloc, not the request's place: done stops are timed as history (_data)
            arrival = float(D[i - 1] + mat[A.nloc[route[i - 1]], A.nloc[node]])
            stops.append(
                Stop(
                    req.id, action, loc, arrival, float(B[i]), float(D[i]),
                    (req.id, action) in locked_keys,
                )
            )
            if action == StopKind.PICKUP:
                served.add(r)
                penalty += float(A.acost[r, v])
        cnt = (n - 2) // 2
        penalty += A.fair * cnt * cnt
        dist = float(K.route_travel(route, n, v, A))
        travel += dist
        plans.append(Plan(veh.id, tuple(stops), float(D[0]), float(B[n - 1]), dist))
    unservable = tuple(
        Unservable(req.id, diagnose(problem, A, routes, lens, r))
        for r, req in enumerate(problem.requests)
        if r not in served
    )
    return Result(
        tuple(plans), unservable, travel + penalty, travel, penalty, stats or Stats()
    )


def cheapest_place(
    A: Arrays, routes: np.ndarray, lens: np.ndarray, r: int
) -> tuple[float, int, int, int]:
    """Cheapest feasible insertion of request ``r``: (cost, i, j, vehicle); i = -1 when none."""
    width = routes.shape[1]
    E = np.empty(width)
    Lt = np.empty(width)
    Q = np.empty((width, A.nq.shape[1]), np.int64)
    buf = np.empty(width + 2, np.int64)
    B = np.empty(width + 2)
    D = np.empty(width + 2)
    best = (K.BIGC, -1, -1, -1)
    for v in range(A.nveh):
        if not A.allowed[r, v]:
            continue
        n = int(lens[v])
        K.prepare(routes[v], n, v, A, E, Lt, Q)
        c, i, j = K.best_insertion(
            routes[v], n, v, r, A, E, Lt, Q, best[0], buf, B, D, ALL
        )
        if i >= 0 and c < best[0]:
            best = (c, i, j, v)
    return best


def _insertable(A: Arrays, routes: np.ndarray, lens: np.ndarray, r: int) -> bool:
    return cheapest_place(A, routes, lens, r)[1] >= 0


def _empty_routes(A: Arrays, width: int) -> tuple[np.ndarray, np.ndarray]:
    routes = np.zeros((A.nveh, width), np.int64)
    for v in range(A.nveh):
        routes[v, 0] = 2 * A.nreq + 2 * v
        routes[v, 1] = 2 * A.nreq + 2 * v + 1
    return routes, np.full(A.nveh, 2, np.int64)


def diagnose(
    problem: Problem, A: Arrays, routes: np.ndarray, lens: np.ndarray, r: int
) -> Reason:
    """The constraint that keeps request ``r`` out of the plans, in plain words."""
    req = problem.requests[r]
    if not problem.vehicles:
        return Reason.of(reasons.NO_VOLUNTEER)
    if not A.allowed[r].any():
        # the rule that blocks the volunteers who miss the fewest rules
        blocks = []
        for veh in problem.vehicles:
            first = problem.blocked_by(req, veh)
            if first is None:
                continue
            rules = problem.blocking_rules(req, veh)
            blocks.append(rules if first in rules else [first])
        if not blocks:  # locked to a volunteer who cannot take it
            return Reason.of(reasons.VOLUNTEERS_BUSY)
        fewest = min(len(b) for b in blocks)
        counts: dict[str, int] = {}
        for b in blocks:
            if len(b) == fewest:
                for code in b:
                    counts[code] = counts.get(code, 0) + 1
        order = list(reasons.CODES)
        best = max(counts, key=lambda c: (counts[c], -order.index(c)))
        return Reason.of(best)
    width = routes.shape[1]
    empty, elens = _empty_routes(A, width)
    loose_ride = A._replace(rL=np.full_like(A.rL, BIG))
    loose_work = A._replace(vmaxdur=np.full_like(A.vmaxdur, BIG))
    if not _insertable(A, empty, elens, r):
        # even a free volunteer cannot do it
        if _insertable(loose_ride, empty, elens, r):
            return Reason.of(reasons.DETOUR_LIMIT)
        if _insertable(loose_work, empty, elens, r):
            return Reason.of(reasons.WORK_LIMIT)
        ne = A.ne.copy()
        nl = A.nl.copy()
        ne[2 * A.nreq :] = -BIG
        nl[2 * A.nreq :] = BIG
        loose_shift = loose_work._replace(ne=ne, nl=nl)
        if _insertable(loose_shift, empty, elens, r):
            return Reason.of(reasons.NO_VOLUNTEER_ON_SHIFT)
        return Reason.of(reasons.WINDOW_TOO_EARLY)
    if _insertable(A, routes, lens, r):  # left out (e.g. by ``insert`` of another request)
        return Reason.of(reasons.NOT_PLANNED)
    loose_cap = A._replace(vcap=np.full_like(A.vcap, 1 << 30))
    if _insertable(loose_cap, routes, lens, r):
        if req.load.get("wheelchair", 0) > 0:
            return Reason.of(reasons.WHEELCHAIR_PLACE_TAKEN)
        return Reason.of(reasons.SEATS_TAKEN)
    if _insertable(loose_ride, routes, lens, r):
        return Reason.of(reasons.DETOUR_LIMIT)
    if _insertable(loose_work, routes, lens, r):
        return Reason.of(reasons.WORK_LIMIT)
    return Reason.of(reasons.VOLUNTEERS_BUSY)
