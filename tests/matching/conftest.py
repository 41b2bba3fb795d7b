"""Small hand-made worlds for the matching tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dispatch.matching import Problem
from dispatch.matching import Request
from dispatch.matching import Vehicle
from dispatch.matching import Weights

# Ten places on a 2 km x 2 km grid (km). Driving at 30 km/h: 120 s per km; walking at
# 3.6 km/h: 1000 s per km.
POINTS = np.array(
    [
        [0.0, 0.0],  # 0 office / home A
        [2.0, 0.0],  # 1 home B
        [0.5, 0.5],  # 2 resident 1
        [1.5, 0.5],  # 3 resident 2
        [0.5, 1.5],  # 4 doctor
        [1.5, 1.5],  # 5 hospital
        [1.0, 2.0],  # 6 market
        [0.0, 2.0],  # 7 home C
        [1.0, 1.0],  # 8 centre
        [2.0, 2.0],  # 9 home D
    ]
)
KM = np.sqrt(((POINTS[:, None, :] - POINTS[None, :, :]) ** 2).sum(axis=2))
DRIVE = KM * 120.0
WALK = KM * 1000.0
HOUR = 3600.0
SHIFT = (8 * HOUR, 16 * HOUR)

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "darp"


def make_request(rid: str, pickup: int, dropoff: int, **kw: Any) -> Request:
    """A ride with a wide pick-up window by default (8:00-14:00) and a generous ride limit."""
    kw.setdefault("pickup_window", (8 * HOUR, 14 * HOUR))
    kw.setdefault("pickup_service", 120.0)
    kw.setdefault("dropoff_service", 120.0)
    if "max_ride" not in kw:
        matrix = WALK if kw.get("kind") == "escort_walk" else DRIVE
        kw["max_ride"] = 1.8 * matrix[pickup, dropoff] + 600.0
    return Request(rid, pickup, dropoff, **kw)


def make_vehicle(vid: str, start: int, **kw: Any) -> Vehicle:
    """A driving volunteer on the 8:00-16:00 shift with three seats."""
    kw.setdefault("shift", SHIFT)
    return Vehicle(vid, start, **kw)


def make_problem(
    requests: list[Request], vehicles: list[Vehicle], **kw: Any
) -> Problem:
    """A problem on the grid with both matrices."""
    kw.setdefault("weights", Weights(fairness=0.0))
    return Problem({"drive": DRIVE, "walk": WALK}, tuple(requests), tuple(vehicles), **kw)


@pytest.fixture
def build() -> Callable[..., Problem]:
    """``build(requests, vehicles, **kw)`` makes a problem on the small grid."""
    return make_problem


@pytest.fixture(scope="session")
def darp_dir() -> Path:
    """The Cordeau instances beside the repository (skips when absent)."""
    if not SHARED.is_dir():
        pytest.skip(f"no Cordeau instances at {SHARED}")
    return SHARED
