"""Compiled kernels: route schedule evaluation, cheapest feasible insertion, destroy and repair.

The schedule evaluation is the eight-step procedure of Cordeau & Laporte (2003): start as
early as possible, then use forward time slack to delay the departure from the depot and each
pick-up so that waiting with a passenger on board (and so ride time) is cut while every time
window stays kept. Insertion filters positions by load, earliest/latest start and a ride-time
lower bound, then evaluates the cheapest candidates exactly until one is feasible.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EPS = 1e-7
BIGC = 1e15
ALL = 1 << 40  # no limit on exact checks per insertion

OK = 0
BAD_WINDOW = 1
BAD_LOAD = 2
BAD_RIDE = 3
BAD_DURATION = 4


@njit(cache=True)
def seed_rng(seed: int) -> None:  # pragma: no cover - compiled
    """Seed numba's random generator."""
    np.random.seed(seed)


@njit(cache=True)
def schedule(route, n, v, A, B, D):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Fill start ``B`` and departure ``D`` for ``route[:n]`` of vehicle ``v``; 0 if feasible."""
    R2 = 2 * A.nreq
    T = A.T[A.vmode[v]]
    K = A.nq.shape[1]
    for k in range(K):
        load = 0
        for i in range(1, n - 1):
            load += A.nq[route[i], k]
            if load > A.vcap[v, k]:
                return BAD_LOAD
    W = np.empty(n)
    first = route[0]
    B[0] = A.ne[first]
    D[0] = B[0]
    W[0] = 0.0
    for i in range(1, n):
        node = route[i]
        a = D[i - 1] + T[A.nloc[route[i - 1]], A.nloc[node]]
        b = a if a > A.ne[node] else A.ne[node]
        if b > A.nl[node] + EPS:
            return BAD_WINDOW
        W[i] = b - a
        B[i] = b
        D[i] = b + A.ns[node]
    # pick-up position of each drop-off
    pp = np.full(n, -1, np.int64)
    for i in range(1, n - 1):
        node = route[i]
        if node < R2 and node % 2 == 1:
            for j in range(i - 1, 0, -1):
                if route[j] == node - 1:
                    pp[i] = j
                    break
    # forward time slack at the depot, delay the departure
    F = 1e300
    wsum = 0.0
    for h in range(0, n):
        if h > 0:
            wsum += W[h]
        sl = A.nl[route[h]] - B[h]
        if sl < 0.0:
            sl = 0.0
        if wsum + sl < F:
            F = wsum + sl
    wtot = 0.0
    for h in range(1, n):
        wtot += W[h]
    delay = F if wtot > F else wtot
    if delay > 0.0:
        B[0] += delay
        D[0] = B[0]
        for i in range(1, n):
            node = route[i]
            a = D[i - 1] + T[A.nloc[route[i - 1]], A.nloc[node]]
            b = a if a > A.ne[node] else A.ne[node]
            W[i] = b - a
            B[i] = b
            D[i] = b + A.ns[node]
    if B[n - 1] - D[0] > A.vmaxdur[v] + EPS:
        return BAD_DURATION
    # delay each pick-up by its forward time slack to cut ride times
    need = False
    for h in range(1, n - 1):
        if pp[h] >= 0:
            r = route[h] // 2
            if B[h] - D[pp[h]] > A.rL[r] + EPS:
                need = True
                break
    if need:
        for j in range(1, n - 1):
            node = route[j]
            if node >= R2 or node % 2 == 1:
                continue
            wafter = 0.0
            for h in range(j + 1, n):
                wafter += W[h]
            if wafter <= 0.0:
                continue
            F = 1e300
            wsum = 0.0
            for h in range(j, n):
                if h > j:
                    wsum += W[h]
                sl = A.nl[route[h]] - B[h]
                if pp[h] >= 0 and pp[h] < j:
                    rs = A.rL[route[h] // 2] - (B[h] - D[pp[h]])
                    if rs < sl:
                        sl = rs
                if sl < 0.0:
                    sl = 0.0
                if wsum + sl < F:
                    F = wsum + sl
            delay = F if wafter > F else wafter
            if delay > 0.0:
                B[j] += delay
                W[j] += delay
                D[j] = B[j] + A.ns[node]
                for i in range(j + 1, n):
                    nd = route[i]
                    a = D[i - 1] + T[A.nloc[route[i - 1]], A.nloc[nd]]
                    b = a if a > A.ne[nd] else A.ne[nd]
                    W[i] = b - a
                    B[i] = b
                    D[i] = b + A.ns[nd]
    for h in range(1, n - 1):
        if pp[h] >= 0:
            r = route[h] // 2
            if B[h] - D[pp[h]] > A.rL[r] + EPS:
                return BAD_RIDE
    for i in range(n):
        if B[i] > A.nl[route[i]] + EPS:
            return BAD_WINDOW
    if B[n - 1] - D[0] > A.vmaxdur[v] + EPS:
        return BAD_DURATION
    # a drop-off without its pick-up before it is a precedence error
    for h in range(1, n - 1):
        node = route[h]
        if node < R2 and node % 2 == 1 and pp[h] < 0:
            return BAD_WINDOW
    return OK


@njit(cache=True)
def route_ok(route, n, v, A):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Feasibility code of a route."""
    B = np.empty(n)
    D = np.empty(n)
    return schedule(route, n, v, A, B, D)


@njit(cache=True)
def route_travel(route, n, v, A):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Travel time of a route."""
    T = A.T[A.vmode[v]]
    c = 0.0
    for i in range(n - 1):
        c += T[A.nloc[route[i]], A.nloc[route[i + 1]]]
    return c


@njit(cache=True)
def route_cost(route, n, v, A):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Travel plus soft penalties plus fairness of a route."""
    c = route_travel(route, n, v, A)
    cnt = 0
    for i in range(1, n - 1):
        node = route[i]
        if node % 2 == 0:
            c += A.acost[node // 2, v]
            cnt += 1
    return c + A.fair * cnt * cnt


@njit(cache=True)
def total_cost(routes, lens, A, served):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Cost of a solution; ``served`` is filled with 1 for every request in a route."""
    served[:] = 0
    c = 0.0
    for v in range(A.nveh):
        c += route_cost(routes[v], lens[v], v, A)
        for i in range(1, lens[v] - 1):
            served[routes[v, i] // 2] = 1
    for r in range(A.nreq):
        if served[r] == 0:
            c += A.upen[r]
    return c


@njit(cache=True)
def prepare(route, n, v, A, E, Lt, Q):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Earliest starts ``E``, latest starts ``Lt`` and loads ``Q`` (after each stop)."""
    T = A.T[A.vmode[v]]
    K = A.nq.shape[1]
    E[0] = A.ne[route[0]]
    for i in range(1, n):
        a = E[i - 1] + A.ns[route[i - 1]] + T[A.nloc[route[i - 1]], A.nloc[route[i]]]
        E[i] = a if a > A.ne[route[i]] else A.ne[route[i]]
    Lt[n - 1] = A.nl[route[n - 1]]
    for i in range(n - 2, -1, -1):
        x = Lt[i + 1] - A.ns[route[i]] - T[A.nloc[route[i]], A.nloc[route[i + 1]]]
        Lt[i] = x if x < A.nl[route[i]] else A.nl[route[i]]
    for k in range(K):
        Q[0, k] = 0
    for i in range(1, n):
        for k in range(K):
            Q[i, k] = Q[i - 1, k] + A.nq[route[i], k]


@njit(cache=True)
def best_insertion(route, n, v, r, A, E, Lt, Q, bound, buf, B, D, max_evals):  # type: ignore[no-untyped-def]  # noqa: E501  # pragma: no cover
    """Cheapest feasible insertion of request ``r`` into route ``v``.

    Returns ``(delta, i, j)``: pick-up after position ``i``, drop-off after position ``j`` of
    the current route (``j >= i``); ``i = -1`` when there is none with ``delta < bound``.
    The delta covers travel, the soft penalty and the fairness term. At most ``max_evals``
    candidates (cheapest first) get the exact schedule check.
    """
    if not A.allowed[r, v]:
        return BIGC, -1, -1
    T = A.T[A.vmode[v]]
    K = A.nq.shape[1]
    p = 2 * r
    d = p + 1
    lp = A.nloc[p]
    ld = A.nloc[d]
    sp = A.ns[p]
    sd = A.ns[d]
    L = A.rL[r]
    t_pd = T[lp, ld]
    cnt = (n - 2) // 2
    extra = A.acost[r, v] + A.fair * (2 * cnt + 1)
    maxc = n * (n - 1) // 2 + 1
    cd = np.empty(maxc)
    ci = np.empty(maxc, np.int64)
    cj = np.empty(maxc, np.int64)
    m = 0
    start = A.ndone[v]
    for i in range(start, n - 1):
        over = False
        for k in range(K):
            if Q[i, k] + A.nq[p, k] > A.vcap[v, k]:
                over = True
                break
        if over:
            continue
        ni = route[i]
        li = A.nloc[ni]
        Bp = E[i] + A.ns[ni] + T[li, lp]
        if Bp < A.ne[p]:
            Bp = A.ne[p]
        if Bp > A.nl[p] + EPS:
            break
        nx = route[i + 1]
        lx = A.nloc[nx]
        # drop-off right after the pick-up
        Bd = Bp + sp + t_pd
        if Bd < A.ne[d]:
            Bd = A.ne[d]
        if Bd <= A.nl[d] + EPS and t_pd <= L + EPS:
            Bn = Bd + sd + T[ld, lx]
            if Bn < A.ne[nx]:
                Bn = A.ne[nx]
            if Bn <= Lt[i + 1] + EPS:
                delta = T[li, lp] + t_pd + T[ld, lx] - T[li, lx] + extra
                if delta < bound:
                    cd[m] = delta
                    ci[m] = i
                    cj[m] = i
                    m += 1
        # drop-off later
        dp = T[li, lp] + T[lp, lx] - T[li, lx]
        Ecur = Bp + sp + T[lp, lx]
        if Ecur < A.ne[nx]:
            Ecur = A.ne[nx]
        if Ecur > Lt[i + 1] + EPS:
            continue
        ride = T[lp, lx]
        for j in range(i + 1, n - 1):
            over = False
            for k in range(K):
                if Q[j, k] + A.nq[p, k] > A.vcap[v, k]:
                    over = True
                    break
            if over:
                break
            nj = route[j]
            lj = A.nloc[nj]
            if j > i + 1:
                prev = route[j - 1]
                a = Ecur + A.ns[prev] + T[A.nloc[prev], lj]
                Ecur = a if a > A.ne[nj] else A.ne[nj]
                if Ecur > Lt[j] + EPS:
                    break
                ride += A.ns[prev] + T[A.nloc[prev], lj]
            rl = ride + A.ns[nj] + T[lj, ld]
            if rl > L + EPS:
                continue
            Bd = Ecur + A.ns[nj] + T[lj, ld]
            if Bd < A.ne[d]:
                Bd = A.ne[d]
            if Bd > A.nl[d] + EPS:
                continue
            nn = route[j + 1]
            ln = A.nloc[nn]
            Bn = Bd + sd + T[ld, ln]
            if Bn < A.ne[nn]:
                Bn = A.ne[nn]
            if Bn > Lt[j + 1] + EPS:
                continue
            delta = dp + T[lj, ld] + T[ld, ln] - T[lj, ln] + extra
            if delta < bound:
                cd[m] = delta
                ci[m] = i
                cj[m] = j
                m += 1
    if m == 0:
        return BIGC, -1, -1
    # exact check in order of cost; usually the first or second candidate is feasible, so
    # pick minima one by one instead of sorting
    for _ in range(min(m, max_evals)):
        c = 0
        for t in range(1, m):
            if cd[t] < cd[c]:
                c = t
        if cd[c] >= BIGC:
            break
        i = ci[c]
        j = cj[c]
        build(route, n, i, j, p, buf)
        if schedule(buf, n + 2, v, A, B, D) == OK:
            return cd[c], i, j
        cd[c] = BIGC
    return BIGC, -1, -1


@njit(cache=True)
def build(route, n, i, j, p, buf):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Write ``route`` with ``p`` after position ``i`` and ``p + 1`` after ``j`` into ``buf``."""
    w = 0
    for k in range(n):
        buf[w] = route[k]
        w += 1
        if k == i:
            buf[w] = p
            w += 1
            if j == i:
                buf[w] = p + 1
                w += 1
        elif k == j:
            buf[w] = p + 1
            w += 1


@njit(cache=True)
def apply_insert(routes, lens, v, i, j, p):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Insert request with pick-up node ``p`` into ``routes[v]`` after positions i and j."""
    n = lens[v]
    tmp = routes[v, :n].copy()
    build(tmp, n, i, j, p, routes[v])
    lens[v] = n + 2


@njit(cache=True)
def remove_request(routes, lens, v, r):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Remove both stops of request ``r`` from ``routes[v]``."""
    n = lens[v]
    w = 0
    for k in range(n):
        node = routes[v, k]
        if node == 2 * r or node == 2 * r + 1:
            continue
        routes[v, w] = node
        w += 1
    lens[v] = w


@njit(cache=True)
def repair(routes, lens, pending, npend, A, kreg, noise, left, max_evals):  # type: ignore[no-untyped-def]  # noqa: E501  # pragma: no cover
    """Insert the ``pending`` requests by regret-``kreg`` insertion (``kreg = 1``: greedy).

    ``noise`` perturbs the insertion costs (as a share of the longest trip). Requests that fit
    nowhere are written to ``left``; returns their number.
    """
    V = A.nveh
    width = routes.shape[1]
    K = A.nq.shape[1]
    E = np.empty((V, width))
    Lt = np.empty((V, width))
    Q = np.empty((V, width, K), np.int64)
    buf = np.empty(width + 2, np.int64)
    B = np.empty(width + 2)
    D = np.empty(width + 2)
    for v in range(V):
        prepare(routes[v], lens[v], v, A, E[v], Lt[v], Q[v])
    maxt = 0.0
    if noise > 0:
        for r in range(npend):
            rr = pending[r]
            tt = A.T[0, A.nloc[2 * rr], A.nloc[2 * rr + 1]]
            if tt > maxt:
                maxt = tt
    amp = noise * maxt
    bc = np.full((npend, V), BIGC)
    bi = np.full((npend, V), -1, np.int64)
    bj = np.full((npend, V), -1, np.int64)
    alive = np.ones(npend, np.bool_)
    for q in range(npend):
        r = pending[q]
        for v in range(V):
            c, i, j = best_insertion(
                routes[v], lens[v], v, r, A, E[v], Lt[v], Q[v], BIGC, buf, B, D, max_evals
            )
            if i >= 0:
                if amp > 0:
                    c += amp * (2.0 * np.random.random() - 1.0)
                bc[q, v] = c
                bi[q, v] = i
                bj[q, v] = j
    remaining = npend
    while remaining > 0:
        bestq = -1
        bestscore = -1e300
        bestfirst = 1e300
        for q in range(npend):
            if not alive[q]:
                continue
            c1 = 1e300
            c2 = 1e300
            c3 = 1e300
            nfeas = 0
            for v in range(V):
                c = bc[q, v]
                if bi[q, v] < 0:
                    continue
                nfeas += 1
                if c < c1:
                    c3 = c2
                    c2 = c1
                    c1 = c
                elif c < c2:
                    c3 = c2
                    c2 = c
                elif c < c3:
                    c3 = c
            if nfeas == 0:
                continue
            if kreg <= 1:
                score = -c1
            else:
                score = 0.0
                score += (c2 - c1) if nfeas >= 2 else 1e12
                if kreg >= 3:
                    score += (c3 - c1) if nfeas >= 3 else 1e12
            if score > bestscore or (score == bestscore and c1 < bestfirst):
                bestscore = score
                bestfirst = c1
                bestq = q
        if bestq < 0:
            break
        q = bestq
        r = pending[q]
        bv = -1
        c1 = 1e300
        for v in range(V):
            if bi[q, v] >= 0 and bc[q, v] < c1:
                c1 = bc[q, v]
                bv = v
        apply_insert(routes, lens, bv, bi[q, bv], bj[q, bv], 2 * r)
        prepare(routes[bv], lens[bv], bv, A, E[bv], Lt[bv], Q[bv])
        alive[q] = False
        remaining -= 1
        for q2 in range(npend):
            # a request that did not fit into route bv does not fit after another was added
            # (removing a request keeps a route feasible), so only feasible entries change
            if not alive[q2] or bi[q2, bv] < 0:
                continue
            r2 = pending[q2]
            c, i, j = best_insertion(
                routes[bv], lens[bv], bv, r2, A, E[bv], Lt[bv], Q[bv], BIGC, buf, B, D, max_evals
            )
            if i >= 0 and amp > 0:
                c += amp * (2.0 * np.random.random() - 1.0)
            bc[q2, bv] = c
            bi[q2, bv] = i
            bj[q2, bv] = j
    m = 0
    for q in range(npend):
        if alive[q]:
            left[m] = pending[q]
            m += 1
    return m


@njit(cache=True)
def removal_gain(routes, lens, A, gain, where):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Cost saved by removing each served, unlocked request (``where``: its vehicle or -1)."""
    gain[:] = -1e300
    where[:] = -1
    for v in range(A.nveh):
        n = lens[v]
        T = A.T[A.vmode[v]]
        cnt = (n - 2) // 2
        route = routes[v]
        for i in range(1, n - 1):
            node = route[i]
            r = node // 2
            if A.lockveh[r] >= 0:
                continue
            lprev = A.nloc[route[i - 1]]
            lnext = A.nloc[route[i + 1]]
            ln = A.nloc[node]
            if node % 2 == 0:
                where[r] = v
                g = A.acost[r, v] + A.fair * (2 * cnt - 1)
                if route[i + 1] == node + 1:
                    lnn = A.nloc[route[i + 2]]
                    g += T[lprev, ln] + T[ln, lnext] + T[lnext, lnn] - T[lprev, lnn]
                    gain[r] = g
                else:
                    gain[r] = g + T[lprev, ln] + T[ln, lnext] - T[lprev, lnext]
            elif route[i - 1] != node - 1:
                gain[r] += T[lprev, ln] + T[ln, lnext] - T[lprev, lnext]


@njit(cache=True)
def destroy(routes, lens, A, op, q, start, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Remove up to ``q`` unlocked served requests; operator ``op``.

    0 random, 1 worst (randomised), 2 related (Shaw: places and times), 3 one route.
    ``start`` holds the start times of every node. Removed ids go to ``out``; returns count.
    """
    R = A.nreq
    gain = np.empty(R)
    where = np.empty(R, np.int64)
    removal_gain(routes, lens, A, gain, where)
    cand = np.empty(R, np.int64)
    nc = 0
    for r in range(R):
        if where[r] >= 0:
            cand[nc] = r
            nc += 1
    if nc == 0:
        return 0
    if q > nc:
        q = nc
    m = 0
    if op == 0:
        perm = np.random.permutation(nc)
        for t in range(q):
            out[m] = cand[perm[t]]
            m += 1
    elif op == 1:
        while m < q:
            removal_gain(routes, lens, A, gain, where)
            nc2 = 0
            for r in range(R):
                if where[r] >= 0:
                    cand[nc2] = r
                    nc2 += 1
            if nc2 == 0:
                break
            g = np.empty(nc2)
            for t in range(nc2):
                g[t] = -gain[cand[t]]
            order = np.argsort(g)
            y = np.random.random()
            idx = int((y**4) * nc2)
            r = cand[order[idx]]
            remove_request(routes, lens, where[r], r)
            out[m] = r
            m += 1
        return m
    elif op == 2:
        T = A.T[0]
        seed = cand[np.random.randint(nc)]
        out[0] = seed
        m = 1
        taken = np.zeros(R, np.bool_)
        taken[seed] = True
        rel = np.empty(nc)
        while m < q:
            ref = out[np.random.randint(m)]
            pr = A.nloc[2 * ref]
            dr = A.nloc[2 * ref + 1]
            for t in range(nc):
                r = cand[t]
                if taken[r]:
                    rel[t] = 1e300
                    continue
                rel[t] = (
                    T[pr, A.nloc[2 * r]]
                    + T[dr, A.nloc[2 * r + 1]]
                    + abs(start[2 * ref] - start[2 * r])
                    + abs(start[2 * ref + 1] - start[2 * r + 1])
                )
            order = np.argsort(rel)
            avail = nc - m
            y = np.random.random()
            idx = int((y**6) * avail)
            r = cand[order[idx]]
            taken[r] = True
            out[m] = r
            m += 1
    else:
        v = where[cand[np.random.randint(nc)]]
        for t in range(nc):
            r = cand[t]
            if where[r] == v and m < R:
                out[m] = r
                m += 1
    for t in range(m):
        r = out[t]
        remove_request(routes, lens, where[r], r)
    return m


@njit(cache=True)
def start_times(routes, lens, A, start):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Start of service of every node in the routes (by the schedule evaluation)."""
    width = routes.shape[1]
    B = np.empty(width)
    D = np.empty(width)
    for v in range(A.nveh):
        n = lens[v]
        schedule(routes[v], n, v, A, B, D)
        for i in range(n):
            start[routes[v, i]] = B[i]


@njit(cache=True)
def all_feasible(routes, lens, A):  # type: ignore[no-untyped-def]  # pragma: no cover
    """``True`` when every route passes the schedule evaluation."""
    for v in range(A.nveh):
        if lens[v] > 2 and route_ok(routes[v], lens[v], v, A) != OK:
            return False
    return True
