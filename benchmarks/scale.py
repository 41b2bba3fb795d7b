"""Scale curve: service days of 50, 200, 800 and 2,000 requests with proportional volunteers.

The first three sizes lie in Eving (homes from its house numbers, destinations from its
doctors, pharmacies, supermarkets, churches, ...), the last on the whole city of Dortmund
(``../shared/osm/dortmund_city_omt2020_derived.osm.bz2``, about 600,000 residents; homes and
destinations from its 228,000 house numbers). Each destination lies near its home (within
2.5 km, escorts on foot within 1 km), as older people's trips do. One volunteer per ten
requests; shifts, wheelchair places, walkers and languages as in ``benchmarks/insertion.py``.

Every request is booked in turn, in process, on real street travel times:

- **insertion-to-offer**: travel times between the request's two new points and every point
  of the day (both directions, drive and walk, contraction-hierarchy many-to-many, as the
  service computes them on a booking) plus ``matching.insert`` into the day's plans; the
  volunteer it lands with gets the offer. The database and Socket.IO are not part of it
  (``benchmarks/dispatch.py`` measures booking-to-socket on a live server).
- **insertion**: ``matching.insert`` alone.
- **re-plan**: ``matching.solve`` from the insertion plans, with ``max(2, n / 100)`` seconds;
  the cost gain is ``1 - cost(re-plan) / cost(insertion)`` (travel plus soft penalties; both
  plans checked by ``matching.check``), and the served share after insertion and re-plan.
- **memory**: the peak resident set of the process of that size (each size runs in its own).

Usage: ``nice -n 10 python benchmarks/scale.py [--sizes 50,200,800,2000] [--plot PATH]``
prints one JSON line per size (``--one N`` runs a single size in this process). The city graph
is built on first use into ``osm_cache/`` (minutes, several GB; see docs/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatch import matching  # noqa: E402
from dispatch.matching import Problem  # noqa: E402
from dispatch.matching import Request  # noqa: E402
from dispatch.matching import Result  # noqa: E402
from dispatch.matching import Vehicle  # noqa: E402
from dispatch.matching import max_ride_seconds  # noqa: E402
from dispatch.routing import StreetNetwork  # noqa: E402
from dispatch.routing import load_network  # noqa: E402
from dispatch.settings import OfficeConfig  # noqa: E402
from dispatch.settings import QuarterConfig  # noqa: E402
from dispatch.settings import load_settings  # noqa: E402

HOUR = 3600.0
SIZES = (50, 200, 800, 2000)
CITY_FILE = ROOT.parent / "shared" / "osm" / "dortmund_city_omt2020_derived.osm.bz2"
#: the whole city as one area (the city lies in about 51.41-51.60 N, 7.30-7.64 E)
CITY = QuarterConfig(
    slug="dortmund", name="Dortmund", city="Dortmund", languages=("de",),
    boundary=((7.30, 51.41), (7.64, 51.41), (7.64, 51.60), (7.30, 51.60)),
    office=OfficeConfig(name="Rathaus", address="Friedensplatz 1", lat=51.5126, lon=7.4657),
)
DESTINATION_KINDS = ("doctor", "dentist", "pharmacy", "hospital", "supermarket", "church",
                     "mosque", "place_of_worship", "community_centre", "townhall",
                     "post_office", "nursing_home", "social_facility")


def area_of(n: int) -> str:
    """Where a day of ``n`` requests is placed."""
    return "dortmund" if n > 800 else "eving"


def network(area: str) -> tuple[StreetNetwork, float]:
    """The street network of the area (built into osm_cache/ when missing) and its load time."""
    settings = load_settings()
    t0 = time.perf_counter()
    if area == "dortmund":
        cfg = replace(settings.routing, osm_file=CITY_FILE, pois_file=None)
        net = load_network(cfg, [CITY], progress=False)
    else:
        net = load_network(settings.routing, settings.quarters, progress=False)
    return net, time.perf_counter() - t0


def places(net: StreetNetwork, area: str) -> tuple[np.ndarray, np.ndarray]:
    """(homes, destinations) as (lat, lon) arrays of the area."""
    rec = net.addresses.records
    inside = rec.quarter == area
    latlon = np.column_stack([rec.lat, rec.lon])
    homes = latlon[inside & (rec.kind == "address")]
    dest = latlon[inside & np.isin(rec.kind, DESTINATION_KINDS)]
    if len(dest) < 50:  # no points of interest (the city file has none): house numbers
        dest = homes

    def reachable(pts: np.ndarray) -> np.ndarray:  # the service refuses points off its streets
        ok = np.ones(len(pts), bool)
        for m in ("drive", "walk"):
            ok &= net.mode(m).snapper.nearest(pts[:, 0], pts[:, 1])[1] <= net.mode(m).snap_max_m
        return pts[ok]

    return reachable(homes), reachable(dest)


def _km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    dlat = (b[:, 0] - a[0]) * 111.32
    dlon = (b[:, 1] - a[1]) * 111.32 * np.cos(np.radians(a[0]))
    return np.asarray(np.hypot(dlat, dlon))


def day(rng: np.random.Generator, n: int, homes: np.ndarray, dest: np.ndarray
        ) -> tuple[np.ndarray, list[dict[str, Any]], list[dict[str, Any]]]:
    """Points, volunteers and requests of a day (locations index into the points)."""
    n_vol = max(4, n // 10)
    vol_homes = homes[rng.choice(len(homes), n_vol, replace=False)]
    points: list[np.ndarray] = list(vol_homes)
    vols = []
    for v in range(n_vol):
        walker = v % 7 == 6
        roll = rng.random()
        shift = (8 * HOUR, 16 * HOUR) if roll < 0.6 else \
            (8 * HOUR, 12 * HOUR) if roll < 0.8 else (12 * HOUR, 17 * HOUR)
        vols.append({"id": f"v{v}", "start": v, "shift": shift, "walker": walker,
                     "wheelchair": 1 if v % 4 == 0 and not walker else 0,
                     "languages": ("de", "tr") if v % 5 == 0 else ("de",),
                     "gender": "f" if v % 2 else "m"})
    reqs = []
    for i in range(n):
        home = homes[rng.integers(len(homes))]
        roll = rng.random()
        kind = "escort_walk" if roll < 0.1 else "ride"
        radius = 1.0 if kind == "escort_walk" else 2.5
        near = np.flatnonzero((_km(home, dest) < radius) & (_km(home, dest) > 0.2))
        target = dest[rng.choice(near)] if len(near) else dest[rng.integers(len(dest))]
        points.extend([home, target])
        t = float(rng.uniform(8.5 * HOUR, 15.5 * HOUR))
        reqs.append({"id": f"r{i}", "pickup": n_vol + 2 * i, "dropoff": n_vol + 2 * i + 1,
                     "kind": kind, "wheelchair": 0.1 <= roll < 0.25, "t": t,
                     "arrive_by": rng.random() < 0.5,
                     "languages": ("tr",) if rng.random() < 0.1 else (),
                     "same_gender": "soft" if rng.random() < 0.2 else "no"})
    return np.asarray(points), vols, reqs


def _request(r: dict[str, Any], mats: dict[str, np.ndarray]) -> Request:
    mode = "walk" if r["kind"] == "escort_walk" else "drive"
    direct = float(mats[mode][r["pickup"], r["dropoff"]])
    win: dict[str, Any] = ({"dropoff_window": (r["t"] - 1200.0, r["t"])} if r["arrive_by"]
                           else {"pickup_window": (r["t"], r["t"] + 900.0)})
    return Request(
        r["id"], r["pickup"], r["dropoff"], kind=r["kind"],
        load={"wheelchair": 1} if r["wheelchair"] else {"seats": 1},
        pickup_service=180.0, dropoff_service=180.0,
        max_ride=max_ride_seconds(direct, 1.8, 600.0), languages=r["languages"],
        same_gender=r["same_gender"], gender="f", **win,
    )


def _vehicle(v: dict[str, Any]) -> Vehicle:
    return Vehicle(
        v["id"], v["start"], shift=v["shift"],
        capacity={"seats": 3, "wheelchair": v["wheelchair"]},
        languages=v["languages"], gender=v["gender"], drives=not v["walker"],
        escorts_on_foot=v["walker"] or int(v["id"][1:]) % 3 == 0, max_work=8 * HOUR,
    )


def _pct(xs: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(xs), q)), 2)


def run_size(n: int, seed: int = 1, booked_last: int | None = None) -> dict[str, Any]:
    """Book a day of ``n`` requests one by one, then re-plan it; the figures as a dict.

    ``booked_last``: only the last so many are booked one by one; the ones before are placed
    by one regret-insertion pass of the solver (no improvement search), which is what the day
    looks like to the late bookings, in a fraction of the time.
    """
    area = area_of(n)
    net, load_s = network(area)
    rng = np.random.default_rng(seed)
    homes, dest = places(net, area)
    pts, vols, reqs = day(rng, n, homes, dest)
    t0 = time.perf_counter()
    nodes = {m: net.nodes_for([tuple(p) for p in pts], mode=m) for m in ("drive", "walk")}
    mats = {m: net.travel_time_matrix(list(nodes[m]), mode=m) for m in ("drive", "walk")}
    matrix_s = time.perf_counter() - t0
    vehicles = tuple(_vehicle(v) for v in vols)
    n_vol = len(vols)
    warm = Problem({m: a[: n_vol + 2, : n_vol + 2] for m, a in mats.items()}, (), vehicles,
                   max_route=8 * HOUR)
    first = matching.insert(warm, None, _request(reqs[0], mats))  # warm-up: compile kernels
    matching.solve(warm.with_request(_request(reqs[0], mats)), matching.MaxIterations(20),
                   seed=0, initial=first)
    plans = Result(())
    booked: list[Request] = []
    first = 0 if booked_last is None else max(0, n - booked_last)
    if first:
        booked = [_request(r, mats) for r in reqs[:first]]
        k = n_vol + 2 * first
        early = Problem({m: a[:k, :k] for m, a in mats.items()}, tuple(booked), vehicles,
                        max_route=8 * HOUR)
        no_search = matching.SolveParams(ortools=matching.OrToolsParams(time_share=0.0))
        plans = matching.solve(early, matching.MaxIterations(0), seed=0, params=no_search)
    to_offer: list[float] = []
    insert_ms: list[float] = []
    served = first - len(plans.unservable) if first else 0
    for i, r in enumerate(reqs[first:], start=first):
        t_a = time.perf_counter()
        k = n_vol + 2 * i  # the day's points so far: volunteers' homes, earlier requests
        seen, new = list(range(k)), [r["pickup"], r["dropoff"]]
        for m in ("drive", "walk"):  # the booking's own travel times, both directions
            net.travel_time_matrix(list(nodes[m][new]), list(nodes[m][seen + new]), mode=m)
            net.travel_time_matrix(list(nodes[m][seen]), list(nodes[m][new]), mode=m)
        req = _request(r, mats)
        # as in the service: the day's problem holds only the points booked so far
        problem = Problem({m: a[: k + 2, : k + 2] for m, a in mats.items()}, tuple(booked),
                          vehicles, max_route=8 * HOUR)
        t_b = time.perf_counter()
        res = matching.insert(problem, plans, req)
        t_c = time.perf_counter()
        insert_ms.append((t_c - t_b) * 1000)
        to_offer.append((t_c - t_a) * 1000)
        booked.append(req)
        if res.reason(req.id) is None:
            served += 1
        plans = res
    problem = Problem(mats, tuple(booked), vehicles, max_route=8 * HOUR)
    matching.assert_valid(problem, plans)
    budget = max(2.0, n / 100)
    t0 = time.perf_counter()
    better = matching.solve(problem, matching.MaxRuntime(budget), seed=0, initial=plans)
    replan_s = time.perf_counter() - t0
    matching.assert_valid(problem, better)
    return {
        "requests": n, "volunteers": n_vol, "area": area, "points": len(pts),
        "booked_one_by_one": n - first,
        "drive_nodes": net.drive.graph.n_nodes, "walk_nodes": net.walk.graph.n_nodes,
        "load_s": round(load_s, 2), "matrix_s": round(matrix_s, 2),
        "insert_to_offer_p50_ms": _pct(to_offer, 50), "insert_to_offer_p95_ms": _pct(to_offer, 95),
        "insert_p50_ms": _pct(insert_ms, 50), "insert_p95_ms": _pct(insert_ms, 95),
        "served_share_insert": round(served / n, 3),
        "replan_budget_s": budget, "replan_s": round(replan_s, 2),
        "cost_insert": round(plans.cost), "cost_replan": round(better.cost),
        "served_share_replan": round(len(better.served) / n, 3),
        "cost_gain_pct": round(100 * (1 - better.cost / plans.cost), 1) if plans.cost else 0.0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Four panels over the day's size: latencies, re-plan, served share, memory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["requests"] for r in rows]
    fig, ax = plt.subplots(2, 2, figsize=(9, 6.5))
    a = ax[0][0]
    a.plot(n, [r["insert_to_offer_p95_ms"] for r in rows], "o-", label="insertion-to-offer p95")
    a.plot(n, [r["insert_p95_ms"] for r in rows], "s--", label="insertion p95")
    a.set(xscale="log", yscale="log", ylabel="ms", title="per booking")
    a.legend(fontsize=8)
    a = ax[0][1]
    a.plot(n, [r["replan_s"] for r in rows], "o-", label="re-plan time (s)")
    a.plot(n, [r["cost_gain_pct"] for r in rows], "s--", label="cost gain over insertion (%)")
    a.set(xscale="log", title="re-plan")
    a.legend(fontsize=8)
    a = ax[1][0]
    a.plot(n, [100 * r["served_share_insert"] for r in rows], "o-", label="after insertion")
    a.plot(n, [100 * r["served_share_replan"] for r in rows], "s--", label="after re-plan")
    a.set(xscale="log", ylim=(0, 100), ylabel="%", xlabel="requests per day",
          title="served share")
    a.legend(fontsize=8)
    a = ax[1][1]
    a.plot(n, [r["peak_rss_mb"] for r in rows], "o-")
    a.set(xscale="log", ylabel="MB", xlabel="requests per day", title="peak memory (RSS)")
    a.set_ylim(bottom=0)
    for a in ax.flat:
        a.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        a.set_xticks(n, [f"{x:,}" for x in n])
        a.grid(alpha=0.3)
    fig.suptitle("Scale curve (Eving up to 800 requests, the whole city at 2,000)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def table(rows: list[dict[str, Any]]) -> str:
    """The figures as the Markdown table of docs/BENCHMARKS.md."""
    head = ("| requests | volunteers | area | insertion-to-offer p50 / p95 | insertion p95 | "
            "re-plan (budget) | cost gain | served: insertion / re-plan | peak RSS |\n"
            "|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        lines.append(
            f"| {r['requests']:,} | {r['volunteers']} | {r['area']} | "
            f"{r['insert_to_offer_p50_ms']} / **{r['insert_to_offer_p95_ms']} ms** | "
            f"{r['insert_p95_ms']} ms | {r['replan_s']} s ({r['replan_budget_s']:g} s) | "
            f"{r['cost_gain_pct']} % | {100 * r['served_share_insert']:.1f} % / "
            f"{100 * r['served_share_replan']:.1f} % | {r['peak_rss_mb']:,} MB |")
    return "\n".join(lines)


def main() -> None:
    """Run each size in its own process and print its JSON line; then draw the plot."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--one", type=int, help="run one size in this process")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--booked-last", type=int, default=None,
                    help="days above 800 requests: book only the last N one by one (the rest "
                         "in one solver pass)")
    ap.add_argument("--plot", type=Path, default=ROOT / "docs" / "scale.png")
    ap.add_argument("--from-json", type=Path,
                    help="only draw the plot and print the table from saved JSON lines")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_size(args.one, args.seed, args.booked_last)), flush=True)
        return
    rows = []
    if args.from_json:
        rows = [json.loads(x) for x in args.from_json.read_text().splitlines() if x.strip()]
    else:
        for n in (int(x) for x in args.sizes.split(",")):
            extra = ["--booked-last", str(args.booked_last)] if args.booked_last and n > 800 \
                else []
            out = subprocess.run([sys.executable, __file__, "--one", str(n), "--seed",
                                  str(args.seed), *extra], capture_output=True, text=True,
                                 check=False)
            if out.returncode != 0:
                print(json.dumps({"requests": n, "error": out.stderr.strip()[-400:]}), flush=True)
                continue
            line = out.stdout.strip().splitlines()[-1]
            print(line, flush=True)
            rows.append(json.loads(line))
    rows = sorted((r for r in rows if "error" not in r), key=lambda r: r["requests"])
    if rows:
        plot(rows, args.plot)
        if args.from_json:
            print(table(rows))


if __name__ == "__main__":
    main()
