"""Many-to-many travel times: a contraction hierarchy with bucket queries, compiled with numba.

The hierarchy (Geisberger et al. 2008) is built once at cache-build time from the CSR graph
and stored with it. A matrix query runs one small upward search per distinct source
(forward) and per distinct target (backward), drops the backward search spaces into
buckets keyed by node, and joins them (Knopp et al. 2007). Search spaces of recurring
points are kept in an LRU so the live service rarely searches twice from the same node.
All answers are exact shortest-path times; shortcuts only ever stand for real paths.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass

import numba
import numpy as np
from numba import njit
from numba import prange

__all__ = [
    "ContractionHierarchy",
    "ManyToMany",
    "build_contraction_hierarchy",
    "dijkstra_matrix",
]

_INF = np.inf


# ---------------------------------------------------------------------------------------------
# indexed binary min-heap on flat arrays (keys float64, items int64 < n)


@njit(cache=True, inline="always")
def _heap_swap(h_item: np.ndarray, h_key: np.ndarray, pos: np.ndarray, a: int, b: int) -> None:
    ia = h_item[a]
    ib = h_item[b]
    h_item[a] = ib
    h_item[b] = ia
    ka = h_key[a]
    h_key[a] = h_key[b]
    h_key[b] = ka
    pos[ib] = a
    pos[ia] = b


@njit(cache=True)
def _heap_up(h_item: np.ndarray, h_key: np.ndarray, pos: np.ndarray, i: int) -> None:
    while i > 0:
        p = (i - 1) >> 1
        if h_key[p] <= h_key[i]:
            break
        _heap_swap(h_item, h_key, pos, i, p)
        i = p


@njit(cache=True)
def _heap_down(h_item: np.ndarray, h_key: np.ndarray, pos: np.ndarray, i: int, size: int) -> None:
    while True:
        lft = 2 * i + 1
        if lft >= size:
            break
        c = lft
        r = lft + 1
        if r < size and h_key[r] < h_key[lft]:
            c = r
        if h_key[i] <= h_key[c]:
            break
        _heap_swap(h_item, h_key, pos, i, c)
        i = c


@njit(cache=True)
def _heap_set(
    h_item: np.ndarray, h_key: np.ndarray, pos: np.ndarray, size: int, item: int, key: float
) -> int:
    """Insert ``item`` or change its key; return the new heap size."""
    p = pos[item]
    if p < 0:
        h_item[size] = item
        h_key[size] = key
        pos[item] = size
        _heap_up(h_item, h_key, pos, size)
        return size + 1
    old = h_key[p]
    h_key[p] = key
    if key < old:
        _heap_up(h_item, h_key, pos, p)
    else:
        _heap_down(h_item, h_key, pos, p, size)
    return size


@njit(cache=True)
def _heap_pop(h_item: np.ndarray, h_key: np.ndarray, pos: np.ndarray, size: int) -> int:
    """Remove the minimum (read it from ``h_item[0]`` first); return the new size."""
    top = h_item[0]
    size -= 1
    if size > 0:
        _heap_swap(h_item, h_key, pos, 0, size)
        _heap_down(h_item, h_key, pos, 0, size)
    pos[top] = -1
    return size


# ---------------------------------------------------------------------------------------------
# contraction


@njit(cache=True)
def _add_or_improve(
    u: int,
    x: int,
    wt: float,
    o_head: np.ndarray,
    o_to: np.ndarray,
    o_w: np.ndarray,
    o_next: np.ndarray,
    i_head: np.ndarray,
    i_from: np.ndarray,
    i_w: np.ndarray,
    i_next: np.ndarray,
    ne: int,
) -> int:
    """Add edge u->x or lower its weight; return the new edge count (-1 when full)."""
    e = o_head[u]
    while e >= 0:
        if o_to[e] == x:
            if wt < o_w[e]:
                o_w[e] = wt
                f = i_head[x]
                while f >= 0:
                    if i_from[f] == u:
                        i_w[f] = wt
                        break
                    f = i_next[f]
            return ne
        e = o_next[e]
    if ne >= o_to.shape[0]:
        return -1
    o_to[ne] = x
    o_w[ne] = wt
    o_next[ne] = o_head[u]
    o_head[u] = ne
    i_from[ne] = u
    i_w[ne] = wt
    i_next[ne] = i_head[x]
    i_head[x] = ne
    return ne + 1


@njit(cache=True)
def _contract(
    v: int,
    do_add: bool,
    contracted: np.ndarray,
    o_head: np.ndarray,
    o_to: np.ndarray,
    o_w: np.ndarray,
    o_next: np.ndarray,
    i_head: np.ndarray,
    i_from: np.ndarray,
    i_w: np.ndarray,
    i_next: np.ndarray,
    ne_in: int,
    dist: np.ndarray,
    h_item: np.ndarray,
    h_key: np.ndarray,
    pos: np.ndarray,
    touched: np.ndarray,
    max_settle: int,
) -> tuple[int, int, int]:
    """Simulate (or do) the contraction of ``v``.

    Returns (shortcuts needed, live degree in+out, new edge count or -1 when out of space).
    """
    ne = ne_in
    deg = 0
    max_out = 0.0
    e = o_head[v]
    while e >= 0:
        if not contracted[o_to[e]]:
            deg += 1
            if o_w[e] > max_out:
                max_out = o_w[e]
        e = o_next[e]
    shortcuts = 0
    f = i_head[v]
    while f >= 0:
        u = i_from[f]
        if contracted[u]:
            f = i_next[f]
            continue
        deg += 1
        w_uv = i_w[f]
        limit = w_uv + max_out
        # witness search from u avoiding v
        n_touched = 0
        size = 0
        dist[u] = 0.0
        touched[n_touched] = u
        n_touched += 1
        size = _heap_set(h_item, h_key, pos, size, u, 0.0)
        settled = 0
        while size > 0:
            y = h_item[0]
            dy = h_key[0]
            size = _heap_pop(h_item, h_key, pos, size)
            if dy > limit:
                break
            settled += 1
            if settled > max_settle:
                break
            g = o_head[y]
            while g >= 0:
                z = o_to[g]
                if z != v and not contracted[z]:
                    nd = dy + o_w[g]
                    if nd < dist[z] and nd <= limit:
                        if dist[z] == _INF:
                            touched[n_touched] = z
                            n_touched += 1
                        dist[z] = nd
                        size = _heap_set(h_item, h_key, pos, size, z, nd)
                g = o_next[g]
        while size > 0:
            size = _heap_pop(h_item, h_key, pos, size)
        # which out-neighbours of v need a shortcut from u
        e = o_head[v]
        while e >= 0:
            x = o_to[e]
            if x != u and not contracted[x]:
                via = w_uv + o_w[e]
                if dist[x] > via:
                    shortcuts += 1
                    if do_add:
                        ne = _add_or_improve(
                            u, x, via, o_head, o_to, o_w, o_next, i_head, i_from, i_w, i_next, ne
                        )
                        if ne < 0:
                            for t in range(n_touched):
                                dist[touched[t]] = _INF
                            return shortcuts, deg, -1
            e = o_next[e]
        for t in range(n_touched):
            dist[touched[t]] = _INF
        f = i_next[f]
    return shortcuts, deg, ne


@njit(cache=True)
def _prune(node: int, head: np.ndarray, other: np.ndarray, nxt: np.ndarray,
           contracted: np.ndarray) -> None:
    """Unlink the edges of ``node``'s list that lead to contracted nodes."""
    prev = -1
    e = head[node]
    while e >= 0:
        following = nxt[e]
        if contracted[other[e]]:
            if prev < 0:
                head[node] = following
            else:
                nxt[prev] = following
        else:
            prev = e
        e = following


@njit(cache=True)
def _touch_neighbour(
    x: int,
    v_level: int,
    update: bool,
    deleted: np.ndarray,
    level: np.ndarray,
    last_sc: np.ndarray,
    last_deg: np.ndarray,
    q_item: np.ndarray,
    q_key: np.ndarray,
    q_pos: np.ndarray,
    qsize: int,
    contracted: np.ndarray,
    o_head: np.ndarray,
    o_to: np.ndarray,
    o_w: np.ndarray,
    o_next: np.ndarray,
    i_head: np.ndarray,
    i_from: np.ndarray,
    i_w: np.ndarray,
    i_next: np.ndarray,
    ne: int,
    dist: np.ndarray,
    w_item: np.ndarray,
    w_key: np.ndarray,
    w_pos: np.ndarray,
    touched: np.ndarray,
    max_settle: int,
) -> int:
    """A neighbour of the node just contracted: one more deleted neighbour, level at least one
    above it, priority refreshed (re-simulating its contraction when ``update``)."""
    deleted[x] += 1
    if v_level + 1 > level[x]:
        level[x] = v_level + 1
    if update:
        sc, deg, _ = _contract(
            x, False, contracted, o_head, o_to, o_w, o_next, i_head, i_from, i_w, i_next, ne,
            dist, w_item, w_key, w_pos, touched, max_settle,
        )
        last_sc[x] = sc
        last_deg[x] = deg
    return _heap_set(q_item, q_key, q_pos, qsize, x,
                     _priority(last_sc[x], last_deg[x], deleted[x], level[x]))


@njit(cache=True)
def _priority(shortcuts: int, deg: int, deleted: int, level: int) -> float:
    return 2.0 * (shortcuts - deg) + 1.0 * deleted + 1.0 * level


@njit(cache=True)
def _ch_build_kernel(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    wts: np.ndarray,
    cap: int,
    max_settle: int,
    update_neighbours: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Contract all nodes; return (rank, up_src, up_dst, up_w, up_is_forward, edge count).

    The edge count is -1 when ``cap`` edges did not suffice (the caller retries larger).
    """
    empty_i = np.zeros(0, np.int64)
    empty_f = np.zeros(0, np.float64)
    empty_b = np.zeros(0, np.bool_)
    o_head = np.full(n, -1, np.int64)
    i_head = np.full(n, -1, np.int64)
    o_to = np.empty(cap, np.int64)
    o_w = np.empty(cap, np.float64)
    o_next = np.empty(cap, np.int64)
    i_from = np.empty(cap, np.int64)
    i_w = np.empty(cap, np.float64)
    i_next = np.empty(cap, np.int64)
    ne = 0
    for k in range(src.shape[0]):
        if src[k] != dst[k]:
            ne = _add_or_improve(
                src[k], dst[k], wts[k], o_head, o_to, o_w, o_next, i_head, i_from, i_w, i_next, ne
            )
            if ne < 0:
                return (empty_i, empty_i, empty_i, empty_f, empty_b, -1)
    contracted = np.zeros(n, np.bool_)
    dist = np.full(n, _INF)
    w_item = np.empty(n, np.int64)
    w_key = np.empty(n, np.float64)
    w_pos = np.full(n, -1, np.int64)
    touched = np.empty(n, np.int64)
    deleted = np.zeros(n, np.int64)
    level = np.zeros(n, np.int64)
    # priority queue over nodes
    q_item = np.empty(n, np.int64)
    q_key = np.empty(n, np.float64)
    q_pos = np.full(n, -1, np.int64)
    qsize = 0
    last_sc = np.zeros(n, np.int64)
    last_deg = np.zeros(n, np.int64)
    for v in range(n):
        sc, deg, _ = _contract(
            v, False, contracted, o_head, o_to, o_w, o_next, i_head, i_from, i_w, i_next, ne,
            dist, w_item, w_key, w_pos, touched, max_settle,
        )
        last_sc[v] = sc
        last_deg[v] = deg
        qsize = _heap_set(q_item, q_key, q_pos, qsize, v, _priority(sc, deg, 0, 0))
    rank = np.empty(n, np.int64)
    up_src = np.empty(cap, np.int64)
    up_dst = np.empty(cap, np.int64)
    up_w = np.empty(cap, np.float64)
    up_fwd = np.empty(cap, np.bool_)
    n_up = 0
    order = 0
    while qsize > 0:
        v = q_item[0]
        qsize = _heap_pop(q_item, q_key, q_pos, qsize)
        # lazy update: re-evaluate and put back when no longer the minimum
        sc, deg, _ = _contract(
            v, False, contracted, o_head, o_to, o_w, o_next, i_head, i_from, i_w, i_next, ne,
            dist, w_item, w_key, w_pos, touched, max_settle,
        )
        last_sc[v] = sc
        last_deg[v] = deg
        prio = _priority(sc, deg, deleted[v], level[v])
        if qsize > 0 and prio > q_key[0]:
            qsize = _heap_set(q_item, q_key, q_pos, qsize, v, prio)
            continue
        sc, deg, ne = _contract(
            v, True, contracted, o_head, o_to, o_w, o_next, i_head, i_from, i_w, i_next, ne,
            dist, w_item, w_key, w_pos, touched, max_settle,
        )
        if ne < 0:
            return (empty_i, empty_i, empty_i, empty_f, empty_b, -1)
        # record the upward edges of v (to and from nodes still uncontracted)
        e = o_head[v]
        while e >= 0:
            x = o_to[e]
            if not contracted[x]:
                up_src[n_up] = v
                up_dst[n_up] = x
                up_w[n_up] = o_w[e]
                up_fwd[n_up] = True
                n_up += 1
            e = o_next[e]
        f = i_head[v]
        while f >= 0:
            u = i_from[f]
            if not contracted[u]:
                up_src[n_up] = v
                up_dst[n_up] = u
                up_w[n_up] = i_w[f]
                up_fwd[n_up] = False
                n_up += 1
            f = i_next[f]
        contracted[v] = True
        rank[v] = order
        order += 1
        # drop edges to v from the lists of its neighbours, so lists stay short
        e = o_head[v]
        while e >= 0:
            _prune(o_to[e], i_head, i_from, i_next, contracted)
            e = o_next[e]
        f = i_head[v]
        while f >= 0:
            _prune(i_from[f], o_head, o_to, o_next, contracted)
            f = i_next[f]
        # neighbours: count deleted neighbours, raise their level, refresh their priority
        # (out-neighbours first, then in-neighbours; one reached both ways counts twice)
        for side in range(2):
            k = o_head[v] if side == 0 else i_head[v]
            while k >= 0:
                x = o_to[k] if side == 0 else i_from[k]
                if not contracted[x]:
                    qsize = _touch_neighbour(
                        x, level[v], update_neighbours, deleted, level, last_sc, last_deg,
                        q_item, q_key, q_pos, qsize, contracted, o_head, o_to, o_w, o_next,
                        i_head, i_from, i_w, i_next, ne, dist, w_item, w_key, w_pos, touched,
                        max_settle,
                    )
                k = o_next[k] if side == 0 else i_next[k]
    return (
        rank,
        up_src[:n_up].copy(),
        up_dst[:n_up].copy(),
        up_w[:n_up].copy(),
        up_fwd[:n_up].copy(),
        ne,
    )


def _to_csr(n: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst[order].astype(np.int32), w[order].astype(np.float64)


@dataclass(frozen=True)
class ContractionHierarchy:
    """Upward graphs of a contraction hierarchy in CSR form.

    ``fwd_*``: edges v -> x with rank[x] > rank[v] (forward search from sources).
    ``bwd_*``: for each v, edges x -> v with rank[x] > rank[v], stored at v (backward search).
    """

    rank: np.ndarray
    fwd_indptr: np.ndarray
    fwd_indices: np.ndarray
    fwd_weight_s: np.ndarray
    bwd_indptr: np.ndarray
    bwd_indices: np.ndarray
    bwd_weight_s: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.rank.shape[0])

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Arrays for storage under ``prefix``."""
        return {
            f"{prefix}rank": self.rank,
            f"{prefix}fwd_indptr": self.fwd_indptr,
            f"{prefix}fwd_indices": self.fwd_indices,
            f"{prefix}fwd_weight_s": self.fwd_weight_s,
            f"{prefix}bwd_indptr": self.bwd_indptr,
            f"{prefix}bwd_indices": self.bwd_indices,
            f"{prefix}bwd_weight_s": self.bwd_weight_s,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> ContractionHierarchy:
        """Rebuild from :meth:`arrays` output."""
        return cls(**{k: arrays[f"{prefix}{k}"] for k in cls.__dataclass_fields__})


def build_contraction_hierarchy(
    indptr: np.ndarray,
    indices: np.ndarray,
    weight_s: np.ndarray,
    *,
    max_settle: int = 400,
    update_neighbours: bool = False,
) -> ContractionHierarchy:
    """Contract every node of a CSR graph and return the upward graphs.

    Parameters
    ----------
    indptr, indices, weight_s
        The directed graph in CSR form; parallel edges are allowed (the lightest is kept).
    max_settle
        Node limit of a witness search; a smaller limit adds more (always correct) shortcuts.
    update_neighbours
        Re-simulate the neighbours of each contracted node (slower build, better order);
        otherwise their priorities are refreshed lazily.
    """
    n = int(indptr.shape[0] - 1)
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    dst = indices.astype(np.int64)
    wts = weight_s.astype(np.float64)
    cap = max(16, 4 * int(src.shape[0]))
    while True:
        rank, up_src, up_dst, up_w, fwd, ne = _ch_build_kernel(
            n, src, dst, wts, cap, max_settle, update_neighbours
        )
        if ne >= 0:
            break
        cap *= 2
    f_ptr, f_idx, f_w = _to_csr(n, up_src[fwd], up_dst[fwd], up_w[fwd])
    b_ptr, b_idx, b_w = _to_csr(n, up_src[~fwd], up_dst[~fwd], up_w[~fwd])
    return ContractionHierarchy(
        rank=rank.astype(np.int32),
        fwd_indptr=f_ptr,
        fwd_indices=f_idx,
        fwd_weight_s=f_w,
        bwd_indptr=b_ptr,
        bwd_indices=b_idx,
        bwd_weight_s=b_w,
    )


# ---------------------------------------------------------------------------------------------
# queries


@njit(cache=True)
def _upward_search(
    s: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    wts: np.ndarray,
    s_indptr: np.ndarray,
    s_indices: np.ndarray,
    s_wts: np.ndarray,
    dist: np.ndarray,
    h_item: np.ndarray,
    h_key: np.ndarray,
    pos: np.ndarray,
    out_node: np.ndarray,
    out_dist: np.ndarray,
) -> int:
    """Upward Dijkstra from ``s`` with stall-on-demand; write settled nodes; return count.

    ``s_*`` is the opposite upward graph, used to detect nodes reached suboptimally (stalled).
    Writes at most ``out_node.shape[0]`` entries but returns the full count.
    """
    cap = out_node.shape[0]
    count = 0
    n_touch = 0
    size = 0
    dist[s] = 0.0
    size = _heap_set(h_item, h_key, pos, size, s, 0.0)
    touched = np.empty(64, np.int64)
    touched[0] = s
    n_touch = 1
    while size > 0:
        x = h_item[0]
        dx = h_key[0]
        size = _heap_pop(h_item, h_key, pos, size)
        stalled = False
        for k in range(s_indptr[x], s_indptr[x + 1]):
            y = s_indices[k]
            if dist[y] + s_wts[k] < dx:
                stalled = True
                break
        if stalled:
            continue
        if count < cap:
            out_node[count] = x
            out_dist[count] = dx
        count += 1
        for k in range(indptr[x], indptr[x + 1]):
            y = indices[k]
            nd = dx + wts[k]
            if nd < dist[y]:
                if dist[y] == _INF:
                    if n_touch >= touched.shape[0]:
                        grown = np.empty(touched.shape[0] * 2, np.int64)
                        grown[:n_touch] = touched[:n_touch]
                        touched = grown
                    touched[n_touch] = y
                    n_touch += 1
                dist[y] = nd
                size = _heap_set(h_item, h_key, pos, size, y, nd)
    for t in range(n_touch):
        dist[touched[t]] = _INF
    return count


@njit(cache=True, parallel=True)
def _search_spaces(
    starts: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    wts: np.ndarray,
    s_indptr: np.ndarray,
    s_indices: np.ndarray,
    s_wts: np.ndarray,
    cap: int,
    n_threads: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = indptr.shape[0] - 1
    k = starts.shape[0]
    nodes = np.empty((k, cap), np.int32)
    dists = np.empty((k, cap), np.float64)
    counts = np.empty(k, np.int64)
    chunk = (k + n_threads - 1) // n_threads
    for t in prange(n_threads):
        lo = t * chunk
        hi = min(k, lo + chunk)
        if lo >= hi:
            continue
        dist = np.full(n, _INF)
        h_item = np.empty(n, np.int64)
        h_key = np.empty(n, np.float64)
        pos = np.full(n, -1, np.int64)
        out_node = np.empty(cap, np.int64)
        out_dist = np.empty(cap, np.float64)
        for i in range(lo, hi):
            c = _upward_search(
                starts[i], indptr, indices, wts, s_indptr, s_indices, s_wts,
                dist, h_item, h_key, pos, out_node, out_dist,
            )
            counts[i] = c
            m = min(c, cap)
            for j in range(m):
                nodes[i, j] = out_node[j]
                dists[i, j] = out_dist[j]
    return nodes, dists, counts


@njit(cache=True, parallel=True)
def _bucket_join(
    n: int,
    f_ptr: np.ndarray,
    f_node: np.ndarray,
    f_dist: np.ndarray,
    b_ptr: np.ndarray,
    b_node: np.ndarray,
    b_dist: np.ndarray,
) -> np.ndarray:
    """Join forward spaces (rows) with backward spaces (columns) through node buckets."""
    n_rows = f_ptr.shape[0] - 1
    n_cols = b_ptr.shape[0] - 1
    total = b_node.shape[0]
    col_of = np.empty(total, np.int64)
    for j in range(n_cols):
        for k in range(b_ptr[j], b_ptr[j + 1]):
            col_of[k] = j
    counts = np.zeros(n + 1, np.int64)
    for k in range(total):
        counts[b_node[k] + 1] += 1
    for v in range(n):
        counts[v + 1] += counts[v]
    fill = counts[:-1].copy()
    bucket_col = np.empty(total, np.int64)
    bucket_dist = np.empty(total, np.float64)
    for k in range(total):
        v = b_node[k]
        p = fill[v]
        bucket_col[p] = col_of[k]
        bucket_dist[p] = b_dist[k]
        fill[v] = p + 1
    out = np.full((n_rows, n_cols), _INF)
    for i in prange(n_rows):
        row = out[i]
        for k in range(f_ptr[i], f_ptr[i + 1]):
            v = f_node[k]
            d = f_dist[k]
            for p in range(counts[v], counts[v + 1]):
                c = d + bucket_dist[p]
                j = bucket_col[p]
                if c < row[j]:
                    row[j] = c
    return out


class _SpaceCache:
    """LRU of upward search spaces keyed by node id."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._d: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, node: int) -> tuple[np.ndarray, np.ndarray] | None:
        item = self._d.get(node)
        if item is not None:
            self._d.move_to_end(node)
            self.hits += 1
        else:
            self.misses += 1
        return item

    def put(self, node: int, item: tuple[np.ndarray, np.ndarray]) -> None:
        self._d[node] = item
        self._d.move_to_end(node)
        while len(self._d) > self.max_entries:
            self._d.popitem(last=False)

    def clear(self) -> None:
        self._d.clear()

    def __len__(self) -> int:
        return len(self._d)


class ManyToMany:
    """Exact many-to-many travel times over a contraction hierarchy, with an LRU of spaces."""

    def __init__(
        self,
        ch: ContractionHierarchy,
        *,
        lru_nodes: int = 20_000,
        parallel_min_cells: int = 4_000_000,
    ) -> None:
        self.ch = ch
        #: below this many matrix cells one thread is faster (no start-up or barrier cost,
        #: which hurts most when the cores are shared)
        self.parallel_min_cells = parallel_min_cells
        self._cap = 256
        self._fwd_cache = _SpaceCache(lru_nodes)
        self._bwd_cache = _SpaceCache(lru_nodes)

    def clear_cache(self) -> None:
        """Forget all remembered search spaces."""
        self._fwd_cache.clear()
        self._bwd_cache.clear()

    def cache_info(self) -> dict[str, int]:
        """Hits, misses and sizes of the search-space LRUs."""
        return {
            "forward_entries": len(self._fwd_cache),
            "backward_entries": len(self._bwd_cache),
            "hits": self._fwd_cache.hits + self._bwd_cache.hits,
            "misses": self._fwd_cache.misses + self._bwd_cache.misses,
        }

    def _spaces(
        self, nodes: np.ndarray, *, forward: bool, threads: int
    ) -> tuple[np.ndarray, ...]:
        ch = self.ch
        cache = self._fwd_cache if forward else self._bwd_cache
        uniq = np.unique(nodes)
        found: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        missing = []
        for v in uniq.tolist():
            item = cache.get(v)
            if item is None:
                missing.append(v)
            else:
                found[v] = item
        if missing:
            if forward:
                g = (ch.fwd_indptr, ch.fwd_indices, ch.fwd_weight_s)
                s = (ch.bwd_indptr, ch.bwd_indices, ch.bwd_weight_s)
            else:
                g = (ch.bwd_indptr, ch.bwd_indices, ch.bwd_weight_s)
                s = (ch.fwd_indptr, ch.fwd_indices, ch.fwd_weight_s)
            starts = np.asarray(missing, dtype=np.int64)
            cap = self._cap
            while True:
                sn, sd, counts = _search_spaces(starts, *g, *s, cap, threads)
                if counts.max() <= cap:
                    break
                cap = int(counts.max())
            self._cap = max(self._cap, cap)
            for i, v in enumerate(missing):
                c = int(counts[i])
                item = (sn[i, :c].copy(), sd[i, :c].copy())
                cache.put(v, item)
                found[v] = item
        parts_n = [found[v][0] for v in nodes.tolist()]
        parts_d = [found[v][1] for v in nodes.tolist()]
        ptr = np.zeros(len(parts_n) + 1, np.int64)
        np.cumsum([p.shape[0] for p in parts_n], out=ptr[1:])
        return ptr, np.concatenate(parts_n), np.concatenate(parts_d)

    def matrix(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Shortest travel times (seconds) from each source node to each target node."""
        sources = np.asarray(sources, dtype=np.int64)
        targets = np.asarray(targets, dtype=np.int64)
        if sources.size == 0 or targets.size == 0:
            return np.zeros((sources.size, targets.size))
        previous = numba.get_num_threads()
        threads = previous if sources.size * targets.size >= self.parallel_min_cells else 1
        numba.set_num_threads(threads)
        try:
            f_ptr, f_node, f_dist = self._spaces(sources, forward=True, threads=threads)
            b_ptr, b_node, b_dist = self._spaces(targets, forward=False, threads=threads)
            return _bucket_join(self.ch.n_nodes, f_ptr, f_node, f_dist, b_ptr, b_node, b_dist)
        finally:
            numba.set_num_threads(previous)


def dijkstra_matrix(
    indptr: np.ndarray,
    indices: np.ndarray,
    weight_s: np.ndarray,
    sources: np.ndarray,
    targets: np.ndarray,
) -> np.ndarray:
    """Reference many-to-many by ``scipy.sparse.csgraph.dijkstra`` (one row per source)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n = indptr.shape[0] - 1
    g = csr_matrix((weight_s, indices, indptr), shape=(n, n))
    uniq, inv = np.unique(np.asarray(sources), return_inverse=True)
    rows = dijkstra(g, directed=True, indices=uniq)
    return np.asarray(rows[inv][:, np.asarray(targets)])


def default_threads() -> int:
    """Threads numba may use (``NUMBA_NUM_THREADS`` or the CPU count)."""
    return int(os.environ.get("NUMBA_NUM_THREADS", os.cpu_count() or 1))
