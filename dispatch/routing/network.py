"""The street network of the served area: load from cache (or build), snap, time, route."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from dispatch.routing import build as _build
from dispatch.routing._errors import AddressNotFound
from dispatch.routing._errors import CacheError
from dispatch.routing._errors import GraphSourceError
from dispatch.routing.addresses import AddressHit
from dispatch.routing.addresses import AddressIndex
from dispatch.routing.addresses import AddressRecords
from dispatch.routing.addresses import address_records
from dispatch.routing.addresses import read_address_records
from dispatch.routing.build import ModeGraph
from dispatch.routing.build import QuarterLike
from dispatch.routing.cache import RoutingSettings
from dispatch.routing.cache import Steps
from dispatch.routing.cache import fingerprint
from dispatch.routing.cache import read_arrays
from dispatch.routing.cache import remove_stale
from dispatch.routing.cache import write_arrays
from dispatch.routing.geometry import Route
from dispatch.routing.geometry import route as _route
from dispatch.routing.geometry import street_geojson as _street_geojson
from dispatch.routing.matrix import ContractionHierarchy
from dispatch.routing.matrix import ManyToMany
from dispatch.routing.matrix import build_contraction_hierarchy
from dispatch.routing.snap import Snapped
from dispatch.routing.snap import Snapper

__all__ = ["MODES", "ModeNetwork", "Point", "StreetNetwork", "build_network", "load_network"]

MODES = ("drive", "walk")
#: a point: (lat, lon) in degrees, or a node id already snapped in the same mode
Point = tuple[float, float] | int | np.integer[Any]
#: margin around the quarters when the network is downloaded instead of read from a file
DEFAULT_DOWNLOAD_BUFFER_M = 4000.0


def _point_in_polygon(lat: float, lon: float, boundary: Sequence[tuple[float, float]]) -> bool:
    inside = False
    j = len(boundary) - 1
    for i, (xi, yi) in enumerate(boundary):
        xj, yj = boundary[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _quarter_finder(quarters: Sequence[QuarterLike]) -> Any:
    polys = [(q.slug, tuple(q.boundary)) for q in quarters]

    def quarter_of(lat: float, lon: float) -> str | None:
        for slug, boundary in polys:
            if _point_in_polygon(lat, lon, boundary):
                return slug
        return None

    return quarter_of


class ModeNetwork:
    """One mode's graph with its hierarchy, snapping tree and search-space LRU."""

    def __init__(self, graph: ModeGraph, ch: ContractionHierarchy, *, snap_max_m: float) -> None:
        self.graph = graph
        self.ch = ch
        self.snap_max_m = snap_max_m
        self.m2m = ManyToMany(ch)
        self._snapper: Snapper | None = None
        self._csr: csr_matrix | None = None
        self._lock = threading.Lock()

    @property
    def snapper(self) -> Snapper:
        """KD-tree snapper, built on first use."""
        with self._lock:
            if self._snapper is None:
                self._snapper = Snapper(self.graph, max_m=self.snap_max_m)
            return self._snapper

    @property
    def csr(self) -> csr_matrix:
        """The graph as a scipy CSR matrix of travel times."""
        if self._csr is None:
            g = self.graph
            self._csr = csr_matrix(
                (g.travel_time_s, g.indices, g.indptr), shape=(g.n_nodes, g.n_nodes)
            )
        return self._csr

    def matrix(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Travel-time matrix between node ids (thread-safe)."""
        with self._lock:
            return self.m2m.matrix(sources, targets)


class StreetNetwork:
    """Drive and walk graphs of the served area with snapping, matrices, routes and search.

    Create it with :func:`load_network`. Points are ``(lat, lon)`` tuples or node ids from
    :meth:`snap` of the same mode. Travel times are seconds.
    """

    def __init__(
        self,
        drive: ModeNetwork,
        walk: ModeNetwork,
        *,
        quarters: Sequence[QuarterLike],
        meta: dict[str, Any],
        addresses_path: Path | None,
    ) -> None:
        self.drive = drive
        self.walk = walk
        self.quarters = tuple(quarters)
        self.meta = meta
        self._quarter_of = _quarter_finder(self.quarters)
        self._addresses_path = addresses_path
        self._addresses: AddressIndex | None = None
        self._lock = threading.Lock()

    # ---- graphs ------------------------------------------------------------------------------

    def mode(self, mode: str) -> ModeNetwork:
        """The network of ``mode`` (``"drive"`` or ``"walk"``)."""
        if mode == "drive":
            return self.drive
        if mode == "walk":
            return self.walk
        msg = f"unknown mode {mode!r}; use 'drive' or 'walk'"
        raise ValueError(msg)

    def street_names(self, *, mode: str = "drive") -> set[str]:
        """Names of the streets in the graph of ``mode``."""
        g = self.mode(mode).graph
        used = np.unique(g.name_idx[g.name_idx >= 0])
        return {str(g.names[i]) for i in used}

    # ---- snapping ----------------------------------------------------------------------------

    def snap(self, lat: float, lon: float, *, mode: str = "drive", label: str | None = None
             ) -> Snapped:
        """Snap a point to the nearest street of ``mode``.

        Raises
        ------
        OutsideServiceArea
            When the point is farther than ``snap_max_m`` from every street; the message
            names the point (``label`` or its coordinates).
        """
        return self.mode(mode).snapper.snap(lat, lon, label=label)

    def nodes_for(
        self, points: Sequence[Point], *, mode: str = "drive", labels: Sequence[str] | None = None
    ) -> np.ndarray:
        """Node ids of points given as (lat, lon) or already as node ids."""
        net = self.mode(mode)
        out = np.empty(len(points), np.int64)
        coord_pos: list[int] = []
        for i, p in enumerate(points):
            if isinstance(p, int | np.integer):
                if not 0 <= int(p) < net.graph.n_nodes:
                    msg = f"node id {int(p)} is not a node of the {mode} graph"
                    raise ValueError(msg)
                out[i] = int(p)
            else:
                coord_pos.append(i)
        if coord_pos:
            lats = np.array([float(points[i][0]) for i in coord_pos])  # type: ignore[index]
            lons = np.array([float(points[i][1]) for i in coord_pos])  # type: ignore[index]
            names = (
                [labels[i] for i in coord_pos]
                if labels is not None
                else [f"point #{i}" for i in coord_pos]
            )
            out[coord_pos] = net.snapper.snap_many(lats, lons, labels=names)
        return out

    # ---- travel times ------------------------------------------------------------------------

    def travel_time_matrix(
        self,
        points: Sequence[Point],
        targets: Sequence[Point] | None = None,
        *,
        mode: str = "drive",
        labels: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Shortest travel times in seconds, ``points`` × ``targets`` (default: × ``points``).

        Exact (contraction hierarchy, bucket many-to-many); search spaces of recurring
        points are remembered, so repeated homes and surgeries cost almost nothing.
        """
        src = self.nodes_for(points, mode=mode, labels=labels)
        dst = src if targets is None else self.nodes_for(targets, mode=mode)
        return self.mode(mode).matrix(src, dst)

    def travel_time_s(self, a: Point, b: Point, *, mode: str = "drive") -> float:
        """Travel time from ``a`` to ``b`` in seconds."""
        return float(self.travel_time_matrix([a], [b], mode=mode)[0, 0])

    def route_geometry(self, a: Point, b: Point, *, mode: str = "drive") -> Route:
        """Fastest route from ``a`` to ``b``: polyline ``coords`` (lat, lon), time, length."""
        net = self.mode(mode)
        s, t = self.nodes_for([a, b], mode=mode, labels=["start", "destination"])
        return _route(net.graph, int(s), int(t), csr=net.csr)

    def street_geojson(
        self,
        *,
        mode: str = "drive",
        bbox: tuple[float, float, float, float] | None = None,
        highways: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """GeoJSON FeatureCollection of the streets (bbox = min_lat, min_lon, max_lat, max_lon)."""
        return _street_geojson(
            self.mode(mode).graph,
            bbox=bbox,
            highways=set(highways) if highways is not None else None,
        )

    # ---- areas and addresses -----------------------------------------------------------------

    def quarter_of(self, lat: float, lon: float) -> str | None:
        """Slug of the configured quarter containing the point, or None."""
        result: str | None = self._quarter_of(lat, lon)
        return result

    @property
    def addresses(self) -> AddressIndex:
        """The offline address and place index (loaded on first use)."""
        with self._lock:
            if self._addresses is None:
                if self._addresses_path is None or not self._addresses_path.is_file():
                    records = AddressRecords.from_arrays(_empty_records().arrays())
                else:
                    arrays, _ = read_arrays(self._addresses_path)
                    records = AddressRecords.from_arrays(arrays)
                self._addresses = AddressIndex(records)
            return self._addresses

    def geocode(self, text: str) -> AddressHit:
        """The best address-search hit for ``text``, or :class:`AddressNotFound`."""
        hits = self.addresses.search(text, limit=1)
        if not hits:
            msg = f"no address or place matches {text!r}"
            raise AddressNotFound(msg)
        return hits[0]

    def prepare(self) -> StreetNetwork:
        """Build the lazy parts now (snapping trees, address index: about 2 s), e.g. at start-up.

        Returns the network itself.
        """
        for name in MODES:
            _ = self.mode(name).snapper
        self.addresses.search("Warmup Straße 1")  # also loads the compiled typo matcher
        return self

    def status(self) -> dict[str, Any]:
        """Facts for health checks and ``flask graph info``."""
        out = {
            "source": self.meta.get("source"),
            "fingerprint": self.meta.get("fingerprint"),
            "built_at": self.meta.get("built_at"),
            "build_s": self.meta.get("build_s"),
            "from_cache": self.meta.get("from_cache"),
            "load_s": self.meta.get("load_s"),
            "cache_file": self.meta.get("cache_file"),
            "quarters": [q.slug for q in self.quarters],
        }
        for name in MODES:
            net = self.mode(name)
            out[name] = {
                "nodes": net.graph.n_nodes,
                "edges": net.graph.n_edges,
                "ch_edges": int(net.ch.fwd_indices.size + net.ch.bwd_indices.size),
                "matrix_cache": net.m2m.cache_info(),
            }
        return out


def _empty_records() -> AddressRecords:
    e = np.array([], dtype=str)
    f = np.array([], dtype=np.float64)
    return AddressRecords(label=e, kind=e, extra=e, lat=f, lon=f, quarter=e, district=e)


def _download_address_records(
    quarters: Sequence[QuarterLike], *, buffer_m: float, quarter_of: Any
) -> AddressRecords:
    """Addresses and points of interest downloaded with OSMnx (online only)."""
    import osmnx as ox

    poly = _build.download_polygon(quarters, buffer_m=buffer_m)
    tags: dict[str, bool | str | list[str]] = {
        "addr:housenumber": True,
        "amenity": [
            "doctors", "clinic", "dentist", "pharmacy", "hospital", "community_centre",
            "nursing_home", "social_facility", "townhall", "post_office", "place_of_worship",
        ],
        "shop": ["supermarket"],
        "highway": ["bus_stop"],
        "railway": ["tram_stop", "halt", "station"],
        "place": ["suburb", "quarter", "neighbourhood", "village", "hamlet", "borough"],
    }
    try:
        gdf = ox.features_from_polygon(poly, tags=tags)
    except Exception as exc:
        msg = f"cannot download addresses (offline?): {exc}"
        raise GraphSourceError(msg) from exc

    def elements() -> Iterable[tuple[float, float, dict[str, str], bool]]:
        for idx, row in gdf.iterrows():
            pt = row.geometry.representative_point()
            row_tags = {
                str(k): str(v) for k, v in row.items() if k != "geometry" and isinstance(v, str)
            }
            is_node = isinstance(idx, tuple) and idx[0] == "node"
            yield float(pt.y), float(pt.x), row_tags, is_node

    return address_records(elements(), quarter_of=quarter_of)


def build_network(
    cfg: RoutingSettings,
    quarters: Sequence[QuarterLike],
    *,
    progress: bool | None = None,
    download_buffer_m: float = DEFAULT_DOWNLOAD_BUFFER_M,
) -> Path:
    """Build both graphs, hierarchies and the address index into ``cfg.cache_dir``.

    Returns the network cache file. ``progress=None`` shows the bar only on a terminal.
    """
    fp = fingerprint(cfg, quarters, download_buffer_m=download_buffer_m)
    cache_dir = Path(cfg.cache_dir)
    net_path = cache_dir / f"network-{fp.short}.npz"
    addr_path = cache_dir / f"addresses-{fp.short}.npz"
    enabled = sys.stderr.isatty() if progress is None else progress
    steps = Steps(
        ["read streets", "drive graph", "drive hierarchy", "walk graph", "walk hierarchy",
         "addresses", "write cache"],
        enabled=enabled,
        desc="building street network",
    )
    t0 = time.perf_counter()
    quarter_of = _quarter_finder(quarters)
    try:
        with steps.step("read streets"):
            if cfg.osm_file is not None:
                raw = _build.read_raw_graph(Path(cfg.osm_file))
                source = str(cfg.osm_file)
            else:
                raw = _build.download_raw_graph(quarters, buffer_m=download_buffer_m)
                source = "download:" + ",".join(q.slug for q in quarters)
        arrays: dict[str, np.ndarray] = {}
        counts: dict[str, Any] = {}
        for mode in MODES:
            with steps.step(f"{mode} graph"):
                g_nx = _build.mode_graph(
                    raw,
                    mode,
                    speeds_kmh=dict(cfg.speeds_kmh),
                    fallback_speed_kmh=float(cfg.fallback_speed_kmh),
                    walking_speed_kmh=float(cfg.walking_speed_kmh),
                )
                mg = _build.to_arrays(g_nx, mode)
                del g_nx
            with steps.step(f"{mode} hierarchy"):
                ch = build_contraction_hierarchy(mg.indptr, mg.indices, mg.travel_time_s)
            arrays.update(mg.arrays(f"{mode}/"))
            arrays.update(ch.arrays(f"{mode}/ch/"))
            counts[mode] = {"nodes": mg.n_nodes, "edges": mg.n_edges}
        del raw
        with steps.step("addresses"):
            if cfg.osm_file is not None:
                records = read_address_records(cfg.osm_file, cfg.pois_file, quarter_of=quarter_of)
            else:
                records = _download_address_records(
                    quarters, buffer_m=download_buffer_m, quarter_of=quarter_of
                )
        meta = {
            "fingerprint": fp.digest,
            "parts": fp.parts,
            "source": source,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build_s": round(time.perf_counter() - t0, 2),
            "counts": counts,
            "addresses": len(records),
        }

        with steps.step("write cache"):
            write_arrays(addr_path, records.arrays(), {"fingerprint": fp.digest, "source": source})
            meta["timings"] = dict(steps.timings)
            write_arrays(net_path, arrays, meta)
            remove_stale(cache_dir, "network", net_path, source=source)
            remove_stale(cache_dir, "addresses", addr_path, source=source)
    finally:
        steps.close()
    return net_path


def load_network(
    cfg: RoutingSettings,
    quarters: Sequence[QuarterLike],
    *,
    rebuild: bool = False,
    progress: bool | None = None,
    download_buffer_m: float = DEFAULT_DOWNLOAD_BUFFER_M,
) -> StreetNetwork:
    """Load the network from ``cfg.cache_dir``, building it first when missing or stale.

    Parameters
    ----------
    cfg
        Routing settings (``dispatch.settings.RoutingConfig`` or anything alike).
    quarters
        Quarter configurations (slug, name, boundary as (lon, lat) pairs).
    rebuild
        Build even when a fresh cache exists.
    progress
        Show a progress bar while building (None: only on a terminal).
    """
    t0 = time.perf_counter()
    fp = fingerprint(cfg, quarters, download_buffer_m=download_buffer_m)
    net_path = Path(cfg.cache_dir) / f"network-{fp.short}.npz"
    addr_path = Path(cfg.cache_dir) / f"addresses-{fp.short}.npz"
    built = False
    if rebuild or not net_path.is_file() or not addr_path.is_file():
        build_network(cfg, quarters, progress=progress, download_buffer_m=download_buffer_m)
        built = True
    try:
        arrays, meta = read_arrays(net_path)
    except CacheError:
        if built:
            raise
        build_network(cfg, quarters, progress=progress, download_buffer_m=download_buffer_m)
        built = True
        arrays, meta = read_arrays(net_path)
    if meta.get("fingerprint") != fp.digest:
        msg = f"cache file {net_path} does not match its fingerprint"
        raise CacheError(msg)
    nets = {}
    for mode in MODES:
        nets[mode] = ModeNetwork(
            ModeGraph.from_arrays(arrays, f"{mode}/", mode),
            ContractionHierarchy.from_arrays(arrays, f"{mode}/ch/"),
            snap_max_m=float(cfg.snap_max_m),
        )
    meta = dict(meta)
    meta["from_cache"] = not built
    meta["load_s"] = round(time.perf_counter() - t0, 3)
    meta["cache_file"] = str(net_path)
    return StreetNetwork(
        nets["drive"],
        nets["walk"],
        quarters=quarters,
        meta=meta,
        addresses_path=addr_path,
    )
