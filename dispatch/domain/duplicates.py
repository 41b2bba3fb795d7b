"""When a new booking is likely the same ride as one the person already has (pure Python)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

#: Metres per degree of latitude (and of longitude at the equator).
_M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class RideShape:
    """What makes two bookings the same ride: places and asked time."""

    pickup: tuple[float, float]  # (lat, lon)
    dropoff: tuple[float, float]
    time: datetime


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Straight-line distance in metres (equirectangular; fine within a city)."""
    mean_lat = math.radians((a[0] + b[0]) / 2)
    dy = (a[0] - b[0]) * _M_PER_DEG
    dx = (a[1] - b[1]) * _M_PER_DEG * math.cos(mean_lat)
    return math.hypot(dx, dy)


def likely_same(new: RideShape, old: RideShape, *, radius_m: float, window: timedelta) -> bool:
    """Same day, pick-up and drop-off each within ``radius_m``, times within ``window``."""
    return (new.time.date() == old.time.date()
            and abs(new.time - old.time) <= window
            and metres_between(new.pickup, old.pickup) <= radius_m
            and metres_between(new.dropoff, old.dropoff) <= radius_m)
