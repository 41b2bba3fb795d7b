"""Plans and results: per volunteer an ordered list of timed stops, plus unservable requests."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from dispatch.domain.kinds import StopKind
from dispatch.matching.reasons import Reason


@dataclass(frozen=True)
class Stop:
    """One stop of a plan. Times in seconds; ``start`` is the start of service."""

    request_id: str
    action: StopKind
    location: int
    arrival: float
    start: float
    departure: float
    locked: bool = False


@dataclass(frozen=True)
class Plan:
    """A volunteer's route: leave ``start_location`` at ``departure``, stops, reach the end."""

    vehicle_id: str
    stops: tuple[Stop, ...]
    departure: float = 0.0
    arrival: float = 0.0
    travel: float = 0.0

    @property
    def request_ids(self) -> tuple[str, ...]:
        """Ids of the requests served, in order of pick-up."""
        return tuple(s.request_id for s in self.stops if s.action == StopKind.PICKUP)

    @property
    def duration(self) -> float:
        """Seconds from leaving the start to reaching the end (0 for an empty plan)."""
        return self.arrival - self.departure if self.stops else 0.0


@dataclass(frozen=True)
class Unservable:
    """A request that cannot be served, with the constraint that blocked it."""

    request_id: str
    reason: Reason


@dataclass(frozen=True)
class Stats:
    """Search statistics."""

    runtime: float = 0.0
    iterations: int = 0
    ortools_improved: bool = False
    initial_cost: float = 0.0


@dataclass(frozen=True)
class Result:
    """Plans for every volunteer (possibly empty) and the unservable requests with reasons.

    ``cost`` is travel plus soft penalties (without the unserved penalty); ``travel`` is the
    total travel time of all plans.
    """

    plans: tuple[Plan, ...]
    unservable: tuple[Unservable, ...] = ()
    cost: float = 0.0
    travel: float = 0.0
    penalty: float = 0.0
    stats: Stats = field(default_factory=Stats)

    def plan(self, vehicle_id: str) -> Plan:
        """The plan of a volunteer."""
        for p in self.plans:
            if p.vehicle_id == vehicle_id:
                return p
        msg = f"No plan for vehicle {vehicle_id!r}."
        raise KeyError(msg)

    def vehicle_of(self, request_id: str) -> str | None:
        """Id of the volunteer serving the request, or ``None``."""
        for p in self.plans:
            if any(s.request_id == request_id for s in p.stops):
                return p.vehicle_id
        return None

    def reason(self, request_id: str) -> Reason | None:
        """Why the request is unservable, or ``None`` when it is served."""
        for u in self.unservable:
            if u.request_id == request_id:
                return u.reason
        return None

    @property
    def served(self) -> tuple[str, ...]:
        """Ids of all served requests."""
        return tuple(rid for p in self.plans for rid in p.request_ids)

    @property
    def feasible(self) -> bool:
        """``True`` when every request is served."""
        return not self.unservable
