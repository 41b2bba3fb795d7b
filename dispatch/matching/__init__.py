"""Matching engine: problem data in, ``solve(problem, stop=..., seed=...)`` out.

Pure Python (numpy, numba, OR-Tools): no Flask, no database. Times are seconds since a
reference instant of the caller's choice; locations are indices into the travel-time matrices.

Example::

    from dispatch import matching as m

    problem = m.Problem(
        matrices={"drive": drive_seconds, "walk": walk_seconds},
        requests=(m.Request("r1", pickup=3, dropoff=7, pickup_window=(32400, 33300),
                            pickup_service=180, dropoff_service=180,
                            max_ride=m.max_ride_seconds(direct, 1.8, 600)),),
        vehicles=(m.Vehicle("v1", start=0, shift=(28800, 57600),
                            capacity={"seats": 3, "wheelchair": 1}),),
        max_route=8 * 3600,
    )
    result = m.insert(problem, current_plans, "r1")        # fast: one request
    result = m.solve(problem, m.MaxRuntime(2.0), seed=0,   # re-plan from the current plans
                     initial=current_plans)
    m.assert_valid(problem, result)                        # independent checker
    for u in result.unservable:
        print(u.request_id, u.reason.code, u.reason.message)
"""

from __future__ import annotations

from dispatch.matching.check import PlanError
from dispatch.matching.check import Violation
from dispatch.matching.check import assert_valid
from dispatch.matching.check import check
from dispatch.matching.insertion import insert
from dispatch.matching.insertion import with_request
from dispatch.matching.params import OrToolsParams
from dispatch.matching.params import SearchParams
from dispatch.matching.params import SolveParams
from dispatch.matching.problem import LockedStop
from dispatch.matching.problem import Problem
from dispatch.matching.problem import Request
from dispatch.matching.problem import Vehicle
from dispatch.matching.problem import Weights
from dispatch.matching.problem import max_ride_seconds
from dispatch.matching.reasons import Reason
from dispatch.matching.result import Plan
from dispatch.matching.result import Result
from dispatch.matching.result import Stats
from dispatch.matching.result import Stop
from dispatch.matching.result import Unservable
from dispatch.matching.solve import solve
from dispatch.matching.stop import MaxIterations
from dispatch.matching.stop import MaxRuntime
from dispatch.matching.stop import StoppingCriterion

__all__ = [
    "LockedStop",
    "MaxIterations",
    "MaxRuntime",
    "OrToolsParams",
    "Plan",
    "PlanError",
    "Problem",
    "Reason",
    "Request",
    "Result",
    "SearchParams",
    "SolveParams",
    "Stats",
    "Stop",
    "StoppingCriterion",
    "Unservable",
    "Vehicle",
    "Violation",
    "Weights",
    "assert_valid",
    "check",
    "insert",
    "max_ride_seconds",
    "solve",
    "with_request",
]
