"""Each rule of the matching engine at work on small hand-made cases."""

from __future__ import annotations

import pytest

from dispatch.matching import LockedStop
from dispatch.matching import MaxIterations
from dispatch.matching import Problem
from dispatch.matching import Result
from dispatch.matching import Weights
from dispatch.matching import assert_valid
from dispatch.matching import check
from dispatch.matching import insert
from dispatch.matching import reasons
from dispatch.matching import solve
from tests.matching.conftest import DRIVE
from tests.matching.conftest import HOUR
from tests.matching.conftest import WALK
from tests.matching.conftest import make_problem
from tests.matching.conftest import make_request
from tests.matching.conftest import make_vehicle


def solved(problem: Problem, iterations: int = 150, seed: int = 0, **kw: object) -> Result:
    """Solve, then run the independent checker on the result."""
    result = solve(problem, MaxIterations(iterations), seed=seed, **kw)  # type: ignore[arg-type]
    assert_valid(problem, result)
    return result


def inserted(problem: Problem, rid: str) -> Result:
    """Insert into empty plans, then run the checker."""
    result = insert(problem, None, rid)
    assert_valid(problem, result)
    return result


def test_wheelchair_goes_only_to_the_van():
    """A wheelchair request is served by the van with a wheelchair place, not the nearer car."""
    car = make_vehicle("car", 2, capacity={"seats": 3})
    van = make_vehicle("van", 9, capacity={"seats": 2, "wheelchair": 1})
    req = make_request("w", 2, 4, load={"wheelchair": 1})
    problem = make_problem([req], [car, van])
    assert solved(problem).vehicle_of("w") == "van"
    assert inserted(problem, "w").vehicle_of("w") == "van"


def test_wheelchair_without_van_is_unservable():
    """No vehicle with a wheelchair place: unservable, and the reason says so."""
    problem = make_problem(
        [make_request("w", 2, 4, load={"wheelchair": 1})], [make_vehicle("car", 2)]
    )
    result = solved(problem)
    assert result.reason("w").code == reasons.NO_WHEELCHAIR_VEHICLE


def test_wheelchair_place_taken_in_that_window():
    """The only wheelchair place is busy with a locked trip at that time."""
    van = make_vehicle(
        "van", 0, capacity={"seats": 2, "wheelchair": 1},
        locked=(LockedStop("a", "pickup"), LockedStop("a", "dropoff")),
    )
    car = make_vehicle("car", 0)
    # both at the same care home at the same time; the van could take both if it had the room
    a = make_request("a", 2, 5, load={"wheelchair": 1}, pickup_window=(9 * HOUR, 9 * HOUR + 300))
    b = make_request("b", 2, 4, load={"wheelchair": 1}, pickup_window=(9 * HOUR, 9 * HOUR + 300))
    problem = make_problem([a, b], [van, car])
    result = solved(problem)
    assert result.vehicle_of("a") == "van"
    assert result.reason("b").code == reasons.WHEELCHAIR_PLACE_TAKEN
    again = insert(problem, result, "b")
    assert_valid(problem, again)
    assert again.reason("b").code == reasons.WHEELCHAIR_PLACE_TAKEN


def test_language_rule_is_kept():
    """A required language goes to the volunteer who speaks it, though another is closer."""
    near = make_vehicle("near", 2, languages=("de",))
    far = make_vehicle("far", 9, languages=("de", "tr"))
    req = make_request("t", 2, 4, languages=("tr", "ar"))
    problem = make_problem([req], [near, far])
    assert solved(problem).vehicle_of("t") == "far"
    assert inserted(problem, "t").vehicle_of("t") == "far"
    alone = make_problem([req], [near])
    assert solved(alone).reason("t").code == reasons.NO_LANGUAGE


def test_same_gender_hard():
    """A hard same-gender wish restricts the allowed volunteers."""
    m = make_vehicle("m", 2, gender="m")
    f = make_vehicle("f", 9, gender="f")
    req = make_request("g", 2, 4, same_gender="hard", gender="f")
    assert solved(make_problem([req], [m, f])).vehicle_of("g") == "f"
    assert solved(make_problem([req], [m])).reason("g").code == reasons.NO_SAME_GENDER


def test_same_gender_soft():
    """A soft wish costs a penalty: kept when affordable, but never blocks the ride."""
    m = make_vehicle("m", 2, gender="m")
    f = make_vehicle("f", 8, gender="f")
    req = make_request("g", 2, 4, same_gender="soft", gender="f")
    assert solved(make_problem([req], [m, f])).vehicle_of("g") == "f"
    assert solved(make_problem([req], [m])).vehicle_of("g") == "m"
    cheap = make_problem([req], [m, f], weights=Weights(gender=1.0, fairness=0.0))
    assert solved(cheap).vehicle_of("g") == "m"


def test_escort_on_foot_uses_walker_and_walk_times():
    """An escort on foot goes to a volunteer on foot who escorts, timed with walking times."""
    driver = make_vehicle("driver", 2, escorts_on_foot=True)
    walker = make_vehicle("walker", 8, drives=False, escorts_on_foot=True)
    req = make_request("e", 2, 4, kind="escort_walk", pickup_window=(9 * HOUR, 12 * HOUR))
    problem = make_problem([req], [driver, walker])
    result = solved(problem)
    assert result.vehicle_of("e") == "walker"
    plan = result.plan("walker")
    pick, drop = plan.stops
    assert drop.arrival == pytest.approx(pick.departure + WALK[2, 4])
    assert pick.arrival == pytest.approx(plan.departure + WALK[8, 2])
    no_walker = make_problem([req], [driver])
    assert solved(no_walker).reason("e").code == reasons.NO_WALKING_ESCORT


def test_ride_time_limit_holds():
    """Two passengers from one place: sharing the car would break one's ride-time limit."""
    a = make_request("a", 2, 4, max_ride=DRIVE[2, 4] + 30, pickup_window=(9 * HOUR, 9 * HOUR + 600))
    b = make_request("b", 2, 6, max_ride=DRIVE[2, 6] + 30, pickup_window=(9 * HOUR, 9 * HOUR + 600))
    problem = make_problem([a, b], [make_vehicle("v", 0, capacity={"seats": 3})])
    result = solved(problem)
    assert result.feasible
    plan = result.plan("v")
    stops = {(s.request_id, s.action): s for s in plan.stops}
    for rid, req in (("a", a), ("b", b)):
        ride = stops[(rid, "dropoff")].start - stops[(rid, "pickup")].departure
        assert ride <= req.max_ride + 1e-6
    order = [(s.request_id, s.action) for s in plan.stops]
    # nobody rides along while the other is dropped off: the trips do not overlap
    assert order.index(("a", "dropoff")) < order.index(("b", "pickup")) or order.index(
        ("b", "dropoff")
    ) < order.index(("a", "pickup"))


def test_detour_limit_unservable():
    """A ride whose direct time already exceeds its limit comes back with the detour reason."""
    req = make_request("d", 0, 9, max_ride=DRIVE[0, 9] - 60)
    problem = make_problem([req], [make_vehicle("v", 0)])
    assert solved(problem).reason("d").code == reasons.DETOUR_LIMIT


def test_no_volunteer_on_shift():
    """A request outside every shift: no volunteer on shift."""
    req = make_request("late", 2, 4, pickup_window=(20 * HOUR, 20 * HOUR + 900))
    problem = make_problem([req], [make_vehicle("v", 0)])
    result = solved(problem)
    assert result.reason("late").code == reasons.NO_VOLUNTEER_ON_SHIFT
    assert result.reason("late").message_de


def test_return_ride_window_tied_to_appointment():
    """The return pick-up opens when the appointment ends, and not an hour later."""
    out = make_request(
        "out", 2, 5, pickup_window=None, dropoff_window=(10 * HOUR - 1200, 10 * HOUR)
    )
    back = make_request("back", 5, 2, pickup_window=None, return_of="out", appointment=HOUR,
                        return_wait=900.0)
    problem = make_problem([out, back], [make_vehicle("v", 0), make_vehicle("w", 1)])
    result = solved(problem)
    assert result.feasible
    opens = 10 * HOUR + 120.0 + HOUR
    pick = next(s for p in result.plans for s in p.stops
                if s.request_id == "back" and s.action == "pickup")
    assert opens <= pick.start <= opens + 900.0
    assert problem.pickup_window(back) == (opens, opens + 900.0)


def test_preferred_volunteer_kept_when_possible():
    """Continuity: the preferred volunteer serves, though another is a little closer."""
    near = make_vehicle("near", 2)
    pref = make_vehicle("pref", 8)
    req = make_request("p", 2, 4, preferred_volunteer="pref")
    assert solved(make_problem([req], [near, pref])).vehicle_of("p") == "pref"
    busy = make_vehicle("pref", 8, shift=(15 * HOUR, 16 * HOUR))
    assert solved(make_problem([req], [near, busy])).vehicle_of("p") == "near"


def test_fairness_spreads_work():
    """With the fairness cost the trips are shared; without it one volunteer takes them all."""
    reqs = [
        make_request(f"r{i}", 2, 4, pickup_window=(9 * HOUR + i * 1800, 9 * HOUR + i * 1800 + 600))
        for i in range(4)
    ]
    vehicles = [make_vehicle("a", 0), make_vehicle("b", 0)]
    unfair = solved(make_problem(reqs, vehicles, weights=Weights(fairness=0.0)))
    fair = solved(make_problem(reqs, vehicles, weights=Weights(fairness=600.0)))
    counts = sorted(len(p.request_ids) for p in fair.plans)
    assert counts == [2, 2]
    assert sorted(len(p.request_ids) for p in unfair.plans) == [0, 4]


def test_per_volunteer_hour_limit_is_hard():
    """A volunteer with few hours left is not used beyond them, even when cheaper."""
    tired = make_vehicle("tired", 2, max_work=300.0)
    fresh = make_vehicle("fresh", 9)
    req = make_request("h", 2, 4)
    result = solved(make_problem([req], [tired, fresh]))
    assert result.vehicle_of("h") == "fresh"
    alone = solved(make_problem([req], [tired]))
    assert alone.reason("h").code == reasons.WORK_LIMIT


def test_locked_trips_unchanged_after_solve():
    """Locked stops keep their volunteer and order; done stops stay first."""
    a = make_request("a", 3, 5, pickup_window=(9 * HOUR, 9 * HOUR + 900))
    b = make_request("b", 2, 4, pickup_window=(9 * HOUR, 9 * HOUR + 900))
    c = make_request("c", 7, 6, pickup_window=(9 * HOUR, 10 * HOUR))
    done = make_request("done", 1, 3, pickup_window=(8 * HOUR + 300, 8 * HOUR + 300),
                        dropoff_window=(8 * HOUR + 720, 8 * HOUR + 720))
    locked = (
        LockedStop("done", "pickup", done=True),
        LockedStop("done", "dropoff", done=True),
        LockedStop("a", "pickup"),
        LockedStop("a", "dropoff"),
    )
    # "far" is locked to a trip the cheaper "near" volunteer would otherwise take
    far = make_vehicle("far", 1, locked=locked)
    near = make_vehicle("near", 3)
    problem = make_problem([a, b, c, done], [far, near])
    result = solved(problem, iterations=300)
    plan = result.plan("far")
    keys = [(s.request_id, s.action) for s in plan.stops]
    assert keys[:2] == [("done", "pickup"), ("done", "dropoff")]
    assert [k for k in keys if k[0] == "a"] == [("a", "pickup"), ("a", "dropoff")]
    assert all(s.locked for s in plan.stops if s.request_id in ("a", "done"))
    assert result.feasible
    # the result can be handed back as current plans: still unchanged
    again = solve(problem, MaxIterations(50), seed=1, initial=result)
    assert_valid(problem, again)
    assert [(s.request_id, s.action) for s in again.plan("far").stops][:2] == keys[:2]
    assert again.vehicle_of("a") == "far"


def test_solve_deterministic_for_a_seed():
    """Same seed and iteration budget: the same plans."""
    reqs = [make_request(f"r{i}", i % 8, (i * 3 + 1) % 8 or 9) for i in range(8)]
    vehicles = [make_vehicle("a", 0), make_vehicle("b", 1), make_vehicle("c", 7)]
    problem = make_problem(reqs, vehicles, weights=Weights())
    one = solved(problem, iterations=200, seed=7)
    two = solved(problem, iterations=200, seed=7)
    assert one.plans == two.plans
    assert one.cost == two.cost


def test_insert_keeps_current_order():
    """Insertion only adds the new stops: the other stops keep their order."""
    reqs = [make_request(f"r{i}", 2 + i % 3, 4 + i % 3) for i in range(4)]
    vehicles = [make_vehicle("a", 0), make_vehicle("b", 9)]
    problem = make_problem(reqs, vehicles)
    base = solved(problem)
    new = make_request("new", 3, 6, pickup_window=(10 * HOUR, 10 * HOUR + 900))
    result = insert(problem, base, new)
    bigger = problem.with_request(new)
    assert_valid(bigger, result)
    assert result.vehicle_of("new") is not None
    for old in base.plans:
        keys = [(s.request_id, s.action) for s in result.plan(old.vehicle_id).stops
                if s.request_id != "new"]
        assert keys == [(s.request_id, s.action) for s in old.stops]


def test_done_stops_stay_first_even_if_plan_says_otherwise():
    """Done stops are moved back to the start of the route; nothing is put before them."""
    from dispatch.matching import Plan
    from dispatch.matching import Stop

    done = make_request("done", 1, 3, pickup_window=(8 * HOUR + 300, 8 * HOUR + 300))
    b = make_request("b", 2, 4)
    veh = make_vehicle("v", 1, locked=(LockedStop("done", "pickup", done=True),
                                       LockedStop("done", "dropoff", done=True)))
    problem = make_problem([done, b], [veh])
    stale = Plan("v", (Stop("b", "pickup", 2, 0, 0, 0), Stop("b", "dropoff", 4, 0, 0, 0),
                       Stop("done", "pickup", 1, 0, 0, 0), Stop("done", "dropoff", 3, 0, 0, 0)))
    result = solved(problem, initial=[stale])
    keys = [(s.request_id, s.action) for s in result.plan("v").stops]
    assert keys[:2] == [("done", "pickup"), ("done", "dropoff")]
    assert result.feasible


def test_reason_names_the_rule_closest_to_fitting():
    """Escort on foot in Turkish: the walkers only miss the language, so that is the reason."""
    drivers = [make_vehicle(f"d{i}", 0, languages=("de",)) for i in range(3)]
    walker = make_vehicle("w", 8, drives=False, escorts_on_foot=True, languages=("de",))
    req = make_request("e", 2, 4, kind="escort_walk", languages=("tr",))
    result = solved(make_problem([req], [*drivers, walker]))
    assert result.reason("e").code == reasons.NO_LANGUAGE


def test_volunteer_who_declined_is_not_planned_again():
    """A request excluded for the nearest volunteer (declined, or filtered out) goes to another;
    excluded for all, it is unservable with that reason."""
    near = make_vehicle("near", 2)
    far = make_vehicle("far", 9)
    req = make_request("r", 2, 4, excluded=("near",))
    problem = make_problem([req], [near, far])
    assert solved(problem).vehicle_of("r") == "far"
    assert inserted(problem, "r").vehicle_of("r") == "far"
    nobody = make_problem([make_request("r", 2, 4, excluded=("near", "far"))], [near, far])
    assert solved(nobody).reason("r").code == reasons.EXCLUDED
    # the reason names the vehicle rule that blocks everyone, not the exclusion
    van_rule = make_problem([make_request("w", 2, 4, load={"wheelchair": 1},
                                          excluded=("far",))], [near, far])
    assert inserted(van_rule, "w").reason("w").code == reasons.NO_WHEELCHAIR_VEHICLE


@pytest.mark.parametrize("reported", [8 * HOUR + 60, 7 * HOUR, -2 * HOUR])
def test_done_stops_are_history_at_the_times_reported(reported: float) -> None:
    """A pick-up reported sooner than the drive from the volunteer's home allows (or before
    the shift, or the day before) stays as reported; the route goes on from there. Both the
    OR-Tools phase and the search keep it, and the checker agrees."""
    from dispatch.matching import ortools_model
    from dispatch.matching._data import compile_problem
    from dispatch.matching._data import initial_routes

    # home 9 to resident 2 is 1.6 km (190 s): a pick-up at 8:01 cannot be reached from 8:00
    onboard = make_request("onboard", 3, 5, pickup_window=(reported, reported))
    later = make_request("later", 2, 4, pickup_window=(9 * HOUR, 9 * HOUR + 900))
    veh = make_vehicle("v", 9, locked=(LockedStop("onboard", "pickup", done=True),
                                       LockedStop("onboard", "dropoff")))
    problem = make_problem([onboard, later], [veh])
    result = solved(problem, iterations=200)
    stops = result.plan("v").stops
    assert [(s.request_id, s.action) for s in stops][:2] == [("onboard", "pickup"),
                                                            ("onboard", "dropoff")]
    assert stops[0].start == pytest.approx(reported)
    # the drop-off follows boarding and the real drive from the pick-up (1 km)
    assert stops[1].start == pytest.approx(reported + 120.0 + DRIVE[3, 5])
    if reported > 0:  # reported the day before, her route would outlast the longest route
        assert result.vehicle_of("later") == "v"
    A = compile_problem(problem)
    routes, lens = initial_routes(problem, result.plans)
    run = ortools_model.run(problem, A, [[int(x) for x in routes[0, 1:lens[0] - 1]]],
                            seconds=1.0, solution_limit=20, guided=False)
    assert run.found
    assert run.starts[0] == pytest.approx(reported, abs=0.02)


def test_locked_stops_running_late_keep_the_times_they_can_and_get_no_later() -> None:
    """An accepted pick-up the volunteer can no longer reach in its window (she is 1.6 km
    away at 8:00, the window closes at 8:01): its window ends when she can be there, the day
    can be planned again, and a new ride is not put before it."""
    from dispatch.matching.late import keep_late_locked

    late = make_request("late", 3, 5, pickup_window=(8 * HOUR, 8 * HOUR + 60))
    new = make_request("new", 8, 4, pickup_window=(8 * HOUR, 14 * HOUR))
    veh = make_vehicle("v", 9, locked=(LockedStop("late", "pickup"),
                                       LockedStop("late", "dropoff")))
    problem = make_problem([late, new], [veh])
    # as it stands no plan keeps the rules: the checker refuses what the engine makes
    assert {v.code for v in check(problem, solve(problem, MaxIterations(20)))} == {"window"}
    kept = keep_late_locked(problem)
    reach = 8 * HOUR + DRIVE[9, 3]
    assert kept.request("late").pickup_window == (8 * HOUR, pytest.approx(reach))
    result = solved(kept, iterations=100)
    stops = result.plan("v").stops
    assert (stops[0].request_id, stops[0].start) == ("late", pytest.approx(reach))
    assert keep_late_locked(kept) is kept  # nothing late any more
