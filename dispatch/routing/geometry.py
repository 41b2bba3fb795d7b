"""Route polylines between snapped nodes and a GeoJSON export of the street network."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from dispatch.routing._errors import RoutingError
from dispatch.routing.build import ModeGraph

__all__ = ["Route", "route", "street_geojson"]


@dataclass(frozen=True)
class Route:
    """A shortest route: node path, polyline and totals."""

    nodes: list[int]
    coords: list[tuple[float, float]]  # (lat, lon)
    travel_time_s: float
    length_m: float
    streets: list[str]  # street names in driving order, repeats merged

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "travel_time_s": round(self.travel_time_s, 1),
            "length_m": round(self.length_m, 1),
            "streets": self.streets,
            "coords": [[round(a, 6), round(b, 6)] for a, b in self.coords],
        }


def _edge_index(g: ModeGraph, u: int, v: int) -> int:
    lo, hi = int(g.indptr[u]), int(g.indptr[u + 1])
    hits = np.flatnonzero(g.indices[lo:hi] == v)
    if hits.size == 0:
        msg = f"no edge {u} -> {v}"
        raise RoutingError(msg)
    return lo + int(hits[0])


def route(g: ModeGraph, source: int, target: int, *, csr: csr_matrix | None = None) -> Route:
    """Fastest route from node ``source`` to node ``target`` with its polyline."""
    if csr is None:
        csr = csr_matrix((g.travel_time_s, g.indices, g.indptr), shape=(g.n_nodes, g.n_nodes))
    dist, pred = dijkstra(csr, directed=True, indices=source, return_predecessors=True)
    if not np.isfinite(dist[target]):
        msg = f"node {target} is not reachable from node {source}"
        raise RoutingError(msg)
    path = [int(target)]
    while path[-1] != source:
        path.append(int(pred[path[-1]]))
    path.reverse()
    coords: list[tuple[float, float]] = [(float(g.node_lat[source]), float(g.node_lon[source]))]
    length = 0.0
    streets: list[str] = []
    for u, v in zip(path[:-1], path[1:], strict=True):
        e = _edge_index(g, u, v)
        a, b = int(g.geom_ptr[e]), int(g.geom_ptr[e + 1])
        coords.extend(zip(g.geom_lat[a + 1 : b].tolist(), g.geom_lon[a + 1 : b].tolist(),
                          strict=True))
        length += float(g.length_m[e])
        k = int(g.name_idx[e])
        if k >= 0 and (not streets or streets[-1] != str(g.names[k])):
            streets.append(str(g.names[k]))
    return Route(
        nodes=path,
        coords=coords,
        travel_time_s=float(dist[target]),
        length_m=length,
        streets=streets,
    )


def street_geojson(
    g: ModeGraph,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    highways: set[str] | None = None,
    precision: int = 6,
) -> dict[str, Any]:
    """The street network as a GeoJSON FeatureCollection of LineStrings.

    Parameters
    ----------
    bbox
        (min_lat, min_lon, max_lat, max_lon): keep edges with a point inside.
    highways
        Keep only these ``highway`` classes.
    """
    src = g.edge_sources()
    dst = g.indices.astype(np.int64)
    key = src.astype(np.int64) * g.n_nodes + dst
    rev = dst * g.n_nodes + src
    has_rev = np.isin(rev, key)
    keep = ~has_rev | (src < dst)  # one feature per two-way street
    if highways is not None:
        allowed = np.isin(g.highways, list(highways))
        keep &= allowed[g.highway_idx]
    features: list[dict[str, Any]] = []
    for e in np.flatnonzero(keep).tolist():
        a, b = int(g.geom_ptr[e]), int(g.geom_ptr[e + 1])
        lat = g.geom_lat[a:b]
        lon = g.geom_lon[a:b]
        if bbox is not None and not np.any(
            (lat >= bbox[0]) & (lat <= bbox[2]) & (lon >= bbox[1]) & (lon <= bbox[3])
        ):
            continue
        k = int(g.name_idx[e])
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [
                        [round(x, precision), round(y, precision)]
                        for x, y in zip(lon.tolist(), lat.tolist(), strict=True)
                    ],
                },
                "properties": {
                    "name": str(g.names[k]) if k >= 0 else None,
                    "highway": str(g.highways[int(g.highway_idx[e])]),
                    "oneway": not bool(has_rev[e]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
