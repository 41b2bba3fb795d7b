"""Validated solver parameters (dataclasses), optionally read from a TOML file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class OrToolsParams:
    """The OR-Tools phase: guided local search from the current plans.

    ``time_share`` is the share of a time-limited solve given to OR-Tools (at most
    ``max_seconds``; the rest goes to our large neighbourhood search). Under an iteration limit
    OR-Tools runs a local-search descent from the current plans instead (it ends by itself, at
    most ``solution_limit`` solutions), so the result is deterministic for a seed.
    """

    time_share: float = 0.1
    max_seconds: float = 5.0
    solution_limit: int = 100
    scale: int = 100  # OR-Tools works in integers: seconds * scale

    def __post_init__(self) -> None:
        if not 0 <= self.time_share <= 1:
            msg = "time_share outside [0, 1] not understood."
            raise ValueError(msg)
        if self.max_seconds < 0 or self.solution_limit < 0 or self.scale < 1:
            msg = "max_seconds < 0, solution_limit < 0 or scale < 1 not understood."
            raise ValueError(msg)


@dataclass(frozen=True)
class SearchParams:
    """Adaptive large neighbourhood search (Ropke & Pisinger 2006) with simulated annealing."""

    min_remove: int = 2
    max_remove: int = 50
    max_remove_share: float = 0.45
    noise: float = 0.05
    start_temperature: float = 0.01  # share of the start cost accepted with probability 1/2
    end_temperature: float = 0.0002
    segment: int = 100
    reaction: float = 0.15
    score_best: float = 33.0
    score_better: float = 9.0
    score_accepted: float = 13.0
    restart_after: int = 4000  # iterations without a new best before going back to the best
    max_evals: int = 10  # exact schedule checks per request and route in a repair

    def __post_init__(self) -> None:
        if self.min_remove < 1 or self.max_remove < self.min_remove:
            msg = "need 1 <= min_remove <= max_remove."
            raise ValueError(msg)
        if not 0 < self.max_remove_share <= 1:
            msg = "max_remove_share outside (0, 1] not understood."
            raise ValueError(msg)
        if self.noise < 0 or self.start_temperature < 0 or self.end_temperature < 0:
            msg = "noise and temperatures must be >= 0."
            raise ValueError(msg)
        if self.max_evals < 1:
            msg = "max_evals < 1 not understood."
            raise ValueError(msg)
        if self.segment < 1 or not 0 <= self.reaction <= 1:
            msg = "segment >= 1 and reaction in [0, 1] needed."
            raise ValueError(msg)


@dataclass(frozen=True)
class SolveParams:
    """All parameters of :func:`dispatch.matching.solve.solve`."""

    ortools: OrToolsParams = field(default_factory=OrToolsParams)
    search: SearchParams = field(default_factory=SearchParams)

    @classmethod
    def from_file(cls, path: str | Path) -> SolveParams:
        """Read ``[ortools]`` and ``[search]`` tables from a TOML file."""
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SolveParams:
        """Build from a mapping with optional ``ortools`` and ``search`` tables."""
        unknown = set(data) - {"ortools", "search"}
        if unknown:
            msg = f"Unknown parameter tables {sorted(unknown)}."
            raise ValueError(msg)

        def build(klass: type, table: dict[str, Any]) -> Any:
            names = {f.name for f in fields(klass)}
            bad = set(table) - names
            if bad:
                msg = f"Unknown {klass.__name__} keys {sorted(bad)}."
                raise ValueError(msg)
            return klass(**table)

        return cls(
            ortools=build(OrToolsParams, data.get("ortools", {})),
            search=build(SearchParams, data.get("search", {})),
        )
