"""Snap coordinates to the street graph with a KD-tree on locally projected coordinates.

Sample points are laid along every edge's geometry (at most ``spacing_m`` apart), so a point
beside a long road is measured against the road, not only its end nodes. A point is moved to
the nearer end of the closest edge. Farther than ``max_m`` from every street, the point is
outside the service area and :class:`OutsideServiceArea` names it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from dispatch.routing._errors import OutsideServiceArea
from dispatch.routing.build import ModeGraph

__all__ = ["LocalProjection", "Snapped", "Snapper"]

_EARTH_R_M = 6_371_008.8


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection around a reference point (metres; fine at city scale)."""

    lat0: float
    lon0: float

    def xy(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project degrees to metres east (x) and north (y) of the reference point."""
        k = np.pi / 180.0 * _EARTH_R_M
        x = (np.asarray(lon, dtype=np.float64) - self.lon0) * k * np.cos(np.radians(self.lat0))
        y = (np.asarray(lat, dtype=np.float64) - self.lat0) * k
        return x, y


@dataclass(frozen=True)
class Snapped:
    """A point snapped to the graph."""

    node: int  # index into the mode graph
    lat: float  # of the node
    lon: float
    distance_m: float  # from the given point to the nearest street


class Snapper:
    """Nearest-street lookup for one mode graph."""

    def __init__(self, graph: ModeGraph, *, max_m: float, spacing_m: float = 20.0) -> None:
        self.graph = graph
        self.max_m = float(max_m)
        self.projection = LocalProjection(
            float(np.mean(graph.node_lat)), float(np.mean(graph.node_lon))
        )
        gx, gy = self.projection.xy(graph.geom_lat, graph.geom_lon)
        m = graph.n_edges
        edge_of_pt = np.repeat(np.arange(m, dtype=np.int64), np.diff(graph.geom_ptr))
        same = edge_of_pt[1:] == edge_of_pt[:-1]
        seg_len = np.hypot(np.diff(gx), np.diff(gy)) * same
        cum = np.concatenate([[0.0], np.cumsum(seg_len)])
        along = cum - cum[graph.geom_ptr[:-1]][edge_of_pt]  # metres from the edge start
        edge_len = along[graph.geom_ptr[1:] - 1]
        # interior samples on segments longer than the spacing
        seg = np.flatnonzero(same & (seg_len > spacing_m))
        k = np.ceil(seg_len[seg] / spacing_m).astype(np.int64)
        rep = np.repeat(seg, k - 1)
        step = np.concatenate([np.arange(1, kk) for kk in k]) if k.size else np.zeros(0)
        frac = step / np.repeat(k, k - 1) if k.size else np.zeros(0)
        sx = gx[rep] + (gx[rep + 1] - gx[rep]) * frac
        sy = gy[rep] + (gy[rep + 1] - gy[rep]) * frac
        s_along = along[rep] + seg_len[rep] * frac
        px = np.concatenate([gx, sx])
        py = np.concatenate([gy, sy])
        p_edge = np.concatenate([edge_of_pt, edge_of_pt[rep]])
        p_along = np.concatenate([along, s_along])
        src = graph.edge_sources()
        near_start = p_along <= 0.5 * edge_len[p_edge]
        self._point_node = np.where(near_start, src[p_edge], graph.indices[p_edge]).astype(
            np.int64
        )
        self._tree = cKDTree(np.column_stack([px, py]))
        nx_, ny_ = self.projection.xy(graph.node_lat, graph.node_lon)
        self._node_tree = cKDTree(np.column_stack([nx_, ny_]))

    def nearest(self, lats: np.ndarray, lons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node and distance to the nearest street (metres) for many points."""
        x, y = self.projection.xy(np.atleast_1d(lats), np.atleast_1d(lons))
        dist, idx = self._tree.query(np.column_stack([x, y]))
        return self._point_node[idx], np.asarray(dist, dtype=np.float64)

    def nearest_node(self, lat: float, lon: float) -> int:
        """Nearest graph node (ignoring streets between nodes), without a distance limit."""
        x, y = self.projection.xy(np.array([lat]), np.array([lon]))
        _, idx = self._node_tree.query(np.column_stack([x, y]))
        return int(idx[0])

    def snap_many(
        self, lats: np.ndarray, lons: np.ndarray, *, labels: list[str] | None = None
    ) -> np.ndarray:
        """Node ids for many points; :class:`OutsideServiceArea` for the first one too far."""
        return self._snap_many(lats, lons, labels=labels)[0]

    def _snap_many(
        self, lats: np.ndarray, lons: np.ndarray, *, labels: list[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        nodes, dist = self.nearest(lats, lons)
        bad = np.flatnonzero(dist > self.max_m)
        if bad.size:
            i = int(bad[0])
            lat, lon = float(np.atleast_1d(lats)[i]), float(np.atleast_1d(lons)[i])
            name = labels[i] if labels is not None else f"point #{i}"
            msg = (
                f"{name} at ({lat:.6f}, {lon:.6f}) is {dist[i]:.0f} m from the nearest "
                f"{self.graph.mode} street; the limit is {self.max_m:.0f} m, so it lies "
                "outside the service area"
            )
            raise OutsideServiceArea(msg, lat=lat, lon=lon, distance_m=float(dist[i]))
        return nodes, dist

    def snap(self, lat: float, lon: float, *, label: str | None = None) -> Snapped:
        """Snap one point (see :meth:`snap_many`)."""
        nodes, dist = self._snap_many(
            np.array([lat]), np.array([lon]), labels=[label or "point"]
        )
        v = int(nodes[0])
        return Snapped(
            node=v,
            lat=float(self.graph.node_lat[v]),
            lon=float(self.graph.node_lon[v]),
            distance_m=float(dist[0]),
        )
