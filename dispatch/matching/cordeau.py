"""Read Cordeau (2006) dial-a-ride instances into a Problem (Euclidean times, cost = distance)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dispatch.matching.problem import Problem
from dispatch.matching.problem import Request
from dispatch.matching.problem import Vehicle
from dispatch.matching.problem import Weights


@dataclass(frozen=True)
class Instance:
    """A Cordeau instance: its name, ``n`` requests and the problem built from it."""

    name: str
    n: int
    problem: Problem
    end_node: int  # number of the end depot in the instance's numbering (2n + 1)


def read(path: str | Path) -> Instance:
    """Parse ``K 2n T Q L`` and the node lines ``id x y service load earliest latest``."""
    path = Path(path)
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    k, n2, max_route, cap, max_ride = lines[0][:5]
    n = int(n2) // 2
    rows = [[float(x) for x in ln[:7]] for ln in lines[1:]]
    if len(rows) < 2 * n + 1:
        msg = f"{path}: expected at least {2 * n + 1} nodes, found {len(rows)}."
        raise ValueError(msg)
    rows = rows[: 2 * n + 2]
    xy = np.array([[r[1], r[2]] for r in rows])
    mat = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    end = 2 * n + 1 if len(rows) > 2 * n + 1 else 0
    depot = rows[0]
    requests = []
    for i in range(1, n + 1):
        p, d = rows[i], rows[n + i]
        requests.append(
            Request(
                id=str(i),
                pickup=i,
                dropoff=n + i,
                pickup_window=(p[5], p[6]),
                dropoff_window=(d[5], d[6]),
                pickup_service=p[3],
                dropoff_service=d[3],
                load={"seats": int(p[4])},
                max_ride=float(max_ride),
            )
        )
    vehicles = [
        Vehicle(
            id=f"v{v}",
            start=0,
            end=end,
            shift=(depot[5], depot[6] if end == 0 else rows[end][6]),
            capacity={"seats": int(cap)},
        )
        for v in range(int(k))
    ]
    problem = Problem(
        matrices={"drive": mat},
        requests=tuple(requests),
        vehicles=tuple(vehicles),
        max_route=float(max_route),
        weights=Weights(fairness=0.0),
    )
    return Instance(path.stem, n, problem, 2 * n + 1)
