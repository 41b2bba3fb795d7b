"""Cordeau dial-a-ride instances: our engine vs OR-Tools (default search) vs VROOM.

Usage::

    python benchmarks/darp.py [--seconds S] [--seed N] [--solutions DIR] FILE...

Prints one JSON object per instance and solver, e.g.
``{"instance": "a2-16", "solver": "ours", "cost": 294.25, "feasible": true, "seconds": 10.0,
"gap_pct": 0.0}``, with ``gap_pct`` against ``bks.csv`` beside the instance files (``null`` for
an infeasible plan: costs are compared only among feasible plans). Every plan of every solver
is verified by ``dispatch.matching.check``; ``violations`` counts what it found and
``ride_time_violations`` the broken ride-time limits. VROOM has no ride-time limit, so its
plans are also re-timed with our exact schedule evaluation (``feasible_retimed``).

With ``--solutions DIR`` our plans are written to ``DIR/<instance>.json`` as
``{"routes": [[{"node": 0, "start": 0.0}, ..., {"node": 2n+1, "start": ...}], ...]}``.
``--table FILE`` turns saved JSON lines into the Markdown table of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispatch.matching import MaxRuntime  # noqa: E402
from dispatch.matching import Plan  # noqa: E402
from dispatch.matching import Result  # noqa: E402
from dispatch.matching import Stop  # noqa: E402
from dispatch.matching import check  # noqa: E402
from dispatch.matching import cordeau  # noqa: E402
from dispatch.matching import ortools_model  # noqa: E402
from dispatch.matching import solve  # noqa: E402
from dispatch.matching._convert import to_result  # noqa: E402
from dispatch.matching._data import compile_problem  # noqa: E402
from dispatch.matching.problem import Problem  # noqa: E402

SOLVERS = ("ours", "ortools-default", "vroom")


def best_known(files: list[Path]) -> dict[str, float]:
    """Best-known costs from ``bks.csv`` beside the instance files."""
    out: dict[str, float] = {}
    for folder in {f.resolve().parent for f in files}:
        path = folder / "bks.csv"
        if path.is_file():
            with open(path) as fh:
                for row in csv.DictReader(fh):
                    out[row["instance"]] = float(row["best_known_cost"])
    return out


def plans_from_sequences(
    problem: Problem, routes: list[list[tuple[int, float]]], departures: list[float]
) -> Result:
    """Plans from per-vehicle (node, start of service) lists, node = 2r or 2r + 1."""
    plans = []
    served: set[int] = set()
    for v, veh in enumerate(problem.vehicles):
        mat = problem.matrices[veh.mode]
        stops = []
        loc = veh.start
        t = departures[v]
        for node, start in routes[v]:
            r = node // 2
            req = problem.requests[r]
            action = "pickup" if node % 2 == 0 else "dropoff"
            where = req.pickup if action == "pickup" else req.dropoff
            service = req.pickup_service if action == "pickup" else req.dropoff_service
            arrival = t + float(mat[loc, where])
            stops.append(Stop(req.id, action, where, arrival, start, start + service))
            t = start + service
            loc = where
            served.add(r)
        end = t + float(mat[loc, veh.end_location]) if stops else departures[v]
        travel = sum(
            float(mat[a, b])
            for a, b in zip(
                [veh.start] + [s.location for s in stops],
                [s.location for s in stops] + [veh.end_location],
                strict=True,
            )
        ) if stops else 0.0
        plans.append(Plan(veh.id, tuple(stops), departures[v], end, travel))
    from dispatch.matching import Unservable
    from dispatch.matching.reasons import Reason

    unserved = tuple(
        Unservable(req.id, Reason.of("volunteers_busy"))
        for r, req in enumerate(problem.requests)
        if r not in served
    )
    travel = sum(p.travel for p in plans)
    return Result(tuple(plans), unserved, travel, travel)


def run_ours(problem: Problem, seconds: float, seed: int) -> Result:
    """Our engine: insertion, OR-Tools guided local search, then our ALNS."""
    return solve(problem, MaxRuntime(seconds), seed=seed)


def run_ortools_default(problem: Problem, seconds: float) -> Result:
    """OR-Tools on the same model with its default search settings (time limit only)."""
    A = compile_problem(problem)
    run = ortools_model.run(problem, A, None, seconds=seconds, guided=False)
    R = len(problem.requests)
    seqs = [[(n, run.starts[n]) for n in route] for route in run.routes]
    deps = [run.starts.get(2 * R + 2 * v, 0.0) for v in range(len(problem.vehicles))]
    return plans_from_sequences(problem, seqs, deps)


def run_vroom(problem: Problem, scale: int = 100) -> tuple[Result, Result | None]:
    """VROOM (pyvroom) with its own times, and the same sequences re-timed by our schedule."""
    import vroom

    mat = problem.matrices["drive"]
    durations = np.ceil(mat * scale - 1e-9).astype(np.int64)
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=durations)
    for v, veh in enumerate(problem.vehicles):
        inp.add_vehicle(
            vroom.Vehicle(
                v + 1, start=veh.start, end=veh.end_location,
                capacity=vroom.Amount([veh.capacity.get("seats", 0)]),
                time_window=vroom.TimeWindow(
                    int(math.ceil(veh.shift[0] * scale)), int(math.floor(veh.shift[1] * scale))
                ),
            )
        )
    for r, req in enumerate(problem.requests):
        pw = problem.pickup_window(req)
        dw = problem.dropoff_window(req)
        inp.add_shipment(
            vroom.ShipmentStep(
                2 * r + 1, location=req.pickup,
                default_service=int(math.ceil(req.pickup_service * scale)),
                time_windows=[vroom.TimeWindow(int(math.ceil(pw[0] * scale)),
                                               int(math.floor(pw[1] * scale)))],
            ),
            vroom.ShipmentStep(
                2 * r + 2, location=req.dropoff,
                default_service=int(math.ceil(req.dropoff_service * scale)),
                time_windows=[vroom.TimeWindow(int(math.ceil(dw[0] * scale)),
                                               int(math.floor(dw[1] * scale)))],
            ),
            amount=vroom.Amount([req.load.get("seats", 0)]),
        )
    sol = inp.solve(exploration_level=5, nb_threads=1)
    df = sol.routes
    V = len(problem.vehicles)
    seqs: list[list[tuple[int, float]]] = [[] for _ in range(V)]
    deps = [0.0] * V
    for row in df.itertuples():
        v = int(row.vehicle_id) - 1
        if row.type == "start":
            deps[v] = float(row.arrival) / scale
        elif row.type in ("pickup", "delivery"):
            node = int(row.id) - 1
            seqs[v].append((node, (float(row.arrival) + float(row.waiting_time)) / scale))
    own = plans_from_sequences(problem, seqs, deps)
    # the same sequences, re-timed by our exact schedule evaluation
    A = compile_problem(problem)
    R = len(problem.requests)
    width = 2 * R + 2
    routes = np.zeros((V, width), np.int64)
    lens = np.zeros(V, np.int64)
    for v in range(V):
        row_ = [2 * R + 2 * v, *[n for n, _ in seqs[v]], 2 * R + 2 * v + 1]
        routes[v, : len(row_)] = row_
        lens[v] = len(row_)
    from dispatch.matching import _kernels as K

    if not K.all_feasible(routes, lens, A):
        return own, None
    return own, to_result(problem, A, routes, lens)


def solution_json(inst: cordeau.Instance, result: Result) -> dict[str, Any]:
    """Routes in the instance's numbering (depot 0 first, end depot 2n + 1 last)."""
    n = inst.n
    index = {req.id: i + 1 for i, req in enumerate(inst.problem.requests)}
    routes = []
    for plan in result.plans:
        if not plan.stops:
            veh = inst.problem.vehicle(plan.vehicle_id)
            routes.append([{"node": 0, "start": veh.shift[0]},
                           {"node": 2 * n + 1, "start": veh.shift[0]}])
            continue
        row = [{"node": 0, "start": round(plan.departure, 6)}]
        for s in plan.stops:
            i = index[s.request_id]
            row.append({"node": i if s.action == "pickup" else n + i, "start": round(s.start, 6)})
        row.append({"node": 2 * n + 1, "start": round(plan.arrival, 6)})
        routes.append(row)
    return {"routes": routes}


def report(
    name: str, solver: str, problem: Problem, result: Result, seconds: float,
    bks: dict[str, float], extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One JSON line: cost, feasibility (by the checker), time and gap."""
    violations = check(problem, result, require_all=True)
    feasible = not violations
    cost = round(sum(p.travel for p in result.plans), 2)
    line: dict[str, Any] = {
        "instance": name, "solver": solver, "cost": cost, "feasible": feasible,
        "seconds": round(seconds, 2),
    }
    if name in bks:
        line["best_known"] = bks[name]
        line["gap_pct"] = round(100.0 * (cost - bks[name]) / bks[name], 2) if feasible else None
    line["served"] = len(result.served)
    line["requests"] = len(problem.requests)
    line["violations"] = len(violations)
    line["ride_time_violations"] = sum(1 for v in violations if v.code == "ride_time")
    if extra:
        line.update(extra)
    return line


def table(path: Path) -> str:
    """Markdown table (per instance: each solver's cost, feasibility, gap) from JSON lines."""
    rows: dict[str, dict[str, dict[str, Any]]] = {}
    for raw in path.read_text().splitlines():
        if not raw.startswith("{"):
            continue
        d = json.loads(raw)
        if "instance" in d and "solver" in d:
            rows.setdefault(d["instance"], {})[d["solver"]] = d
    head = "| instance | best known | " + " | ".join(
        f"{s} cost | {s} feasible | {s} gap %" for s in SOLVERS
    ) + " |"
    sep = "|" + "---|" * (2 + 3 * len(SOLVERS))
    out = [head, sep]
    gaps: dict[str, list[float]] = {s: [] for s in SOLVERS}
    feas: dict[str, int] = {s: 0 for s in SOLVERS}

    def key(name: str) -> tuple[int, int]:
        k, n = name[1:].split("-")
        return int(k), int(n)

    for name in sorted(rows, key=key):
        cells = [name]
        bk = next((d["best_known"] for d in rows[name].values() if "best_known" in d), None)
        cells.append("" if bk is None else f"{bk:.2f}")
        for s in SOLVERS:
            d = rows[name].get(s)
            if d is None:
                cells += ["", "", ""]
                continue
            why = []
            if d["ride_time_violations"]:
                why.append(f"{d['ride_time_violations']} ride-time violations")
            unserved = d.get("requests", 0) - d["served"]
            if unserved > 0:
                why.append(f"{unserved} unserved")
            other = d["violations"] - d["ride_time_violations"] - max(unserved, 0)
            if other > 0:
                why.append(f"{other} other")
            note = "" if d["feasible"] else " (" + ", ".join(why) + ")"
            cells += [f"{d['cost']:.2f}", ("yes" if d["feasible"] else "no") + note,
                      "" if d.get("gap_pct") is None else f"{d['gap_pct']:+.2f}"]
            if d["feasible"] and d.get("gap_pct") is not None:
                gaps[s].append(d["gap_pct"])
                feas[s] += 1
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    for s in SOLVERS:
        if gaps[s]:
            out.append(f"- {s}: feasible on {feas[s]}/{len(rows)} instances; mean gap over its "
                       f"feasible plans {sum(gaps[s]) / len(gaps[s]):+.2f} %")
        else:
            out.append(f"- {s}: no feasible plan")
    return "\n".join(out)


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--solutions", type=Path)
    ap.add_argument("--solvers", default=",".join(SOLVERS),
                    help="comma-separated subset of " + ", ".join(SOLVERS))
    ap.add_argument("--table", type=Path, help="print the Markdown table of saved JSON lines")
    args = ap.parse_args()
    if args.table:
        print(table(args.table))
        return
    solvers = [s for s in args.solvers.split(",") if s]
    bad = set(solvers) - set(SOLVERS)
    if bad:
        ap.error(f"unknown solvers {sorted(bad)}")
    bks = best_known(args.files)
    if args.solutions:
        args.solutions.mkdir(parents=True, exist_ok=True)
    # compile the kernels before any clock starts
    warm = cordeau.read(args.files[0]) if args.files else None
    if warm is not None and "ours" in solvers:
        solve(warm.problem, MaxRuntime(0.0), seed=0)
    lines: list[dict[str, Any]] = []
    for path in args.files:
        inst = cordeau.read(path)
        problem = inst.problem
        for solver in solvers:
            extra: dict[str, Any] = {}
            t0 = time.perf_counter()
            if solver == "ours":
                result = run_ours(problem, args.seconds, args.seed)
                secs = time.perf_counter() - t0
                if args.solutions:
                    out = args.solutions / f"{inst.name}.json"
                    out.write_text(json.dumps(solution_json(inst, result)))
            elif solver == "ortools-default":
                result = run_ortools_default(problem, args.seconds)
                secs = time.perf_counter() - t0
            else:
                result, retimed = run_vroom(problem)
                secs = time.perf_counter() - t0
                ok = retimed is not None and not check(problem, retimed, require_all=True)
                extra["feasible_retimed"] = ok
            line = report(inst.name, solver, problem, result, secs, bks, extra)
            lines.append(line)
            print(json.dumps(line), flush=True)
    print(json.dumps({"summary": summary(lines)}))


def summary(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Per solver: feasible count, and mean gap over its feasible plans and over all."""
    out: dict[str, Any] = {}
    for solver in SOLVERS:
        mine = [d for d in lines if d["solver"] == solver]
        if not mine:
            continue
        gaps = [d["gap_pct"] for d in mine if d.get("gap_pct") is not None]
        out[solver] = {
            "instances": len(mine),
            "feasible": sum(1 for d in mine if d["feasible"]),
            "mean_gap_pct_feasible": round(sum(gaps) / len(gaps), 3) if gaps else None,
        }
    return out


if __name__ == "__main__":
    main()
