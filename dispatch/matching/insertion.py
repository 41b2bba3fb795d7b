"""Fast cheapest feasible insertion of one new request into the current plans."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dispatch.matching import _kernels as K
from dispatch.matching._convert import cheapest_place
from dispatch.matching._convert import to_result
from dispatch.matching._data import Arrays
from dispatch.matching._data import compile_problem
from dispatch.matching._data import initial_routes
from dispatch.matching.problem import Problem
from dispatch.matching.problem import Request
from dispatch.matching.result import Plan
from dispatch.matching.result import Result


def insert(
    problem: Problem,
    plans: Sequence[Plan] | Result | None,
    request: Request | str,
) -> Result:
    """Place one request into the current plans by cheapest feasible insertion.

    Parameters
    ----------
    problem
        The problem; ``request`` is added to it when given as a :class:`Request` not yet in it.
    plans
        Current plans (or a previous :class:`Result`); their stop order is kept, only the new
        request's two stops are added.
    request
        The new request or its id.

    Returns
    -------
    Result
        Updated plans for the whole problem. When the request fits nowhere it is listed in
        ``unservable`` with the reason; the other plans are unchanged. ``result.problem`` is
        not returned: use :func:`with_request` to get the problem that includes the request.
    """
    problem = with_request(problem, request)
    rid = request if isinstance(request, str) else request.id
    if isinstance(plans, Result):
        plans = plans.plans
    A = compile_problem(problem)
    routes, lens = initial_routes(problem, tuple(plans or ()))
    r = problem.request_index(rid)
    place_one(A, routes, lens, r)
    return to_result(problem, A, routes, lens)


def with_request(problem: Problem, request: Request | str) -> Problem:
    """The problem including ``request`` (unchanged when given an id or a known request)."""
    if isinstance(request, str):
        problem.request(request)
        return problem
    for known in problem.requests:
        if known.id == request.id and known == request:
            return problem
    return problem.with_request(request)


def place_one(A: Arrays, routes: np.ndarray, lens: np.ndarray, r: int) -> bool:
    """Insert request ``r`` at its cheapest feasible place; ``False`` when there is none."""
    for v in range(routes.shape[0]):
        n = int(lens[v])
        if any(int(x) // 2 == r for x in routes[v, 1 : n - 1]):
            return True  # already planned
    best = cheapest_place(A, routes, lens, r)
    if best[1] < 0:
        return False
    K.apply_insert(routes, lens, best[3], best[1], best[2], 2 * r)
    return True
