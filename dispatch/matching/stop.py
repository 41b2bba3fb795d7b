"""Stopping criteria for the search: a Protocol plus MaxRuntime and MaxIterations."""

from __future__ import annotations

import time
from typing import Protocol


class StoppingCriterion(Protocol):
    """Called once per search iteration; returns ``True`` when the search must stop."""

    def __call__(self) -> bool:
        """Count one iteration and say whether to stop."""
        ...

    def fraction(self) -> float:
        """Share of the budget used so far, in [0, 1]."""
        ...

    def remaining_seconds(self) -> float | None:
        """Seconds left, or ``None`` when the criterion is not time based."""
        ...


class MaxRuntime:
    """Stop after ``max_runtime`` seconds of wall-clock time (measured from creation)."""

    def __init__(self, max_runtime: float) -> None:
        if max_runtime < 0:
            msg = "max_runtime < 0 not understood."
            raise ValueError(msg)
        self.max_runtime = max_runtime
        self._start = time.perf_counter()

    def __call__(self) -> bool:
        return time.perf_counter() - self._start >= self.max_runtime

    def fraction(self) -> float:
        if self.max_runtime == 0:
            return 1.0
        return min(1.0, (time.perf_counter() - self._start) / self.max_runtime)

    def remaining_seconds(self) -> float | None:
        return max(0.0, self.max_runtime - (time.perf_counter() - self._start))


class MaxIterations:
    """Stop after ``max_iterations`` iterations: fully deterministic for a seed."""

    def __init__(self, max_iterations: int) -> None:
        if max_iterations < 0:
            msg = "max_iterations < 0 not understood."
            raise ValueError(msg)
        self.max_iterations = max_iterations
        self._count = 0

    def __call__(self) -> bool:
        self._count += 1
        return self._count > self.max_iterations

    def fraction(self) -> float:
        if self.max_iterations == 0:
            return 1.0
        return min(1.0, self._count / self.max_iterations)

    def remaining_seconds(self) -> float | None:
        return None
