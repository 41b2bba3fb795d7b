"""Independent plan checker: verifies every rule from the raw problem data.

It shares no evaluation code with the solver: it reads the plans' own times and re-derives
travel, loads, ride times, windows, shifts, eligibility and locks from ``Problem`` fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dispatch.matching.problem import Problem
from dispatch.matching.problem import Request
from dispatch.matching.problem import Vehicle
from dispatch.matching.result import Plan
from dispatch.matching.result import Result

TOL = 1e-6


@dataclass(frozen=True)
class Violation:
    """One broken rule: a code (``window``, ``capacity``, ``ride_time``, ...) and a message."""

    code: str
    message: str
    vehicle_id: str | None = None
    request_id: str | None = None


class PlanError(ValueError):
    """Raised by :func:`assert_valid` with the list of violations."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__("; ".join(f"{v.code}: {v.message}" for v in violations[:10]))


def _tol(x: float) -> float:
    return TOL * max(1.0, abs(x))


def _eligible(req: Request, veh: Vehicle) -> str | None:
    if veh.id in req.excluded:
        return "the volunteer declined this request or filters it out"
    if req.kind == "escort_walk":
        if veh.drives or not veh.escorts_on_foot:
            return "an escort on foot needs a volunteer on foot who escorts"
    elif not veh.drives:
        return "a ride needs a driving volunteer"
    for kind, amount in req.load.items():
        if amount > veh.capacity.get(kind, 0):
            return f"needs {amount} {kind} place(s), vehicle has {veh.capacity.get(kind, 0)}"
    if req.languages and not any(lang in veh.languages for lang in req.languages):
        return f"needs one of the languages {list(req.languages)}"
    if req.same_gender == "hard" and veh.gender != req.gender:
        return "needs a volunteer of the same gender"
    return None


def check(
    problem: Problem,
    result: Result | Sequence[Plan],
    *,
    require_all: bool = False,
) -> list[Violation]:
    """All violations of ``result`` against ``problem`` (empty list: the plans are valid).

    Every request must be in exactly one plan or listed unservable (with ``require_all``, in a
    plan). Plans are checked for locations, travel times between stops, time windows, service
    times, shift start and end, route duration and working-time limits, loads per kind,
    pick-up before drop-off on the same vehicle, ride-time limits, eligibility, locked stops
    and the return-ride link to its appointment.
    """
    plans = result.plans if isinstance(result, Result) else tuple(result)
    unservable = (
        {u.request_id for u in result.unservable} if isinstance(result, Result) else set()
    )
    out: list[Violation] = []
    reqs = {r.id: r for r in problem.requests}
    vehs = {v.id: v for v in problem.vehicles}
    seen_plan: set[str] = set()
    where: dict[tuple[str, str], tuple[str, int, float, float]] = {}
    for plan in plans:
        veh = vehs.get(plan.vehicle_id)
        if veh is None:
            out.append(Violation("unknown", f"plan for unknown vehicle {plan.vehicle_id}"))
            continue
        if plan.vehicle_id in seen_plan:
            out.append(Violation("duplicate", f"two plans for {plan.vehicle_id}", veh.id))
        seen_plan.add(plan.vehicle_id)
        out.extend(_check_plan(problem, veh, plan, reqs, where))
    # every request once
    for rid in reqs:
        has_p = (rid, "pickup") in where
        has_d = (rid, "dropoff") in where
        if not has_p and not has_d:
            if rid not in unservable:
                out.append(Violation("missing", f"request {rid} neither planned nor unservable",
                                     request_id=rid))
            elif require_all:
                out.append(Violation("missing", f"request {rid} is not served", request_id=rid))
        elif has_p != has_d:
            out.append(Violation("missing", f"request {rid} has only one of its stops",
                                 request_id=rid))
        elif rid in unservable:
            out.append(Violation("duplicate", f"request {rid} planned and unservable",
                                 request_id=rid))
    for rid in unservable - set(reqs):
        out.append(Violation("unknown", f"unservable request {rid} is not in the problem"))
    # locked stops
    for veh in problem.vehicles:
        mine = next((p for p in plans if p.vehicle_id == veh.id), None)
        keys = [(s.request_id, s.action) for s in mine.stops] if mine else []
        locked = [(s.request_id, s.action) for s in veh.locked]
        if [k for k in keys if k in set(locked)] != locked:
            out.append(Violation("locked", f"locked stops of {veh.id} moved or reordered",
                                 veh.id))
        ndone = sum(1 for s in veh.locked if s.done)
        if keys[:ndone] != locked[:ndone]:
            out.append(Violation("locked", f"done stops of {veh.id} are not its first stops",
                                 veh.id))
        if mine:
            for s in mine.stops:
                if ((s.request_id, s.action) in set(locked)) != s.locked:
                    out.append(Violation("locked", f"stop {s.request_id}/{s.action} has a "
                                         "wrong locked flag", veh.id, s.request_id))
    # return ride tied to its appointment
    for rid, req in reqs.items():
        if req.return_of is None or (rid, "pickup") not in where:
            continue
        out_drop = where.get((req.return_of, "dropoff"))
        start = where[(rid, "pickup")][2]
        if out_drop is not None:
            ends = out_drop[3] + req.appointment
            if start < ends - _tol(ends):
                out.append(Violation("return_link", f"return {rid} picked up at {start:.1f} "
                                     f"before the appointment ends at {ends:.1f}",
                                     request_id=rid))
    return out


def _check_plan(
    problem: Problem,
    veh: Vehicle,
    plan: Plan,
    reqs: dict[str, Request],
    where: dict[tuple[str, str], tuple[str, int, float, float]],
) -> list[Violation]:
    out: list[Violation] = []
    vid = veh.id
    mat = problem.matrices.get(veh.mode)
    if mat is None:
        return [Violation("eligibility", f"no {veh.mode} matrix for {vid}", vid)]
    if not plan.stops:
        return out
    # done stops are history: no travel into them, nor a shift start before them, is checked
    done = {(s.request_id, s.action) for s in veh.locked if s.done}
    if not done and plan.departure < veh.shift[0] - _tol(veh.shift[0]):
        out.append(Violation("shift", f"{vid} leaves at {plan.departure:.1f} before the shift "
                             f"starts at {veh.shift[0]:.1f}", vid))
    loc = veh.start
    t = plan.departure
    load: dict[str, int] = {}
    onboard: dict[str, float] = {}
    for pos, s in enumerate(plan.stops):
        req = reqs.get(s.request_id)
        if req is None:
            out.append(Violation("unknown", f"stop of unknown request {s.request_id}", vid))
            continue
        key = (s.request_id, s.action)
        if key in where:
            out.append(Violation("duplicate", f"stop {key} appears twice", vid, req.id))
        where[key] = (vid, pos, s.start, s.departure)
        want_loc = req.pickup if s.action == "pickup" else req.dropoff
        if s.location != want_loc:
            out.append(Violation("location", f"stop {key} at {s.location}, not {want_loc}", vid,
                                 req.id))
        travel = 0.0 if key in done else float(mat[loc, s.location])
        earliest = t + travel
        if s.arrival < earliest - _tol(earliest):
            out.append(Violation("travel", f"{vid} reaches {key} at {s.arrival:.1f}, "
                                 f"{earliest:.1f} at the earliest", vid, req.id))
        if s.start < max(s.arrival, earliest) - _tol(earliest):
            out.append(Violation("travel", f"service of {key} starts before arrival", vid,
                                 req.id))
        if s.action == "pickup":
            lo, hi = problem.pickup_window(req)
            service = req.pickup_service
        else:
            lo, hi = problem.dropoff_window(req)
            service = req.dropoff_service
        if s.start < lo - _tol(lo) or s.start > hi + _tol(hi):
            out.append(Violation("window", f"{key} starts at {s.start:.1f}, outside "
                                 f"[{lo:.1f}, {hi:.1f}]", vid, req.id))
        if s.departure < s.start + service - _tol(s.start):
            out.append(Violation("service", f"{key} leaves before its service ends", vid,
                                 req.id))
        why = _eligible(req, veh)
        if why is not None and s.action == "pickup":
            out.append(Violation("eligibility", f"{vid} may not serve {req.id}: {why}", vid,
                                 req.id))
        sign = 1 if s.action == "pickup" else -1
        if s.action == "pickup":
            if req.id in onboard:
                out.append(Violation("duplicate", f"{req.id} picked up twice", vid, req.id))
            onboard[req.id] = s.departure
        else:
            if req.id not in onboard:
                out.append(Violation("precedence", f"{req.id} dropped off before its pick-up "
                                     f"on {vid}", vid, req.id))
            else:
                ride = s.start - onboard.pop(req.id)
                if req.max_ride is not None and ride > req.max_ride + _tol(req.max_ride):
                    out.append(Violation("ride_time", f"{req.id} rides {ride:.1f} s, limit "
                                         f"{req.max_ride:.1f} s", vid, req.id))
        for kind, amount in req.load.items():
            load[kind] = load.get(kind, 0) + sign * amount
            if load[kind] > veh.capacity.get(kind, 0):
                out.append(Violation("capacity", f"{vid} carries {load[kind]} {kind}, capacity "
                                     f"{veh.capacity.get(kind, 0)}", vid, req.id))
        loc = s.location
        t = s.departure
    for rid in onboard:
        out.append(Violation("precedence", f"{rid} never dropped off by {vid}", vid, rid))
    end_arrival = t + float(mat[loc, veh.end_location])
    if plan.arrival < end_arrival - _tol(end_arrival):
        out.append(Violation("travel", f"{vid} reaches the end at {plan.arrival:.1f}, "
                             f"{end_arrival:.1f} at the earliest", vid))
    arrival = max(plan.arrival, end_arrival)
    if arrival > veh.shift[1] + _tol(veh.shift[1]):
        out.append(Violation("shift", f"{vid} ends at {arrival:.1f} after the shift ends at "
                             f"{veh.shift[1]:.1f}", vid))
    duration = arrival - plan.departure
    if problem.max_route is not None and duration > problem.max_route + _tol(duration):
        out.append(Violation("route_duration", f"{vid} works {duration:.1f} s, route limit "
                             f"{problem.max_route:.1f} s", vid))
    if veh.max_work is not None and duration > veh.max_work + _tol(duration):
        out.append(Violation("work_limit", f"{vid} works {duration:.1f} s, has "
                             f"{veh.max_work:.1f} s left", vid))
    return out


def assert_valid(problem: Problem, result: Result | Sequence[Plan], **kw: bool) -> None:
    """Raise :class:`PlanError` when :func:`check` finds any violation."""
    violations = check(problem, result, **kw)
    if violations:
        raise PlanError(violations)
