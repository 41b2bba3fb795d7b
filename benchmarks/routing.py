"""Routing benchmark: cached load vs XML build, and travel-time matrices vs networkx.

Run from the project root::

    .venv/bin/python benchmarks/routing.py [--seed 0] [--nx-sources 40]

Everything is measured in one run, side by side, on the configured extract (Marten and
Eving). The network is built from XML into a temporary cache directory (so the project's
``osm_cache/`` is left alone), then loaded back from that cache. Matrices are computed for
100, 500 and 1000 random nodes of the drive graph:

- ours: ``StreetNetwork.travel_time_matrix`` (contraction hierarchy + buckets), with the
  search-space LRU cleared before each run ("cold"; the median of three runs) and once more
  without clearing ("warm", every point recurring);
- scipy: ``scipy.sparse.csgraph.dijkstra(indices=...)`` on the same CSR graph;
- networkx: ``nx.single_source_dijkstra_path_length`` per source on the same graph. For 500
  and 1000 points only ``--nx-sources`` sources are run and the time is scaled per source
  row (``nx_sources_measured`` says how many); every measured row is also checked against
  ours (``max_abs_diff_s``).

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dispatch.routing import load_network  # noqa: E402
from dispatch.routing.matrix import dijkstra_matrix  # noqa: E402
from dispatch.settings import load_settings  # noqa: E402


def _median_time(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--nx-sources", type=int, default=40,
                        help="sources run with networkx for 500 and 1000 points")
    parser.add_argument("--sizes", default="100,500,1000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    settings = load_settings(ROOT, env=os.environ)
    out: dict[str, object] = {
        "source": str(settings.routing.osm_file),
        "cpus": os.cpu_count(),
        "seed": args.seed,
    }
    with tempfile.TemporaryDirectory(prefix="routing-bench-") as tmp:
        cfg = replace(settings.routing, cache_dir=Path(tmp))
        t0 = time.perf_counter()
        net = load_network(cfg, settings.quarters, progress=True)
        out["xml_build_s"] = round(time.perf_counter() - t0, 3)
        out["xml_build_steps_s"] = net.meta.get("timings")
        assert net.status()["from_cache"] is False
        loads = []
        for _ in range(3):
            t0 = time.perf_counter()
            net = load_network(cfg, settings.quarters, progress=False)
            loads.append(time.perf_counter() - t0)
            assert net.status()["from_cache"] is True
        out["cached_load_s"] = round(float(np.median(loads)), 4)
        code = (
            "import sys, time, json; t0 = time.perf_counter(); sys.path.insert(0, sys.argv[1])\n"
            "from dataclasses import replace; from pathlib import Path; import os\n"
            "from dispatch.settings import load_settings; from dispatch.routing import "
            "load_network\n"
            "s = load_settings(Path(sys.argv[1]), env=os.environ)\n"
            "t1 = time.perf_counter()\n"
            "net = load_network(replace(s.routing, cache_dir=Path(sys.argv[2])), s.quarters)\n"
            "t2 = time.perf_counter()\n"
            "assert net.status()['from_cache']\n"
            "print(json.dumps([t2 - t1, t2 - t0]))\n"
        )
        res = subprocess.run([sys.executable, "-c", code, str(ROOT), tmp], capture_output=True,
                             text=True, check=True)
        load_fresh, with_imports = json.loads(res.stdout.strip().splitlines()[-1])
        out["cached_load_fresh_process_s"] = round(load_fresh, 4)
        out["cached_load_fresh_process_with_imports_s"] = round(with_imports, 4)
        out["xml_vs_cached_ratio"] = round(out["xml_build_s"] / out["cached_load_s"], 1)  # type: ignore[operator]
        print(f"build from XML {out['xml_build_s']} s, cached load {out['cached_load_s']} s "
              f"(fresh process {load_fresh:.3f} s, with imports {with_imports:.2f} s)",
              file=sys.stderr)

        g = net.drive.graph
        out["drive_nodes"] = g.n_nodes
        out["drive_edges"] = g.n_edges
        out["walk_nodes"] = net.walk.graph.n_nodes
        gx = g.to_networkx()
        rng = np.random.default_rng(args.seed)
        # compile the kernels once before timing
        net.travel_time_matrix([0, 1, 2])
        net.travel_time_matrix([0, 1, 2], mode="walk")
        out["nx_sources_measured"] = {}
        max_diff = 0.0
        for n in sizes:
            pts = rng.choice(g.n_nodes, size=n, replace=False)
            pts_list = [int(p) for p in pts]

            def ours(pts_list: list[int] = pts_list) -> np.ndarray:
                net.drive.m2m.clear_cache()
                return net.travel_time_matrix(pts_list)

            cold = _median_time(ours, 3)
            mat = ours()
            t0 = time.perf_counter()
            net.travel_time_matrix(pts_list)  # every point recurring
            warm = time.perf_counter() - t0
            t0 = time.perf_counter()
            ref = dijkstra_matrix(g.indptr, g.indices, g.travel_time_s, pts, pts)
            scipy_s = time.perf_counter() - t0
            max_diff = max(max_diff, float(np.abs(mat - ref).max()))
            k = n if n <= 100 else min(n, args.nx_sources)
            t0 = time.perf_counter()
            for i in range(k):
                lengths = nx.single_source_dijkstra_path_length(gx, pts_list[i],
                                                                weight="travel_time_s")
                row = np.array([lengths[p] for p in pts_list])
                max_diff = max(max_diff, float(np.abs(mat[i] - row).max()))
            nx_s = (time.perf_counter() - t0) * n / k
            out[f"matrix_{n}_s"] = round(cold, 4)
            out[f"matrix_{n}_warm_s"] = round(warm, 4)
            out[f"matrix_{n}_scipy_s"] = round(scipy_s, 3)
            out[f"matrix_{n}_nx_s"] = round(nx_s, 2)
            out[f"matrix_{n}_speedup"] = round(nx_s / cold, 1)
            out[f"matrix_{n}_speedup_vs_scipy"] = round(scipy_s / cold, 1)
            out["nx_sources_measured"][n] = k  # type: ignore[index]
            print(f"{n} x {n} drive: ours {cold:.4f} s (warm {warm:.4f} s), scipy "
                  f"{scipy_s:.3f} s, networkx {nx_s:.1f} s ({k} sources measured) -> "
                  f"{nx_s / cold:.0f}x", file=sys.stderr)
        # walking, for the record
        wg = net.walk.graph
        wpts = [int(p) for p in rng.choice(wg.n_nodes, size=500, replace=False)]

        def walk() -> np.ndarray:
            net.walk.m2m.clear_cache()
            return net.travel_time_matrix(wpts, mode="walk")

        out["walk_matrix_500_s"] = round(_median_time(walk, 3), 4)
        wref = dijkstra_matrix(wg.indptr, wg.indices, wg.travel_time_s, wpts[:50], wpts)
        max_diff = max(max_diff, float(np.abs(walk()[:50] - wref).max()))
        out["max_abs_diff_s"] = max_diff
        out["targets_met"] = bool(
            out.get("matrix_500_s", 1.0) < 0.3  # type: ignore[operator]
            and out.get("matrix_500_speedup", 0) >= 100  # type: ignore[operator]
            and out["cached_load_s"] < 1.0  # type: ignore[operator]
            and max_diff <= 0.01
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
