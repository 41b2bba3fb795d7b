"""Adaptive large neighbourhood search over route arrays (Ropke & Pisinger 2006).

Destroy: random, worst, related (Shaw) and route removal. Repair: greedy and regret-k
insertion, with or without noise, every candidate checked by the exact schedule evaluation.
Acceptance by simulated annealing; operator weights adapt per segment. Deterministic for a seed
when the stopping criterion is iteration based.
"""

from __future__ import annotations

import math

import numpy as np

from dispatch.matching import _kernels as K
from dispatch.matching._data import Arrays
from dispatch.matching.params import SearchParams
from dispatch.matching.stop import StoppingCriterion

REPAIRS = ((1, 0.0), (1, 1.0), (2, 0.0), (2, 1.0), (3, 0.0))
N_DESTROY = 4


def solution_cost(A: Arrays, routes: np.ndarray, lens: np.ndarray) -> tuple[float, np.ndarray]:
    """Total cost and the served flags of a solution."""
    served = np.zeros(A.nreq, np.int64)
    cost = float(K.total_cost(routes, lens, A, served))
    return cost, served


def search(
    A: Arrays,
    routes: np.ndarray,
    lens: np.ndarray,
    stop: StoppingCriterion,
    params: SearchParams,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Improve a feasible solution until ``stop``; returns the best routes, lengths, iterations."""
    rng = np.random.default_rng(seed)
    K.seed_rng(seed)
    R = A.nreq
    cur_r, cur_l = routes.copy(), lens.copy()
    cur_cost, served = solution_cost(A, cur_r, cur_l)
    best_r, best_l, best_cost = cur_r.copy(), cur_l.copy(), cur_cost
    movable = int(sum(1 for r in range(R) if A.lockveh[r] < 0))
    if movable == 0:
        return best_r, best_l, 0
    base = cur_cost - float(A.upen[served == 0].sum())
    t0 = params.start_temperature * max(base, 1.0) / math.log(2.0)
    t1 = params.end_temperature * max(base, 1.0) / math.log(2.0)
    wd = np.ones(N_DESTROY)
    wr = np.ones(len(REPAIRS))
    sd = np.zeros(N_DESTROY)
    sr = np.zeros(len(REPAIRS))
    nd = np.zeros(N_DESTROY)
    nr = np.zeros(len(REPAIRS))
    out = np.empty(R, np.int64)
    pending = np.empty(R, np.int64)
    left = np.empty(R, np.int64)
    start = np.zeros(2 * R + 2 * A.nveh)
    start_ok = False
    since_best = 0
    it = 0
    while not stop():
        it += 1
        frac = stop.fraction()
        temp = t0 * (t1 / t0) ** frac if t0 > 0 and t1 > 0 else 0.0
        d_op = int(rng.choice(N_DESTROY, p=wd / wd.sum()))
        r_op = int(rng.choice(len(REPAIRS), p=wr / wr.sum()))
        served_now = int(served.sum())
        qmax = int(params.max_remove_share * movable)
        qmax = min(params.max_remove, max(params.min_remove, qmax))
        q = int(rng.integers(params.min_remove, qmax + 1))
        new_r, new_l = cur_r.copy(), cur_l.copy()
        if d_op == 2 and not start_ok:
            K.start_times(cur_r, cur_l, A, start)
            start_ok = True
        m = int(K.destroy(new_r, new_l, A, d_op, q, start, out)) if served_now else 0
        npend = 0
        for t in range(m):
            pending[npend] = out[t]
            npend += 1
        for r in np.flatnonzero(served == 0):
            pending[npend] = r
            npend += 1
        kreg, noise = REPAIRS[r_op]
        K.repair(
            new_r, new_l, pending, npend, A, kreg, noise * params.noise, left,
            params.max_evals,
        )
        new_cost, new_served = solution_cost(A, new_r, new_l)
        score = 0.0
        if new_cost < best_cost - 1e-9:
            best_r, best_l, best_cost = new_r.copy(), new_l.copy(), new_cost
            score = params.score_best
            since_best = 0
        else:
            since_best += 1
        accept = new_cost < cur_cost - 1e-9
        if accept and score == 0.0:
            score = params.score_better
        if not accept and temp > 0 and new_cost < cur_cost + 50 * temp:
            accept = rng.random() < math.exp(-(new_cost - cur_cost) / temp)
            if accept and score == 0.0 and abs(new_cost - cur_cost) > 1e-9:
                score = params.score_accepted
        if accept:
            cur_r, cur_l, cur_cost, served = new_r, new_l, new_cost, new_served
            start_ok = False
        if since_best >= params.restart_after:
            cur_r, cur_l, cur_cost = best_r.copy(), best_l.copy(), best_cost
            served = solution_cost(A, cur_r, cur_l)[1]
            start_ok = False
            since_best = 0
        sd[d_op] += score
        nd[d_op] += 1
        sr[r_op] += score
        nr[r_op] += 1
        if it % params.segment == 0:
            rho = params.reaction
            for w, s, c in ((wd, sd, nd), (wr, sr, nr)):
                used = c > 0
                w[used] = (1 - rho) * w[used] + rho * s[used] / c[used]
                np.maximum(w, 0.05, out=w)
                s[:] = 0
                c[:] = 0
    return best_r, best_l, it
