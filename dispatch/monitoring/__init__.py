"""Monitoring of a quarter's service: figures from plain rows, the small-count rule, CSV.

Pure Python (no Flask, no database): :mod:`dispatch.services.monitoring` reads the rows, the
router fills in travel times and kilometres, and this package computes and protects them::

    report = compute(rows, period=Period.MONTH, start=..., end=..., now=...)
    public = suppress(report)            # no group of fewer than five people is shown
    text = to_csv(public)

See ``docs/MONITORING.md`` for the definition and unit of every figure.
"""

from __future__ import annotations

from dispatch.monitoring.export import to_csv
from dispatch.monitoring.export import to_dict
from dispatch.monitoring.figures import Figures
from dispatch.monitoring.figures import Report
from dispatch.monitoring.figures import compute
from dispatch.monitoring.periods import Period
from dispatch.monitoring.reasons import UnmetReason
from dispatch.monitoring.rows import MonitoringRows
from dispatch.monitoring.rows import RequestRow
from dispatch.monitoring.rows import ShiftRow
from dispatch.monitoring.rows import TourRow
from dispatch.monitoring.rows import TourStop
from dispatch.monitoring.suppress import MIN_GROUP
from dispatch.monitoring.suppress import Hidden
from dispatch.monitoring.suppress import suppress

__all__ = [
    "MIN_GROUP",
    "Figures",
    "Hidden",
    "MonitoringRows",
    "Period",
    "Report",
    "RequestRow",
    "ShiftRow",
    "TourRow",
    "TourStop",
    "UnmetReason",
    "compute",
    "suppress",
    "to_csv",
    "to_dict",
]
