"""The independent checker rejects hand-broken plans of each kind."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dispatch.matching import LockedStop
from dispatch.matching import MaxIterations
from dispatch.matching import Plan
from dispatch.matching import Problem
from dispatch.matching import Result
from dispatch.matching import Unservable
from dispatch.matching import Vehicle
from dispatch.matching import check
from dispatch.matching import reasons
from dispatch.matching import solve
from dispatch.matching.check import PlanError
from dispatch.matching.check import assert_valid
from dispatch.matching.reasons import Reason
from tests.matching.conftest import HOUR
from tests.matching.conftest import make_problem
from tests.matching.conftest import make_request
from tests.matching.conftest import make_vehicle


@pytest.fixture(scope="module")
def case() -> tuple[Problem, Result]:
    """A valid solved day: a car, a van with a wheelchair place, a locked trip."""
    car = make_vehicle("car", 0, capacity={"seats": 3}, languages=("de",), gender="m",
                       max_work=6 * HOUR)
    van = make_vehicle("van", 9, capacity={"seats": 2, "wheelchair": 1}, languages=("de", "tr"),
                       locked=(LockedStop("l", "pickup"), LockedStop("l", "dropoff")))
    reqs = [
        make_request("w", 2, 4, load={"wheelchair": 1}),
        make_request("t", 3, 5, languages=("tr",)),
        make_request("a", 2, 6),
        make_request("b", 7, 8, load={"seats": 2}),
        make_request("l", 5, 9, pickup_window=(12 * HOUR, 12 * HOUR + 900)),
    ]
    problem = make_problem(reqs, [car, van], max_route=7 * HOUR)
    result = solve(problem, MaxIterations(100), seed=0)
    assert check(problem, result, require_all=True) == []
    assert result.feasible
    return problem, result


def _codes(problem: Problem, result: Result | list[Plan]) -> set[str]:
    return {v.code for v in check(problem, result)}


def _swap_plan(result: Result, plan: Plan) -> Result:
    plans = tuple(plan if p.vehicle_id == plan.vehicle_id else p for p in result.plans)
    return replace(result, plans=plans)


def _shift_stop(plan: Plan, index: int, delta: float) -> Plan:
    s = plan.stops[index]
    stops = list(plan.stops)
    stops[index] = replace(s, arrival=s.arrival + delta, start=s.start + delta,
                           departure=s.departure + delta)
    return replace(plan, stops=tuple(stops))


def _busy(result: Result) -> Plan:
    return max(result.plans, key=lambda p: len(p.stops))


def test_valid_plan_passes(case):
    problem, result = case
    assert_valid(problem, result, require_all=True)


def test_rejects_window(case):
    problem, result = case
    plan = result.plan("van")
    i = next(k for k, s in enumerate(plan.stops) if s.request_id == "l" and s.action == "pickup")
    # start service 2 hours later than allowed: shift this stop and everything after
    stops = list(plan.stops)
    for k in range(i, len(stops)):
        s = stops[k]
        stops[k] = replace(s, arrival=s.arrival + 2 * HOUR, start=s.start + 2 * HOUR,
                           departure=s.departure + 2 * HOUR)
    broken = replace(plan, stops=tuple(stops), arrival=plan.arrival + 2 * HOUR)
    assert "window" in _codes(problem, _swap_plan(result, broken))


def test_rejects_capacity_per_kind(case):
    problem, result = case
    # seats: the car (3 seats) carrying a, b (2 seats) and t together
    reqs = {r.id: r for r in problem.requests}
    car = problem.vehicle("car")
    t0 = 8 * HOUR + 600
    stops = []
    from dispatch.matching import Stop

    loc, t = car.start, t0
    order = [("a", "pickup"), ("b", "pickup"), ("t", "pickup"), ("a", "dropoff"),
             ("b", "dropoff"), ("t", "dropoff")]
    for rid, action in order:
        req = reqs[rid]
        where = req.pickup if action == "pickup" else req.dropoff
        t += problem.travel("drive", loc, where)
        stops.append(Stop(rid, action, where, t, t, t + 120.0))
        t += 120.0
        loc = where
    plan = Plan("car", tuple(stops), t0, t + problem.travel("drive", loc, car.start))
    codes = _codes(problem, [plan])
    assert "capacity" in codes
    # wheelchair: two wheelchair passengers at once in the van (1 place)
    two = make_problem(
        [make_request("x", 2, 4, load={"wheelchair": 1}),
         make_request("y", 2, 4, load={"wheelchair": 1})],
        [make_vehicle("van", 2, capacity={"seats": 2, "wheelchair": 1})],
    )
    s = [Stop("x", "pickup", 2, 9 * HOUR, 9 * HOUR, 9 * HOUR + 120),
         Stop("y", "pickup", 2, 9 * HOUR + 120, 9 * HOUR + 120, 9 * HOUR + 240),
         Stop("x", "dropoff", 4, 9 * HOUR + 360, 9 * HOUR + 360, 9 * HOUR + 480),
         Stop("y", "dropoff", 4, 9 * HOUR + 480, 9 * HOUR + 480, 9 * HOUR + 600)]
    v = [x for x in check(two, [Plan("van", tuple(s), 9 * HOUR, 9 * HOUR + 720)])]
    assert any(x.code == "capacity" and "wheelchair" in x.message for x in v)


def test_rejects_ride_time(case):
    problem, result = case
    plan = result.plan("van")
    i = next(k for k, s in enumerate(plan.stops) if s.request_id == "l" and s.action == "dropoff")
    broken = _shift_stop(plan, i, 2000.0)
    broken = replace(broken, arrival=broken.arrival + 2000.0)
    assert "ride_time" in _codes(problem, _swap_plan(result, broken))


def test_rejects_precedence(case):
    problem, result = case
    plan = _busy(result)
    stops = list(plan.stops)
    i = 0
    j = next(k for k, s in enumerate(stops) if s.request_id == stops[0].request_id and k > 0)
    stops[i], stops[j] = stops[j], stops[i]
    assert "precedence" in _codes(problem, _swap_plan(result, replace(plan, stops=tuple(stops))))


def test_rejects_shift_and_route_duration(case):
    problem, result = case
    plan = _busy(result)
    early = replace(plan, departure=4 * HOUR)
    codes = _codes(problem, _swap_plan(result, early))
    assert "shift" in codes
    assert "route_duration" in codes or "work_limit" in codes
    late = replace(plan, arrival=17 * HOUR)
    assert "shift" in _codes(problem, _swap_plan(result, late))


def test_rejects_work_limit(case):
    problem, result = case
    car = result.plan("car")
    tight = Problem(problem.matrices, problem.requests,
                    tuple(replace(v, max_work=60.0) if v.id == "car" else v
                          for v in problem.vehicles), problem.max_route, problem.weights)
    if car.stops:
        assert "work_limit" in _codes(tight, result)


def test_rejects_eligibility(case):
    problem, result = case
    van = result.plan("van")
    car = result.plan("car")
    # give the car the van's plan (wheelchair, Turkish): the car may not serve it
    moved = replace(result, plans=(replace(van, vehicle_id="car"),
                                   replace(car, vehicle_id="van")))
    assert "eligibility" in _codes(problem, moved)


def test_rejects_locked_changed(case):
    problem, result = case
    van = result.plan("van")
    car = result.plan("car")
    locked_stops = tuple(s for s in van.stops if s.request_id == "l")
    rest = tuple(s for s in van.stops if s.request_id != "l")
    moved = replace(result, plans=(replace(van, stops=rest),
                                   replace(car, stops=car.stops + locked_stops)))
    assert "locked" in _codes(problem, moved)
    flag = replace(van, stops=tuple(replace(s, locked=False) for s in van.stops))
    assert "locked" in _codes(problem, _swap_plan(result, flag))


def test_rejects_missing_and_duplicate_stop(case):
    problem, result = case
    plan = _busy(result)
    dropped = replace(plan, stops=plan.stops[1:])
    assert "missing" in _codes(problem, _swap_plan(result, dropped))
    gone = replace(plan, stops=tuple(s for s in plan.stops
                                     if s.request_id != plan.stops[0].request_id))
    assert "missing" in _codes(problem, _swap_plan(result, gone))
    twice = replace(result, plans=result.plans + (plan,))
    assert "duplicate" in _codes(problem, twice)
    both = replace(result, unservable=(Unservable(plan.stops[0].request_id,
                                                  Reason.of(reasons.VOLUNTEERS_BUSY)),))
    assert "duplicate" in _codes(problem, both)


def test_rejects_impossible_travel(case):
    problem, result = case
    plan = _busy(result)
    broken = _shift_stop(plan, 1, -3 * HOUR)
    assert "travel" in _codes(problem, _swap_plan(result, broken))


def test_assert_valid_raises(case):
    problem, result = case
    plan = _busy(result)
    with pytest.raises(PlanError):
        assert_valid(problem, _swap_plan(result, replace(plan, stops=plan.stops[1:])))


def test_unknown_vehicle_is_reported(case):
    problem, result = case
    ghost = Vehicle("ghost", 0)
    assert "unknown" in _codes(problem, replace(result, plans=result.plans + (
        Plan(ghost.id, ()),)))


def test_rejects_a_volunteer_the_request_excludes(case):
    problem, result = case
    rid, vid = next((s.request_id, p.vehicle_id) for p in result.plans for s in p.stops)
    excluding = problem.with_request(replace(problem.request(rid), excluded=(vid,)))
    assert "eligibility" in _codes(excluding, result)
