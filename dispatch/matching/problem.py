"""Immutable problem data: requests, volunteers (vehicles), travel-time matrices, locked stops."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Literal

import numpy as np

from dispatch.domain.kinds import RequestKind
from dispatch.domain.kinds import StopKind
from dispatch.matching import reasons

GenderRule = Literal["no", "soft", "hard"]

KINDS = tuple(RequestKind)
MODES = ("drive", "walk")
INF = math.inf


def max_ride_seconds(direct_seconds: float, factor: float, extra_seconds: float) -> float:
    """Return the maximum ride time of a passenger from the detour rule.

    ``factor * direct + extra``; with the defaults of ``config/service.toml`` (factor 1.8,
    extra 10 min) a 10 minute direct ride may take at most 28 minutes.
    """
    return factor * direct_seconds + extra_seconds


@dataclass(frozen=True)
class Request:
    """One ride or escort: a pick-up and a drop-off served by the same volunteer.

    Times are seconds since a reference instant chosen by the caller. A window ``None`` means
    "any time within the volunteer's shift". The service usually sets either ``pickup_window``
    (pick-up after) or ``dropoff_window`` (arrive by); both may be set.

    Parameters
    ----------
    id
        Unique request id.
    pickup, dropoff
        Location indices into the travel-time matrices.
    kind
        ``"ride"``, ``"ride_escort"`` (the volunteer drives and stays with the person; the wait
        at the doctor belongs in ``dropoff_service``) or ``"escort_walk"`` (on foot: only a
        volunteer with ``escorts_on_foot`` and a shift on foot, with walking times).
    pickup_service, dropoff_service
        Seconds spent at the stop (boarding, escort waiting).
    load
        Places used per kind, e.g. ``{"seats": 1}`` or ``{"wheelchair": 1}``.
    max_ride
        Upper bound in seconds on ride time (start of drop-off service minus end of pick-up
        service); see :func:`max_ride_seconds`. ``None``: no limit.
    languages
        Any-of: the volunteer must speak at least one (empty: no rule).
    same_gender, gender
        The resident's wish for a volunteer of the same gender (``"hard"`` restricts the
        allowed volunteers, ``"soft"`` costs ``Weights.gender``) and the resident's gender.
    preferred_volunteer
        Volunteer id kept when possible (continuity, soft: ``Weights.preferred``).
    return_of, appointment
        A return ride: id of the outbound request and the appointment duration in seconds.
        When ``pickup_window`` is ``None`` the pick-up window opens when the appointment ends
        (see :meth:`Problem.pickup_window`) and stays open ``return_wait`` seconds.
    excluded
        Volunteer ids that may not serve this request (they declined it or their offer
        filters leave it out): a hard rule.
    """

    id: str
    pickup: int
    dropoff: int
    kind: RequestKind = RequestKind.RIDE
    pickup_window: tuple[float, float] | None = None
    dropoff_window: tuple[float, float] | None = None
    pickup_service: float = 0.0
    dropoff_service: float = 0.0
    load: Mapping[str, int] = field(default_factory=lambda: {"seats": 1})
    max_ride: float | None = None
    languages: tuple[str, ...] = ()
    same_gender: GenderRule = "no"
    gender: str | None = None
    preferred_volunteer: str | None = None
    return_of: str | None = None
    appointment: float = 0.0
    return_wait: float = 900.0
    excluded: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            msg = f"Request {self.id}: kind {self.kind!r} not understood."
            raise ValueError(msg)
        object.__setattr__(self, "kind", RequestKind(self.kind))
        if self.same_gender not in ("no", "soft", "hard"):
            msg = f"Request {self.id}: same_gender {self.same_gender!r} not understood."
            raise ValueError(msg)
        if self.same_gender != "no" and self.gender is None:
            msg = f"Request {self.id}: a same-gender wish needs the resident's gender."
            raise ValueError(msg)
        for name in ("pickup_window", "dropoff_window"):
            window = getattr(self, name)
            if window is not None and window[0] > window[1]:
                msg = f"Request {self.id}: {name} earliest > latest."
                raise ValueError(msg)
        if self.pickup_service < 0 or self.dropoff_service < 0:
            msg = f"Request {self.id}: service < 0 not understood."
            raise ValueError(msg)
        if any(n < 0 for n in self.load.values()):
            msg = f"Request {self.id}: negative load not understood."
            raise ValueError(msg)
        if self.max_ride is not None and self.max_ride < 0:
            msg = f"Request {self.id}: max_ride < 0 not understood."
            raise ValueError(msg)

    @property
    def mode(self) -> str:
        """Travel mode of the volunteer serving this request."""
        return "walk" if self.kind == RequestKind.ESCORT_WALK else "drive"


@dataclass(frozen=True)
class LockedStop:
    """A stop that re-planning must keep on its volunteer and in its order.

    ``done`` stops (already served) form the start of the route: nothing may be put before or
    between them. For done stops pass the real times through the request's windows.
    """

    request_id: str
    action: StopKind
    done: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", StopKind(self.action))


@dataclass(frozen=True)
class Vehicle:
    """One volunteer's shift.

    Parameters
    ----------
    id
        Volunteer id.
    start, end
        Location indices of shift start and end (usually home); ``end`` defaults to ``start``.
    shift
        (start, end) in seconds: leave ``start`` no earlier, reach ``end`` no later.
    capacity
        Places per kind, e.g. ``{"seats": 3, "wheelchair": 1}``. Missing kinds are 0.
    languages, gender
        What the volunteer speaks; the volunteer's gender.
    drives
        ``True``: a driving shift (drive matrix, may take rides). ``False``: a shift on foot
        (walk matrix, only ``escort_walk`` requests and only with ``escorts_on_foot``).
    escorts_on_foot
        The volunteer escorts people on foot.
    max_work
        Hard limit in seconds on this shift's duration (e.g. hours left this week).
    locked
        Accepted or done stops, in route order, kept as they are.
    """

    id: str
    start: int
    end: int | None = None
    shift: tuple[float, float] = (0.0, INF)
    capacity: Mapping[str, int] = field(default_factory=lambda: {"seats": 3})
    languages: tuple[str, ...] = ()
    gender: str | None = None
    drives: bool = True
    escorts_on_foot: bool = False
    max_work: float | None = None
    locked: tuple[LockedStop, ...] = ()

    def __post_init__(self) -> None:
        if self.shift[0] > self.shift[1]:
            msg = f"Vehicle {self.id}: shift start > shift end."
            raise ValueError(msg)
        if self.max_work is not None and self.max_work < 0:
            msg = f"Vehicle {self.id}: max_work < 0 not understood."
            raise ValueError(msg)

    @property
    def end_location(self) -> int:
        """Shift end location (the start location when none is given)."""
        return self.start if self.end is None else self.end

    @property
    def mode(self) -> str:
        """Travel mode of this shift: ``"drive"`` or ``"walk"``."""
        return "drive" if self.drives else "walk"


@dataclass(frozen=True)
class Weights:
    """Soft-rule costs, in the same unit as travel time (seconds)."""

    unserved: float = 1.0e7
    gender: float = 1800.0
    preferred: float = 900.0
    fairness: float = 60.0  # times (trips of a volunteer)^2: spreads trips across volunteers

    def __post_init__(self) -> None:
        for name in ("unserved", "gender", "preferred", "fairness"):
            if getattr(self, name) < 0:
                msg = f"Weights.{name} < 0 not understood."
                raise ValueError(msg)


@dataclass(frozen=True, eq=False)
class Problem:
    """Immutable problem: travel-time matrices, requests, volunteers and soft-rule weights.

    ``matrices`` maps a mode (``"drive"``, ``"walk"``) to a square matrix of travel seconds
    between location indices; a mode may be missing if no shift uses it. The cost of a plan is
    the volunteers' total travel time plus the soft-rule penalties in ``weights``.
    ``max_route`` bounds every shift's duration (e.g. 8 hours).
    """

    matrices: Mapping[str, np.ndarray]
    requests: tuple[Request, ...]
    vehicles: tuple[Vehicle, ...]
    max_route: float | None = None
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self) -> None:
        mats = {}
        size = None
        for mode, mat in self.matrices.items():
            if mode not in MODES:
                msg = f"Matrix mode {mode!r} not understood (drive or walk)."
                raise ValueError(msg)
            arr = np.asarray(mat, dtype=np.float64)
            if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
                msg = f"Matrix {mode!r} is not square."
                raise ValueError(msg)
            if size is not None and arr.shape[0] != size:
                msg = "All matrices must have the same size."
                raise ValueError(msg)
            size = arr.shape[0]
            arr.setflags(write=False)
            mats[mode] = arr
        if size is None:
            msg = "At least one travel-time matrix is needed."
            raise ValueError(msg)
        object.__setattr__(self, "matrices", mats)
        object.__setattr__(self, "requests", tuple(self.requests))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        ids = [r.id for r in self.requests]
        if len(set(ids)) != len(ids):
            msg = "Request ids must be unique."
            raise ValueError(msg)
        vids = [v.id for v in self.vehicles]
        if len(set(vids)) != len(vids):
            msg = "Vehicle ids must be unique."
            raise ValueError(msg)
        index = {r.id: i for i, r in enumerate(self.requests)}
        for r in self.requests:
            for loc in (r.pickup, r.dropoff):
                if not 0 <= loc < size:
                    msg = f"Request {r.id}: location {loc} outside the matrix."
                    raise ValueError(msg)
            if r.return_of is not None and r.return_of not in index:
                msg = f"Request {r.id}: return_of {r.return_of!r} is not a request."
                raise ValueError(msg)
        seen: set[tuple[str, str]] = set()
        for v in self.vehicles:
            for loc in (v.start, v.end_location):
                if not 0 <= loc < size:
                    msg = f"Vehicle {v.id}: location {loc} outside the matrix."
                    raise ValueError(msg)
            if v.mode not in mats:
                msg = f"Vehicle {v.id}: no {v.mode!r} matrix."
                raise ValueError(msg)
            done_over = False
            for stop in v.locked:
                if stop.request_id not in index:
                    msg = f"Vehicle {v.id}: locked stop of unknown request {stop.request_id!r}."
                    raise ValueError(msg)
                key = (stop.request_id, stop.action)
                if key in seen:
                    msg = f"Locked stop {key} appears twice."
                    raise ValueError(msg)
                seen.add(key)
                if stop.done and done_over:
                    msg = f"Vehicle {v.id}: done stops must come before the other locked stops."
                    raise ValueError(msg)
                done_over = done_over or not stop.done
        for rid, action in seen:
            other = StopKind.DROPOFF if action == StopKind.PICKUP else StopKind.PICKUP
            if (rid, other) not in seen:
                msg = f"Request {rid}: lock both its pick-up and its drop-off."
                raise ValueError(msg)

    # -- lookups ------------------------------------------------------------------------------
    @property
    def num_locations(self) -> int:
        """Number of locations (matrix size)."""
        return int(next(iter(self.matrices.values())).shape[0])

    def request_index(self, request_id: str) -> int:
        """Index of a request in ``requests``."""
        for i, r in enumerate(self.requests):
            if r.id == request_id:
                return i
        msg = f"Unknown request {request_id!r}."
        raise KeyError(msg)

    def request(self, request_id: str) -> Request:
        """The request with this id."""
        return self.requests[self.request_index(request_id)]

    def vehicle(self, vehicle_id: str) -> Vehicle:
        """The vehicle with this id."""
        for v in self.vehicles:
            if v.id == vehicle_id:
                return v
        msg = f"Unknown vehicle {vehicle_id!r}."
        raise KeyError(msg)

    def travel(self, mode: str, a: int, b: int) -> float:
        """Travel seconds from location ``a`` to ``b`` in ``mode``."""
        return float(self.matrices[mode][a, b])

    def route_limit(self, vehicle: Vehicle) -> float:
        """Hard upper bound on the vehicle's route duration (shift, max_route, max_work)."""
        limit = vehicle.shift[1] - vehicle.shift[0]
        if self.max_route is not None:
            limit = min(limit, self.max_route)
        if vehicle.max_work is not None:
            limit = min(limit, vehicle.max_work)
        return limit

    def pickup_window(self, request: Request) -> tuple[float, float]:
        """Pick-up window; a return ride's opens when the appointment ends.

        The appointment ends ``appointment`` seconds after the outbound drop-off is done at the
        latest (``dropoff_window`` latest + drop-off service, or, for a pick-up-after outbound,
        the latest pick-up + boarding + maximum ride + drop-off service).
        """
        if request.pickup_window is not None:
            return request.pickup_window
        if request.return_of is not None:
            out = self.request(request.return_of)
            if out.dropoff_window is not None:
                done = out.dropoff_window[1] + out.dropoff_service
            else:
                p_late = self.pickup_window(out)[1]
                ride = out.max_ride if out.max_ride is not None else INF
                done = p_late + out.pickup_service + ride + out.dropoff_service
            opens = done + request.appointment
            return (opens, opens + request.return_wait)
        return (-INF, INF)

    def dropoff_window(self, request: Request) -> tuple[float, float]:
        """Drop-off window (open when the request has none)."""
        return request.dropoff_window if request.dropoff_window is not None else (-INF, INF)

    # -- eligibility --------------------------------------------------------------------------
    def blocked_by(self, request: Request, vehicle: Vehicle) -> str | None:
        """Reason code of the first hard rule that forbids ``vehicle`` for ``request``.

        ``None`` when the vehicle may serve the request.
        """
        rules = self.blocking_rules(request, vehicle)
        return rules[0] if rules else None

    def blocking_rules(self, request: Request, vehicle: Vehicle) -> list[str]:
        """Reason codes of every hard rule that forbids ``vehicle`` for ``request``."""
        out = []
        if vehicle.id in request.excluded:
            out.append(reasons.EXCLUDED)
        if request.kind == RequestKind.ESCORT_WALK:
            if vehicle.drives or not vehicle.escorts_on_foot:
                out.append(reasons.NO_WALKING_ESCORT)
        elif not vehicle.drives:
            out.append(reasons.NO_DRIVER)
        for kind, amount in request.load.items():
            if amount > vehicle.capacity.get(kind, 0):
                out.append(
                    reasons.NO_WHEELCHAIR_VEHICLE if kind == "wheelchair" else reasons.NO_SEATS
                )
                break
        if request.languages and not set(request.languages) & set(vehicle.languages):
            out.append(reasons.NO_LANGUAGE)
        if request.same_gender == "hard" and vehicle.gender != request.gender:
            out.append(reasons.NO_SAME_GENDER)
        return out

    def soft_cost(self, request: Request, vehicle: Vehicle) -> float:
        """Penalty for serving ``request`` with ``vehicle`` (soft gender wish, continuity)."""
        cost = 0.0
        if request.same_gender == "soft" and vehicle.gender != request.gender:
            cost += self.weights.gender
        if request.preferred_volunteer is not None and request.preferred_volunteer != vehicle.id:
            cost += self.weights.preferred
        return cost

    # -- derived problems ---------------------------------------------------------------------
    def with_request(self, request: Request) -> Problem:
        """A new problem with ``request`` added (or replaced, if its id exists)."""
        reqs = [r for r in self.requests if r.id != request.id]
        reqs.append(request)
        return replace(self, requests=tuple(reqs))

    def kinds(self) -> tuple[str, ...]:
        """All load kinds used by requests or vehicles, sorted."""
        out: set[str] = set()
        for r in self.requests:
            out.update(r.load)
        for v in self.vehicles:
            out.update(v.capacity)
        return tuple(sorted(out)) or ("seats",)
