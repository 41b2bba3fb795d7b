"""Exceptions raised by the routing layer."""

from __future__ import annotations


class RoutingError(ValueError):
    """Base class of all routing errors."""


class OutsideServiceArea(RoutingError):  # noqa: N818 - name used across the project
    """A point lies farther than the snapping limit from any street of the network."""

    def __init__(self, message: str, *, lat: float, lon: float, distance_m: float) -> None:
        super().__init__(message)
        self.lat = lat
        self.lon = lon
        self.distance_m = distance_m


class GraphSourceError(RoutingError):
    """The street source (file or download) is missing or unusable."""


class CacheError(RoutingError):
    """A cache file cannot be read; it is rebuilt."""


class AddressNotFound(RoutingError):  # noqa: N818
    """An address search found nothing."""
