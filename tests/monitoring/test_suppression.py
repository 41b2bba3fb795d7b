"""The small-count rule: no group of fewer than five people is shown, and a hidden number
cannot be worked out by subtracting shown numbers from a shown total."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from datetime import datetime
from datetime import timedelta

from dispatch.matching import reasons as codes
from dispatch.monitoring import Hidden
from dispatch.monitoring import MonitoringRows
from dispatch.monitoring import Period
from dispatch.monitoring import Report
from dispatch.monitoring import RequestRow
from dispatch.monitoring import ShiftRow
from dispatch.monitoring import compute
from dispatch.monitoring import suppress
from dispatch.monitoring import to_csv
from dispatch.monitoring import to_dict
from dispatch.monitoring.suppress import Cell
from dispatch.monitoring.suppress import Group
from dispatch.monitoring.suppress import hidden_cells

NOW = datetime(2026, 12, 1, 8, 0)
NOV = (date(2026, 11, 1), date(2026, 12, 1))
REASONS = [codes.NO_VOLUNTEER_ON_SHIFT, codes.NO_WHEELCHAIR_VEHICLE, codes.NO_LANGUAGE,
           codes.DETOUR_LIMIT, codes.EXCLUDED, codes.NO_SEATS]
STATES = ["completed", "completed", "completed", "accepted", "unservable", "cancelled",
          "no_show"]


def row(i: int, day: date, state: str, **kw: object) -> RequestRow:
    t = datetime(day.year, day.month, day.day, 9)
    values: dict[str, object] = {"id": i, "resident_id": i, "kind": "ride", "state": state,
                                 "time_mode": "pickup_after", "requested_time": t,
                                 "window_end": t + timedelta(minutes=15)}
    values.update(kw)
    return RequestRow(**values)  # type: ignore[arg-type]


def report(rows: list[RequestRow], period: Period = Period.WEEK, **kw: object) -> Report:
    return compute(MonitoringRows(requests=tuple(rows), **kw),  # type: ignore[arg-type]
                   period=period, start=NOV[0], end=NOV[1], now=NOW)


def many(n: int, state: str, day: date = date(2026, 11, 10), start: int = 0, **kw: object
         ) -> list[RequestRow]:
    return [row(start + i, day, state, **kw) for i in range(n)]


def test_counts_from_one_to_four_show_as_less_than_five_and_shares_with_them() -> None:
    rows = many(12, "completed") + many(3, "unservable", start=100,
                                        reason_code=codes.NO_LANGUAGE)
    raw = report(rows)
    public = suppress(raw).total
    assert public.requests == 15
    assert public.unmet == Hidden.SMALL
    # 15 - 12 would give the 3 away: the other non-zero outcome is hidden as well
    assert public.served == Hidden.COMPLEMENT
    assert public.unmet_reasons["language"] == Hidden.SMALL
    assert public.unmet_reasons["other"] == 0  # nobody: shown
    assert public.served_share == Hidden.SMALL  # 12 / (12 + 3) would give the 3 away
    # unmet is hidden, so one more outcome must be: requests - served - ... would give it
    hidden = [k for k in ("served", "unmet", "pending", "cancelled", "no_show")
              if isinstance(getattr(public, k), Hidden)]
    assert len(hidden) >= 2
    assert raw.total.unmet == 3  # the raw report is untouched


def test_one_small_reason_hides_a_second_one_so_the_total_does_not_give_it_away() -> None:
    rows = (many(20, "completed") + many(2, "unservable", start=100,
                                         reason_code=codes.NO_WHEELCHAIR_VEHICLE)
            + many(7, "unservable", start=200, reason_code=codes.NO_VOLUNTEER_ON_SHIFT))
    f = suppress(report(rows, Period.MONTH)).total
    assert f.unmet == 9
    assert f.unmet_reasons["no_wheelchair"] == Hidden.SMALL
    assert f.unmet_reasons["no_volunteer"] == Hidden.COMPLEMENT  # 7, hidden to protect the 2


def test_a_small_day_in_a_month_hides_a_second_day() -> None:
    rows = many(2, "completed", date(2026, 11, 3)) + many(
        6, "completed", date(2026, 11, 4), start=10) + many(9, "completed", date(2026, 11, 5),
                                                            start=20)
    public = suppress(report(rows, Period.DAY))
    by_day = {f.label: f.requests for f in public.buckets}
    assert public.total.requests == 17
    assert by_day["2026-11-03"] == Hidden.SMALL
    assert by_day["2026-11-04"] == Hidden.COMPLEMENT  # the smallest shown day
    assert by_day["2026-11-05"] == 9
    assert by_day["2026-11-06"] == 0


def test_not_shared_rides_are_protected_too() -> None:
    """served 10 and shared 7 would show that 3 rode alone."""
    rows = many(10, "completed")
    rep = report(rows, Period.MONTH)
    cells, _ = hidden_cells(rep)
    assert cells["total|unshared"].implicit
    public = suppress(rep)
    assert public.total.shared == 0  # 10 alone: nothing to protect
    from dataclasses import replace
    seven = replace(rep, total=replace(rep.total, shared=7, shared_share=0.7),
                    buckets=tuple(replace(b, shared=7 if b.served else 0) for b in rep.buckets))
    f = suppress(seven).total
    assert f.shared == Hidden.COMPLEMENT
    assert f.shared_share == Hidden.COMPLEMENT


def test_volunteer_figures_need_five_volunteers_on_duty() -> None:
    shifts = tuple(ShiftRow(v, datetime(2026, 11, 10, 8), datetime(2026, 11, 10, 12))
                   for v in range(4))
    f = suppress(report(many(6, "completed", volunteer_id=1), Period.MONTH,
                        shifts=shifts)).total
    assert f.volunteers.on_duty == Hidden.SMALL
    assert f.volunteers.km_driven == Hidden.SMALL
    assert f.volunteers.rides_gini == Hidden.SMALL
    five = (*shifts, ShiftRow(9, datetime(2026, 11, 10, 8), datetime(2026, 11, 10, 12)))
    g = suppress(report(many(6, "completed", volunteer_id=1), Period.MONTH,
                        shifts=five)).total
    assert g.volunteers.on_duty == 5
    assert g.volunteers.km_driven == 0.0
    assert g.volunteers.active == Hidden.SMALL  # one volunteer drove


def test_means_over_fewer_than_five_rides_are_hidden() -> None:
    t = datetime(2026, 11, 10, 9)
    rows = many(4, "completed", planned_pickup=t + timedelta(minutes=5))
    f = suppress(report(rows, Period.MONTH)).total
    assert f.wait_min.mean == Hidden.SMALL
    assert f.wait_min.p90 == Hidden.SMALL


def _feasible(cell: Cell, group: Group, cells: dict[str, Cell], key: str) -> set[int]:
    """Every value the cell can take given the shown cells (brute force, independent of the
    rule's own check): hidden "<5" in 1..4, other hidden or never-shown cells 0..total."""
    keys = (group.total, *group.parts)
    cap = int(max(c.value for c in (cells[k] for k in keys))) + 1

    def options(k: str) -> range:
        c = cells[k]
        if not c.unknown:
            return range(int(c.value), int(c.value) + 1)
        if c.hidden == Hidden.SMALL and c.count:
            return range(1, 5)
        return range(0, cap + 1)

    sums = {0}
    for p in group.parts:
        if p != key:
            sums = {s + x for s in sums for x in options(p) if s + x <= 2 * cap}
    if key == group.total:
        return {s for s in sums if s in options(key)}
    return {x for x in options(key) for t in options(group.total) if t - x in sums}


def _assert_nothing_pinned(rep: Report) -> None:
    cells, groups = hidden_cells(rep)
    for group in groups:
        if any(not cells[k].count for k in (group.total, *group.parts)):
            continue  # kilometres and hours: not whole numbers
        for key in (group.total, *group.parts):
            cell = cells[key]
            if cell.sensitive:
                values = _feasible(cell, group, cells, key)
                assert len(values) >= 2, (key, group, values)


def test_random_months_never_give_a_hidden_number_away() -> None:
    rng = random.Random(14)
    for _ in range(12):
        rows = []
        for i in range(rng.randint(0, 60)):
            state = rng.choice(STATES)
            day = NOV[0] + timedelta(days=rng.randrange(30))
            rows.append(row(i, day, state, reason_code=rng.choice(REASONS),
                            purpose=rng.choice(["doctor", "shopping", None]),
                            languages=(rng.choice(["de", "de", "tr", "ar"]),)))
        rep = report(rows, rng.choice([Period.WEEK, Period.MONTH, Period.DAY]))
        _assert_nothing_pinned(rep)
        public = suppress(rep)
        for f in (*public.buckets, public.total):
            for value in (f.requests, f.served, f.unmet, f.cancelled, f.no_show,
                          *f.unmet_reasons.values(), *f.purposes.values()):
                assert not (isinstance(value, int) and 0 < value < 5)


def test_csv_has_a_line_per_period_and_figure_with_the_markers() -> None:
    rows = many(12, "completed") + many(3, "unservable", start=100,
                                        reason_code=codes.NO_LANGUAGE)
    rep = suppress(report(rows, Period.MONTH))
    lines = list(csv.reader(io.StringIO(to_csv(rep)), delimiter=";"))
    assert lines[0] == ["quarter", "period", "label", "start", "end", "figure", "value"]
    table = {(line[2], line[5]): line[6] for line in lines[1:]}
    assert table[("2026-11", "requests")] == "15"
    assert table[("total", "served")] == "x"
    assert table[("total", "unmet")] == "<5"
    assert table[("total", "unmet_reasons.language")] == "<5"
    assert table[("total", "served_share")] == "<5"
    assert table[("total", "wait_min.mean")] == ""  # nothing to measure
    assert len(lines) - 1 == 2 * len({k for _, k in table})
    data = to_dict(rep)
    assert data["total"]["unmet"] == "<5"
    assert data["periods"][0]["requests"] == 15


def test_a_raw_report_cannot_be_exported() -> None:
    import pytest

    with pytest.raises(ValueError, match="suppressed"):
        to_csv(report([]))
