"""One street network per process, loaded lazily from the cache (no Flask import)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING
from typing import Any

from dispatch.settings import Settings

if TYPE_CHECKING:
    from dispatch.routing import StreetNetwork

_lock = threading.Lock()
_networks: dict[str, StreetNetwork] = {}
#: keys whose warm-up (:func:`warm_up`) has started and not yet finished
_warming: set[str] = set()


def _key(settings: Settings) -> str:
    return repr((settings.routing, settings.quarters))


def get_network(settings: Settings) -> StreetNetwork:
    """The street network for these settings, loaded (or built) once per process."""
    key = _key(settings)
    net = _networks.get(key)
    if net is not None:
        return net
    with _lock:
        if key not in _networks:
            from dispatch.routing import load_network

            _networks[key] = load_network(settings.routing, settings.quarters)
        return _networks[key]


def graph_status(settings: Settings) -> dict[str, Any]:
    """Whether the graph is loaded in this process, and what it holds."""
    key = _key(settings)
    net = _networks.get(key)
    if net is not None:
        return {"state": "warming_up" if key in _warming else "loaded", **net.status()}
    src = settings.routing.osm_file
    return {
        "state": "not_loaded",
        "source": str(src) if src else "download",
        "source_exists": bool(src and src.exists()),
    }


def warm_up(settings: Settings) -> None:
    """Do now what the first booking would wait for: load the graph, build snapping and the
    address index, and run the compiled routing and matching kernels once (numba loads or
    compiles them on first use). Until it ends :func:`graph_status` says ``warming_up``."""
    import numpy as np

    from dispatch import matching as m
    from dispatch.routing.network import MODES

    key = _key(settings)
    _warming.add(key)
    try:
        net = get_network(settings).prepare()
        office = settings.quarters[0].office
        points = [(office.lat, office.lon), (office.lat + 0.002, office.lon + 0.002)]
        for mode in MODES:
            net.travel_time_matrix(points, mode=mode)
        seconds = np.array([[0.0, 300.0, 400.0], [300.0, 0.0, 200.0], [400.0, 200.0, 0.0]])
        problem = m.Problem(
            matrices={"drive": seconds, "walk": seconds * 4},
            requests=(m.Request("r", pickup=1, dropoff=2, pickup_window=(32400.0, 33300.0),
                                pickup_service=180.0, dropoff_service=180.0,
                                max_ride=m.max_ride_seconds(200.0, 1.8, 600.0)),),
            vehicles=(m.Vehicle("v", start=0, shift=(28800.0, 57600.0),
                                capacity={"seats": 3, "wheelchair": 1}),),
            max_route=8 * 3600.0)
        m.insert(problem, None, "r")
    finally:
        _warming.discard(key)
