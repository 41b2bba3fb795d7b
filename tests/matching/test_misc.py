"""Cordeau instance, parameters, stopping criteria, import rules."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dispatch.matching import MaxIterations
from dispatch.matching import MaxRuntime
from dispatch.matching import SolveParams
from dispatch.matching import assert_valid
from dispatch.matching import cordeau
from dispatch.matching import solve
from dispatch.matching.problem import Request


def test_cordeau_a2_16_feasible(darp_dir):
    """a2-16 with a few seconds: every request served, every rule checked."""
    inst = cordeau.read(darp_dir / "a2-16.txt")
    result = solve(inst.problem, MaxRuntime(3.0), seed=0)
    assert_valid(inst.problem, result, require_all=True)
    assert result.feasible
    assert result.travel < 294.25 * 1.05


def test_params_from_file(tmp_path):
    """SolveParams load from TOML and reject unknown keys."""
    path = tmp_path / "p.toml"
    path.write_text("[search]\nmax_remove = 12\n[ortools]\ntime_share = 0.2\n")
    params = SolveParams.from_file(path)
    assert params.search.max_remove == 12
    assert params.ortools.time_share == 0.2
    path.write_text("[search]\nbogus = 1\n")
    with pytest.raises(ValueError, match="bogus"):
        SolveParams.from_file(path)


def test_stopping_criteria():
    """MaxIterations counts calls; negative budgets are refused."""
    stop = MaxIterations(2)
    assert [stop(), stop(), stop()] == [False, False, True]
    with pytest.raises(ValueError):
        MaxRuntime(-1)


def test_request_validation():
    """Inconsistent requests are refused with a clear message."""
    with pytest.raises(ValueError, match="earliest > latest"):
        Request("x", 0, 1, pickup_window=(10.0, 5.0))
    with pytest.raises(ValueError, match="gender"):
        Request("x", 0, 1, same_gender="hard")


def test_no_flask_import():
    """The matching package imports neither Flask nor the database models."""
    code = (
        "import sys, dispatch.matching, dispatch.matching.solve; "
        "bad = [m for m in sys.modules if m.startswith(('flask', 'dispatch.models', "
        "'sqlalchemy'))]; print(bad); sys.exit(1 if bad else 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_solve_without_iterations_keeps_plans():
    """A zero budget still returns checked plans (the first solution)."""
    from tests.matching.conftest import make_problem
    from tests.matching.conftest import make_request
    from tests.matching.conftest import make_vehicle

    problem = make_problem([make_request("a", 2, 4)], [make_vehicle("v", 0)])
    result = solve(problem, MaxIterations(0), seed=0)
    assert_valid(problem, result, require_all=True)


def test_edge_cases_without_vehicles_or_requests():
    """No volunteers: unservable with a reason; no requests: empty plans."""
    import numpy as np

    from dispatch.matching import Problem
    from dispatch.matching import Vehicle
    from dispatch.matching import insert
    from dispatch.matching import reasons

    m = np.array([[0.0, 100.0], [100.0, 0.0]])
    nobody = Problem({"drive": m}, (Request("a", 0, 1),), ())
    for result in (solve(nobody, MaxIterations(5)), insert(nobody, None, "a")):
        assert_valid(nobody, result)
        assert result.reason("a").code == reasons.NO_VOLUNTEER
    empty = Problem({"drive": m}, (), (Vehicle("v", 0),))
    result = solve(empty, MaxIterations(5))
    assert_valid(empty, result)
    assert result.plans[0].stops == ()
    assert not result.unservable


def test_insert_reports_other_unplanned_requests_as_not_planned():
    """insert places only the new request; others not in the plans are marked, not blamed."""
    import numpy as np

    from dispatch.matching import Problem
    from dispatch.matching import Vehicle
    from dispatch.matching import insert
    from dispatch.matching import reasons

    m = np.array([[0, 100, 200], [100, 0, 150], [200, 150, 0]], float)
    problem = Problem({"drive": m}, (Request("a", 1, 2),), (Vehicle("v", 0),))
    new = Request("b", 2, 1, pickup_window=(1000.0, 1100.0))
    result = insert(problem, None, new)
    assert_valid(problem.with_request(new), result)
    assert result.vehicle_of("b") == "v"
    assert result.reason("a").code == reasons.NOT_PLANNED
