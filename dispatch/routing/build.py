"""Build the drive and walk graphs with OSMnx from an OSM XML file (or a download).

One raw parse of the file gives every highway way; each mode takes its edges, gets speeds and
travel times on the raw segments (OSMnx, ``maxspeed`` first, German urban defaults where it is
missing), is simplified with travel times summed, and is cut to its largest strongly
connected component. The result is a :class:`ModeGraph` of plain numpy arrays (CSR).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import Protocol

import networkx as nx
import numpy as np

from dispatch.routing._errors import GraphSourceError

__all__ = [
    "DRIVE_HIGHWAYS",
    "MIN_EDGE_TIME_S",
    "ModeGraph",
    "QuarterLike",
    "check_online",
    "download_polygon",
    "download_raw_graph",
    "mode_graph",
    "read_raw_graph",
    "to_arrays",
]

#: highway values a car may use
DRIVE_HIGHWAYS = frozenset(
    {
        "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
        "secondary", "secondary_link", "tertiary", "tertiary_link", "residential",
        "unclassified", "living_street", "service", "road",
    }
)
#: service=* values not used for driving people around
_DRIVE_SERVICE_EXCLUDED = frozenset({"parking_aisle", "driveway", "emergency_access"})
_DRIVE_ACCESS_EXCLUDED = frozenset({"no", "private"})
#: way tags that say who may use it, beyond ``access`` (real OSM has them; derived files lack them)
_DRIVE_ACCESS_KEYS = ("access", "vehicle", "motor_vehicle", "motorcar")
_FOOT_EXCLUDED = frozenset({"no", "private", "use_sidepath"})
#: tags OSMnx keeps on ways besides its defaults (who may use the way)
EXTRA_WAY_TAGS = ("foot", "vehicle", "motor_vehicle", "motorcar")
#: highway values nobody walks on (or that are not built)
_WALK_EXCLUDED = frozenset(
    {
        "motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed",
        "raceway", "bus_guideway", "abandoned", "platform", "escape", "busway",
    }
)
#: lower bound of an edge's travel time, so no edge weighs zero (scipy drops zero entries)
MIN_EDGE_TIME_S = 0.001

Progress = Callable[[str], None]


class QuarterLike(Protocol):
    """What the routing layer needs from a quarter configuration."""

    @property
    def slug(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def boundary(self) -> Sequence[tuple[float, float]]: ...


@dataclass(frozen=True)
class ModeGraph:
    """A directed street graph of one mode as CSR arrays plus node and edge attributes."""

    mode: str
    node_osmid: np.ndarray  # int64 [n]
    node_lat: np.ndarray  # float64 [n]
    node_lon: np.ndarray  # float64 [n]
    indptr: np.ndarray  # int64 [n + 1]
    indices: np.ndarray  # int32 [m]
    travel_time_s: np.ndarray  # float64 [m]
    length_m: np.ndarray  # float64 [m]
    name_idx: np.ndarray  # int32 [m], -1 for unnamed
    highway_idx: np.ndarray  # int32 [m]
    geom_ptr: np.ndarray  # int64 [m + 1] into geom_lat / geom_lon
    geom_lat: np.ndarray  # float64
    geom_lon: np.ndarray  # float64
    names: np.ndarray  # str [k]
    highways: np.ndarray  # str [h]

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_lat.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.shape[0])

    def edge_sources(self) -> np.ndarray:
        """Source node of every edge (CSR row index expanded)."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Arrays for storage under ``prefix``."""
        out = {}
        for key in self.__dataclass_fields__:
            if key != "mode":
                out[prefix + key] = getattr(self, key)
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str, mode: str) -> ModeGraph:
        """Rebuild from :meth:`arrays` output."""
        kwargs: dict[str, Any] = {"mode": mode}
        for key in cls.__dataclass_fields__:
            if key != "mode":
                kwargs[key] = arrays[prefix + key]
        return cls(**kwargs)

    def to_networkx(self) -> nx.DiGraph:
        """The graph as a networkx DiGraph with ``travel_time_s`` edge weights."""
        g = nx.DiGraph()
        g.add_nodes_from(range(self.n_nodes))
        src = self.edge_sources()
        g.add_weighted_edges_from(
            zip(src.tolist(), self.indices.tolist(), self.travel_time_s.tolist(), strict=True),
            weight="travel_time_s",
        )
        return g


def read_raw_graph(path: Path) -> nx.MultiDiGraph:
    """Parse every highway way of an OSM XML file (``.osm`` or ``.osm.bz2``), unsimplified."""
    import osmnx as ox

    if not path.is_file():
        msg = f"OSM file not found: {path}"
        raise GraphSourceError(msg)
    kept = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = sorted({*kept, *EXTRA_WAY_TAGS})
    try:
        return ox.graph_from_xml(path, simplify=False, retain_all=True, bidirectional=False)
    except Exception as exc:
        msg = f"cannot read OSM file {path}: {exc}"
        raise GraphSourceError(msg) from exc
    finally:
        ox.settings.useful_tags_way = kept


def download_polygon(quarters: Iterable[QuarterLike], *, buffer_m: float) -> Any:
    """Area to download: the hull of all quarter boundaries grown by ``buffer_m`` metres.

    Returns a shapely polygon in longitude/latitude.
    """
    from shapely.geometry import MultiPoint

    pts = [pt for q in quarters for pt in q.boundary]
    if not pts:
        msg = "no quarters configured: nothing to download"
        raise GraphSourceError(msg)
    hull = MultiPoint(pts).convex_hull
    lat0 = float(np.mean([p[1] for p in pts]))
    # buffer in degrees, scaled so the margin is about buffer_m in both directions
    deg_lat = buffer_m / 111_320.0
    deg_lon = buffer_m / (111_320.0 * math.cos(math.radians(lat0)))
    from shapely import affinity

    stretched = affinity.scale(hull, xfact=deg_lat / deg_lon, yfact=1.0, origin=(0, 0))
    grown = stretched.buffer(deg_lat)
    return affinity.scale(grown, xfact=deg_lon / deg_lat, yfact=1.0, origin=(0, 0))


def check_online(timeout_s: float = 5.0) -> None:
    """Fail fast with :class:`GraphSourceError` when the Overpass server cannot be reached."""
    import socket
    from urllib.parse import urlparse

    import osmnx as ox

    if any(os.environ.get(k) for k in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY")):
        return  # behind a proxy a direct connection says nothing; let OSMnx try
    host = urlparse(str(ox.settings.overpass_url)).hostname or "overpass-api.de"
    try:
        with socket.create_connection((host, 443), timeout=timeout_s):
            pass
    except OSError as exc:
        msg = (
            f"no street file is configured and {host} cannot be reached ({exc}); set "
            "routing.osm_file in config/service.toml or DISPATCH_OSM_FILE to an OSM extract"
        )
        raise GraphSourceError(msg) from exc


def download_raw_graph(quarters: Iterable[QuarterLike], *, buffer_m: float) -> nx.MultiDiGraph:
    """Download every highway of the quarters and their surroundings with OSMnx (online only)."""
    import osmnx as ox

    poly = download_polygon(quarters, buffer_m=buffer_m)
    check_online()
    try:
        return ox.graph_from_polygon(
            poly, network_type="all", simplify=False, retain_all=True, truncate_by_edge=True
        )
    except Exception as exc:
        msg = f"cannot download the street network (offline?): {exc}"
        raise GraphSourceError(msg) from exc


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _as_set(value: Any) -> set[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return set()
    if isinstance(value, list):
        return {str(v) for v in value}
    return {str(value)}


def _keep_drive(d: dict[str, Any]) -> bool:
    hw = _as_set(d.get("highway"))
    if not hw & DRIVE_HIGHWAYS:
        return False
    if _as_set(d.get("service")) & _DRIVE_SERVICE_EXCLUDED:
        return False
    return not any(_as_set(d.get(k)) & _DRIVE_ACCESS_EXCLUDED for k in _DRIVE_ACCESS_KEYS)


def _keep_walk(d: dict[str, Any]) -> bool:
    hw = _as_set(d.get("highway"))
    if not hw or hw & _WALK_EXCLUDED:
        return False
    foot = _as_set(d.get("foot"))
    if foot & _FOOT_EXCLUDED:
        return False
    return bool(foot - _FOOT_EXCLUDED) or not _as_set(d.get("access")) & _DRIVE_ACCESS_EXCLUDED


def mode_graph(
    raw: nx.MultiDiGraph,
    mode: str,
    *,
    speeds_kmh: dict[str, float],
    fallback_speed_kmh: float,
    walking_speed_kmh: float,
) -> nx.MultiDiGraph:
    """The simplified, largest strongly connected graph of one mode with ``travel_time``.

    Parameters
    ----------
    raw
        Unsimplified graph of every highway (from :func:`read_raw_graph`).
    mode
        ``"drive"`` (one-way streets respected) or ``"walk"`` (every way both directions).
    """
    import osmnx as ox

    if mode == "drive":
        keep = [(u, v, k) for u, v, k, d in raw.edges(keys=True, data=True) if _keep_drive(d)]
        g = raw.edge_subgraph(keep).copy()
        if g.number_of_edges() == 0:
            msg = "the street source has no drivable roads"
            raise GraphSourceError(msg)
        # speeds on the raw segments: maxspeed where tagged, else the highway default
        ox.routing.add_edge_speeds(g, hwy_speeds=dict(speeds_kmh), fallback=fallback_speed_kmh)
        ox.routing.add_edge_travel_times(g)
    elif mode == "walk":
        g = nx.MultiDiGraph()
        g.graph.update(raw.graph)
        seen: set[tuple[Any, Any]] = set()
        edges: list[tuple[Any, Any, dict[str, Any]]] = []
        for u, v, d in raw.edges(data=True):
            if not _keep_walk(d):
                continue
            for a, b, rev in ((u, v, False), (v, u, True)):
                if (a, b) not in seen:
                    seen.add((a, b))
                    edges.append((a, b, {**d, "oneway": False, "reversed": rev}))
        g.add_edges_from(edges)
        g.add_nodes_from([(node, raw.nodes[node]) for node in g.nodes])
        if g.number_of_edges() == 0:
            msg = "the street source has no walkable ways"
            raise GraphSourceError(msg)
        mps = walking_speed_kmh / 3.6
        for _, _, d in g.edges(data=True):
            d["speed_kph"] = walking_speed_kmh
            d["travel_time"] = float(d["length"]) / mps
    else:
        msg = f"unknown mode {mode!r}; use 'drive' or 'walk'"
        raise ValueError(msg)
    g = ox.simplify_graph(
        g,
        edge_attrs_differ=["highway"],
        edge_attr_aggs={"length": sum, "travel_time": sum},
    )
    # largest strongly connected component, in place (cheaper than OSMnx's subgraph copy)
    largest = max(nx.strongly_connected_components(g), key=len)
    g.remove_nodes_from([v for v in list(g.nodes) if v not in largest])
    for _, _, d in g.edges(data=True):
        d["travel_time"] = max(float(d["travel_time"]), MIN_EDGE_TIME_S)
    return g


def to_arrays(g: nx.MultiDiGraph, mode: str) -> ModeGraph:
    """Convert an OSMnx graph to CSR arrays, keeping the fastest of parallel edges."""
    nodes = list(g.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    node_lat = np.array([g.nodes[v]["y"] for v in nodes], dtype=np.float64)
    node_lon = np.array([g.nodes[v]["x"] for v in nodes], dtype=np.float64)
    best: dict[tuple[int, int], dict[str, Any]] = {}
    for u, v, d in g.edges(data=True):
        if u == v:
            continue
        key = (index[u], index[v])
        old = best.get(key)
        if old is None or d["travel_time"] < old["travel_time"]:
            best[key] = d
    keys = sorted(best)
    names: dict[str, int] = {}
    highways: dict[str, int] = {}
    m = len(keys)
    indices = np.empty(m, np.int32)
    tt = np.empty(m, np.float64)
    length = np.empty(m, np.float64)
    name_idx = np.empty(m, np.int32)
    hw_idx = np.empty(m, np.int32)
    geom_ptr = np.zeros(m + 1, np.int64)
    glat: list[float] = []
    glon: list[float] = []
    counts = np.zeros(len(nodes), np.int64)
    for e, (a, b) in enumerate(keys):
        d = best[(a, b)]
        counts[a] += 1
        indices[e] = b
        tt[e] = float(d["travel_time"])
        length[e] = float(d["length"])
        name = _first(d.get("name"))
        if name is None or (isinstance(name, float) and math.isnan(name)):
            name_idx[e] = -1
        else:
            name_idx[e] = names.setdefault(str(name), len(names))
        hw = str(_first(d.get("highway")))
        hw_idx[e] = highways.setdefault(hw, len(highways))
        geom = d.get("geometry")
        if geom is not None:
            xs, ys = geom.xy
            lon_l, lat_l = list(xs), list(ys)
            # make the polyline run from a to b
            if (lon_l[0] - node_lon[a]) ** 2 + (lat_l[0] - node_lat[a]) ** 2 > (
                lon_l[-1] - node_lon[a]
            ) ** 2 + (lat_l[-1] - node_lat[a]) ** 2:
                lon_l.reverse()
                lat_l.reverse()
        else:
            lat_l = [float(node_lat[a]), float(node_lat[b])]
            lon_l = [float(node_lon[a]), float(node_lon[b])]
        glat.extend(lat_l)
        glon.extend(lon_l)
        geom_ptr[e + 1] = len(glat)
    indptr = np.zeros(len(nodes) + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    osmids = np.array([int(v) for v in nodes], dtype=np.int64)
    return ModeGraph(
        mode=mode,
        node_osmid=osmids,
        node_lat=node_lat,
        node_lon=node_lon,
        indptr=indptr,
        indices=indices,
        travel_time_s=tt,
        length_m=length,
        name_idx=name_idx,
        highway_idx=hw_idx,
        geom_ptr=geom_ptr,
        geom_lat=np.asarray(glat, dtype=np.float64),
        geom_lon=np.asarray(glon, dtype=np.float64),
        names=np.array(list(names), dtype=str) if names else np.array([], dtype="<U1"),
        highways=np.array(list(highways), dtype=str),
    )
