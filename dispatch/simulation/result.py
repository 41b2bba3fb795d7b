"""What a simulation did, counted as it went: to print, and to compare with the stored rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from datetime import date
from typing import Any


@dataclass
class SimResult:
    """Counts of one simulated day (of one quarter).

    ``by_*`` count the bookings made (outward rides; a return ride and the later weeks of a
    standing ride are extra rows, counted in ``returns`` and ``weekly``). ``offers`` counts
    the answers the simulated volunteers gave; ``expired`` the offers the expiry pass ended.
    ``final_states`` are the states of the day's requests of the quarter at the end, read from
    the database (so they include rows other people made, as in a running demo).
    """

    quarter: str
    day: date
    seed: int
    bookings_planned: int = 0
    bookings_made: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # error code -> bookings
    request_ids: list[int] = field(default_factory=list)  # outward requests booked
    by_purpose: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    by_language: Counter[str] = field(default_factory=Counter)
    by_aid: Counter[str] = field(default_factory=Counter)  # wheelchair, walker, none
    by_time_mode: Counter[str] = field(default_factory=Counter)
    returns: int = 0
    weekly: int = 0
    offers: Counter[str] = field(default_factory=Counter)  # accepted, declined, ignored, late
    expired: int = 0
    cancellations: int = 0
    no_shows: int = 0
    stop_reports: Counter[str] = field(default_factory=Counter)  # arrived, picked_up, ...
    replans: int = 0
    final_states: Counter[str] = field(default_factory=Counter)
    unservable_reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = (dict(sorted(value.items())) if isinstance(value, Counter) else
                           list(value) if isinstance(value, list) else value)
        out["day"] = self.day.isoformat()
        return out

    def lines(self) -> list[str]:
        """A short human summary."""
        return [
            f"{self.quarter} {self.day}: {self.bookings_made} of {self.bookings_planned} "
            f"bookings made ({self.returns} with a return, {self.weekly} weekly)",
            f"  purposes: {dict(sorted(self.by_purpose.items()))}",
            f"  kinds: {dict(sorted(self.by_kind.items()))}; languages: "
            f"{dict(sorted(self.by_language.items()))}; aids: {dict(sorted(self.by_aid.items()))}",
            f"  offers: {dict(sorted(self.offers.items()))}, expired {self.expired}; "
            f"cancellations {self.cancellations}, no-shows {self.no_shows}",
            f"  stop reports: {dict(sorted(self.stop_reports.items()))}; re-plans {self.replans}",
            f"  final states: {dict(sorted(self.final_states.items()))}",
            f"  unservable: {dict(sorted(self.unservable_reasons.items()))}; refused: "
            f"{dict(sorted(self.refused.items()))}",
        ]
