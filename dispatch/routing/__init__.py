"""Street routing on OpenStreetMap data: graphs, travel-time matrices, routes, address search.

No Flask here. The live service does, once per process::

    from dispatch.routing import load_network
    net = load_network(settings.routing, settings.quarters)   # from osm_cache/, ~0.1 s

and then (points are ``(lat, lon)`` tuples or node ids returned by ``snap`` in that mode;
``mode`` is ``"drive"`` or ``"walk"``; times are seconds):

- ``net.snap(lat, lon, *, mode="drive", label=None) -> Snapped`` (``node``, ``lat``, ``lon``,
  ``distance_m``), or :class:`OutsideServiceArea` naming the point (a ``ValueError``).
- ``net.travel_time_matrix(points, targets=None, *, mode="drive", labels=None)`` -> numpy
  float64 array, n × n (or n × m with ``targets``); exact; recurring points are cheap.
- ``net.travel_time_s(a, b, *, mode="drive") -> float``.
- ``net.route_geometry(a, b, *, mode="drive") -> Route`` (``coords`` [(lat, lon)],
  ``travel_time_s``, ``length_m``, ``streets``, ``as_dict()``).
- ``net.street_geojson(*, mode="drive", bbox=None, highways=None)`` -> GeoJSON dict (no tiles
  needed); ``bbox`` is (min_lat, min_lon, max_lat, max_lon).
- ``net.quarter_of(lat, lon) -> str | None`` (quarter slug).
- ``net.addresses.search(text, *, limit=10, kinds=None) -> list[AddressHit]`` (``label``,
  ``kind``, ``lat``, ``lon``, ``quarter``, ``district``, ``score``, ``as_dict()``);
  ``net.geocode(text) -> AddressHit`` or :class:`AddressNotFound`.
- ``net.status() -> dict`` (source, built_at, fingerprint, nodes and edges per mode, ...).
- ``net.prepare()`` builds the lazy parts (KD-trees, address index; ~2 s) ahead of the first
  request; otherwise the first snap / search pays for them.

The module-level functions below are the same calls taking the network first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dispatch.routing._errors import AddressNotFound
from dispatch.routing._errors import CacheError
from dispatch.routing._errors import GraphSourceError
from dispatch.routing._errors import OutsideServiceArea
from dispatch.routing._errors import RoutingError
from dispatch.routing.addresses import AddressHit
from dispatch.routing.addresses import AddressIndex
from dispatch.routing.geometry import Route
from dispatch.routing.network import MODES
from dispatch.routing.network import Point
from dispatch.routing.network import StreetNetwork
from dispatch.routing.network import build_network
from dispatch.routing.network import load_network
from dispatch.routing.snap import Snapped

__all__ = [
    "MODES",
    "AddressHit",
    "AddressIndex",
    "AddressNotFound",
    "CacheError",
    "GraphSourceError",
    "OutsideServiceArea",
    "Point",
    "Route",
    "RoutingError",
    "Snapped",
    "StreetNetwork",
    "build_network",
    "load_network",
    "route_geometry",
    "snap",
    "travel_time_matrix",
]


def travel_time_matrix(
    net: StreetNetwork,
    points: Sequence[Point],
    targets: Sequence[Point] | None = None,
    *,
    mode: str = "drive",
) -> np.ndarray:
    """Travel times in seconds between points (see :meth:`StreetNetwork.travel_time_matrix`)."""
    return net.travel_time_matrix(points, targets, mode=mode)


def snap(net: StreetNetwork, lat: float, lon: float, *, mode: str = "drive") -> Snapped:
    """Snap a point to the street graph (see :meth:`StreetNetwork.snap`)."""
    return net.snap(lat, lon, mode=mode)


def route_geometry(net: StreetNetwork, a: Point, b: Point, *, mode: str = "drive") -> Route:
    """Fastest route with its polyline (see :meth:`StreetNetwork.route_geometry`)."""
    return net.route_geometry(a, b, mode=mode)
