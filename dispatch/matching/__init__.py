"""Matching engine: problem data in, ``solve(problem, stop=..., seed=...)`` out.

Pure Python (numpy, numba, OR-Tools): no Flask, no database.
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
