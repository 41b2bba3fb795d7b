"""Travel-time matrices are exact: equal to networkx, OSMnx and scipy Dijkstra."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from dispatch.routing import StreetNetwork
from dispatch.routing.matrix import ManyToMany
from dispatch.routing.matrix import build_contraction_hierarchy
from dispatch.routing.matrix import dijkstra_matrix


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_ch_matrix_equals_scipy_dijkstra(net: StreetNetwork, mode: str) -> None:
    g = net.mode(mode).graph
    rng = np.random.default_rng(7)
    src = rng.integers(0, g.n_nodes, 150)
    dst = rng.integers(0, g.n_nodes, 400)
    ours = net.mode(mode).matrix(src, dst)
    ref = dijkstra_matrix(g.indptr, g.indices, g.travel_time_s, src, dst)
    assert np.isfinite(ref).all()
    np.testing.assert_allclose(ours, ref, rtol=0, atol=0.01)


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_matrix_equals_networkx_on_sampled_pairs(net: StreetNetwork, mode: str) -> None:
    g = net.mode(mode).graph
    gx = g.to_networkx()
    rng = np.random.default_rng(11)
    pts = rng.integers(0, g.n_nodes, 12)
    ours = net.travel_time_matrix([int(p) for p in pts], mode=mode)
    for i in range(len(pts)):
        lengths = nx.single_source_dijkstra_path_length(gx, int(pts[i]), weight="travel_time_s")
        for j in range(len(pts)):
            assert ours[i, j] == pytest.approx(lengths[int(pts[j])], abs=0.01)


def test_drive_matrix_equals_osmnx_graph_shortest_paths(net: StreetNetwork,
                                                        osmnx_drive: nx.MultiDiGraph) -> None:
    """Against OSMnx's own graph (built separately from the file), by OSM node id."""
    g = net.drive.graph
    assert osmnx_drive.number_of_nodes() == g.n_nodes
    index = {int(o): i for i, o in enumerate(g.node_osmid.tolist())}
    rng = np.random.default_rng(3)
    osm_ids = rng.choice(np.array(list(osmnx_drive.nodes)), 10, replace=False)
    ours = net.travel_time_matrix([index[int(o)] for o in osm_ids])
    for i, o in enumerate(osm_ids):
        lengths = nx.single_source_dijkstra_path_length(osmnx_drive, o, weight="travel_time")
        for j, p in enumerate(osm_ids):
            assert ours[i, j] == pytest.approx(lengths[p], abs=0.01)


def test_rectangular_matrix_and_recurring_points(net: StreetNetwork) -> None:
    homes = [(51.5093, 7.3864), (51.5505, 7.4635), (51.5130, 7.3920)]
    surgeries = [(51.5480, 7.4650), (51.5060, 7.3800)]
    m2m = net.drive.m2m
    full = net.travel_time_matrix(homes + surgeries)
    before = m2m.cache_info()["hits"]
    rect = net.travel_time_matrix(homes, surgeries)
    assert rect.shape == (3, 2)
    np.testing.assert_array_equal(rect, full[:3, 3:])
    assert m2m.cache_info()["hits"] >= before + 5  # every search space was reused


def test_ch_on_small_random_graphs_with_one_way_and_parallel_edges() -> None:
    rng = np.random.default_rng(5)
    for n in (1, 2, 7, 60, 300):
        m = 3 * n
        src = rng.integers(0, n, m)
        dst = rng.integers(0, n, m)
        w = rng.uniform(0.001, 100.0, m)
        w[: m // 10] = np.round(w[: m // 10])  # ties
        w = np.maximum(w, 0.001)
        order = np.lexsort((w, dst, src))
        src, dst, w = src[order], dst[order], w[order]
        keep = np.ones(m, bool)
        keep[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])  # lightest parallel edge
        keep &= src != dst
        src, dst, w = src[keep], dst[keep], w[keep]
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
        indices = dst.astype(np.int32)
        ch = build_contraction_hierarchy(indptr, indices, w, max_settle=5)
        ours = ManyToMany(ch).matrix(np.arange(n), np.arange(n))
        ref = dijkstra_matrix(indptr, indices, w, np.arange(n), np.arange(n))
        assert np.array_equal(np.isinf(ours), np.isinf(ref))
        fin = np.isfinite(ref)
        np.testing.assert_allclose(ours[fin], ref[fin], rtol=0, atol=1e-9)
