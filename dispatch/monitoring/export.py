"""A protected report as JSON-ready data and as CSV (one line per period and figure)."""

from __future__ import annotations

import csv
import io
from typing import Any

from dispatch.monitoring.figures import Figures
from dispatch.monitoring.figures import Report
from dispatch.monitoring.values import Hidden
from dispatch.monitoring.values import Measure

#: CSV: semicolon and decimal comma, as spreadsheets in German settings expect.
DELIMITER = ";"
HEADER = ("quarter", "period", "label", "start", "end", "figure", "value")


def _value(v: object) -> Any:
    if isinstance(v, Hidden):
        return v.value
    return v


def flat(f: Figures) -> list[tuple[str, Measure]]:
    """The figures of one period as (dotted name, value), in report order (no ``n``)."""
    out: list[tuple[str, Measure]] = [
        (k, getattr(f, k)) for k in ("requests", "residents", "served", "unmet", "pending",
                                     "cancelled", "no_show", "served_share")]
    out += [(f"unmet_reasons.{k}", v) for k, v in f.unmet_reasons.items()]
    out += [("shared", f.shared), ("shared_share", f.shared_share)]
    out += [(f"purposes.{k}", v) for k, v in f.purposes.items()]
    for lang, row in f.languages.items():
        out += [(f"languages.{lang}.asked", row.asked), (f"languages.{lang}.served", row.served),
                (f"languages.{lang}.served_share", row.served_share)]
    out += [(f"wait_min.{k}", getattr(f.wait_min, k)) for k in ("mean", "median", "p90")]
    out += [(f"ride.{k}", getattr(f.ride, k))
            for k in ("ride_min", "direct_min", "factor", "factor_p90")]
    v = f.volunteers
    out += [(f"volunteers.{k}", getattr(v, k)) for k in (
        "on_duty", "active", "tours", "hours", "km_driven", "km_walked", "rides_mean",
        "rides_min", "rides_max", "rides_gini")]
    return out


def figures_dict(f: Figures) -> dict[str, Any]:
    """One period as nested JSON: ``<5`` and ``x`` where the rule hides a cell."""
    out: dict[str, Any] = {"label": f.label, "start": f.start.isoformat(),
                           "end": f.end.isoformat()}
    for key, value in flat(f):
        node = out
        *path, last = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = _value(value)
    return out


def _require_protected(report: Report) -> None:
    if not report.suppressed:
        msg = "only a suppressed report may leave the monitoring package"
        raise ValueError(msg)


def to_dict(report: Report) -> dict[str, Any]:
    """The protected report as JSON-ready data."""
    _require_protected(report)
    return {"quarter": report.quarter, "period": report.period.value,
            "start": report.start.isoformat(), "end": report.end.isoformat(),
            "computed_at": report.computed_at.isoformat(timespec="seconds"),
            "min_group": 5, "hidden": {h.value: h.name.lower() for h in Hidden},
            "periods": [figures_dict(f) for f in report.buckets],
            "total": figures_dict(report.total)}


def _cell(value: Measure) -> str:
    if value is None:
        return ""
    if isinstance(value, Hidden):
        return value.value
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".").replace(".", ",")


def to_csv(report: Report) -> str:
    """The protected report as CSV: one line per period (and the total) and figure."""
    _require_protected(report)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(HEADER)
    for f in (*report.buckets, report.total):
        for key, value in flat(f):
            writer.writerow((report.quarter, report.period.value, f.label, f.start.isoformat(),
                             (f.end).isoformat(), key, _cell(value)))
    return buf.getvalue()
