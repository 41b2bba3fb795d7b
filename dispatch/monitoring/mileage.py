"""Per volunteer: tours, rides, hours and kilometres of a range, for mileage reimbursement.

This is the quarter office's own list of what it pays back to each volunteer (the volunteer's
own figures, no resident in it), not a statistic: the small-count rule does not apply, and
only the volunteer's own quarter office (and admins) may fetch it.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from dispatch.monitoring.figures import Outcome
from dispatch.monitoring.figures import outcome
from dispatch.monitoring.rows import MonitoringRows


@dataclass(frozen=True)
class Mileage:
    """One volunteer's tours of a range."""

    volunteer_id: int
    name: str
    tours: int
    rides: int  # served requests
    hours: float  # home to home
    km_driven: float  # with the way from home and back
    km_walked: float


def mileage(rows: MonitoringRows, names: dict[int, str], *, start: date, end: date,
            now: datetime) -> list[Mileage]:
    """Every volunteer with a tour in ``[start, end)``, by name."""
    tours = [t for t in rows.tours if start <= t.day < end and t.stops]
    rides = Counter(r.volunteer_id for r in rows.requests
                    if start <= r.requested_time.date() < end and r.volunteer_id is not None
                    and outcome(r, now) == Outcome.SERVED)
    out = []
    for vid in sorted({t.volunteer_id for t in tours}):
        mine = [t for t in tours if t.volunteer_id == vid]
        hours = sum((t.back_home - t.leaves_home).total_seconds() / 3600 for t in mine
                    if t.back_home is not None and t.leaves_home is not None)
        out.append(Mileage(
            volunteer_id=vid, name=names.get(vid, ""), tours=len(mine), rides=rides.get(vid, 0),
            hours=round(hours, 2),
            km_driven=round(sum(sum(t.leg_m) for t in mine if t.mode == "drive") / 1000, 2),
            km_walked=round(sum(sum(t.leg_m) for t in mine if t.mode != "drive") / 1000, 2)))
    return sorted(out, key=lambda m: (m.name, m.volunteer_id))


def mileage_csv(items: list[Mileage]) -> str:
    """The list as CSV (semicolon, decimal comma)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(("volunteer_id", "name", "tours", "rides", "hours", "km_driven",
                     "km_walked"))
    for m in items:
        writer.writerow((m.volunteer_id, m.name, m.tours, m.rides,
                         *(f"{x:.2f}".replace(".", ",") for x in (m.hours, m.km_driven,
                                                                  m.km_walked))))
    return buf.getvalue()
