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
    net = _networks.get(_key(settings))
    if net is not None:
        return {"state": "loaded", **net.status()}
    src = settings.routing.osm_file
    return {
        "state": "not_loaded",
        "source": str(src) if src else "download",
        "source_exists": bool(src and src.exists()),
    }
