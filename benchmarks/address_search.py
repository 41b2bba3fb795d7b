"""Address search: the time per query and the first hit, with this session's ranking side by
side with the one before it (commit 5b9b40a) on the same index in one run.

The new ranking reads a district's adjective as the district ("Evinger Markt": near Eving)
and, when a word matches nothing, puts hits inside the quarters first. Baseline: the search
of 5b9b40a, taken from git and called on the same loaded index.

Usage: ``python benchmarks/address_search.py [--repeat N]``. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatch.routing import load_network  # noqa: E402
from dispatch.routing.addresses import AddressIndex  # noqa: E402
from dispatch.settings import load_settings  # noqa: E402

BASELINE_COMMIT = "5b9b40a"
QUERIES = ["Evinger Straße 209", "Evnger Strase 20", "Apotheke Eving", "Hausarzt Marten",
           "Evinger Markt", "Martener Apotheke", "Markt Xqzvwy", "Deutsche Str 10"]


def baseline_search() -> Callable[..., Any]:
    """``AddressIndex.search`` as it was at :data:`BASELINE_COMMIT`."""
    source = subprocess.run(["git", "show", f"{BASELINE_COMMIT}:dispatch/routing/addresses.py"],
                            cwd=ROOT, check=True, capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "addresses_baseline.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("addresses_baseline", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look themselves up there
        spec.loader.exec_module(module)
    search: Callable[..., Any] = module.AddressIndex.search
    return search


def measure(search: Callable[..., Any], index: AddressIndex, repeat: int) -> dict[str, Any]:
    """Median microseconds per query and the first hit of each query."""
    out: dict[str, Any] = {}
    for q in QUERIES:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            hits = search(index, q, limit=5)
            times.append(time.perf_counter() - t0)
        first = hits[0] if hits else None
        out[q] = {"median_us": round(statistics.median(times) * 1e6, 1),
                  "first": f"{first.label} ({first.district})" if first else None}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    settings = load_settings(ROOT, env=os.environ)
    index = load_network(settings.routing, settings.quarters, progress=False).addresses
    new = measure(AddressIndex.search, index, args.repeat)
    old = measure(baseline_search(), index, args.repeat)
    print(json.dumps({"benchmark": "address_search", "entries": len(index.records),
                      "repeat": args.repeat, "ours": new, "baseline_5b9b40a": old},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
