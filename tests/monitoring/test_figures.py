"""The monitored figures, computed from plain rows (no database): each one asserted by hand."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from dispatch.matching import reasons as codes
from dispatch.monitoring import MonitoringRows
from dispatch.monitoring import Period
from dispatch.monitoring import RequestRow
from dispatch.monitoring import ShiftRow
from dispatch.monitoring import TourRow
from dispatch.monitoring import TourStop
from dispatch.monitoring import compute
from dispatch.monitoring.figures import _stat
from dispatch.monitoring.figures import gini
from dispatch.monitoring.figures import shared_requests
from dispatch.monitoring.periods import buckets

DAY = date(2026, 11, 3)  # a Tuesday
NOW = datetime(2026, 12, 1, 8, 0)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def req(i: int, state: str = "completed", **kw: object) -> RequestRow:
    values: dict[str, object] = {
        "id": i, "resident_id": 100 + i, "kind": "ride", "state": state,
        "time_mode": "pickup_after", "requested_time": at(9), "window_end": at(9, 15)}
    values.update(kw)
    return RequestRow(**values)  # type: ignore[arg-type]


def test_buckets_cut_the_range_exactly_into_days_iso_weeks_and_months() -> None:
    weeks = buckets(Period.WEEK, date(2026, 11, 1), date(2026, 12, 1))
    assert [w.label for w in weeks] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47",
                                        "2026-W48", "2026-W49"]
    assert weeks[0].start == date(2026, 11, 1)
    assert weeks[0].end == date(2026, 11, 2)
    assert weeks[-1].end == date(2026, 12, 1)
    months = buckets(Period.MONTH, date(2026, 11, 15), date(2027, 1, 10))
    assert [(m.label, m.start, m.end) for m in months] == [
        ("2026-11", date(2026, 11, 15), date(2026, 12, 1)),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("2027-01", date(2027, 1, 1), date(2027, 1, 10))]
    assert len(buckets(Period.DAY, DAY, DAY + timedelta(days=3))) == 3


def test_outcomes_reasons_purposes_languages_and_waiting() -> None:
    rows = [
        req(1, planned_pickup=at(9, 10), pickup_departure=at(9, 12), planned_dropoff=at(9, 30),
            direct_s=600.0, purpose="doctor", languages=("de",), volunteer_id=7),
        req(2, "accepted", planned_pickup=at(9, 0), pickup_departure=at(9, 2),
            planned_dropoff=at(9, 22), direct_s=1200.0, purpose="doctor",
            languages=("tr",), volunteer_id=7),
        req(3, "completed", time_mode="arrive_by", requested_time=at(11),
            window_end=at(11), planned_pickup=at(10, 20), pickup_departure=at(10, 22),
            planned_dropoff=at(10, 40), direct_s=900.0, purpose="pharmacy",
            languages=("tr", "de"), volunteer_id=8),
        req(4, "unservable", reason_code=codes.NO_WHEELCHAIR_VEHICLE, languages=("ar",)),
        req(5, "unservable", reason_code=codes.NO_LANGUAGE, languages=("ar",)),
        req(6, "unservable", reason_code=codes.DETOUR_LIMIT),
        req(7, "unservable", reason_code=codes.NO_VOLUNTEER_ON_SHIFT),
        req(8, "offered", declined_offers=2),  # its time passed: declined
        req(9, "requested"),  # its time passed, never offered: other
        req(10, "cancelled"), req(11, "no_show", volunteer_id=8),
        req(12, "planned", requested_time=NOW + timedelta(hours=2),
            window_end=NOW + timedelta(hours=2, minutes=15)),  # still to come
    ]
    rep = compute(MonitoringRows(requests=tuple(rows), languages=("de", "tr", "ar")),
                  period=Period.MONTH, start=date(2026, 11, 1), end=date(2026, 12, 2), now=NOW)
    f = rep.total
    assert (f.requests, f.served, f.unmet, f.pending, f.cancelled, f.no_show) == (
        12, 3, 6, 1, 1, 1)
    assert f.residents == 12
    assert f.served_share == round(3 / 9, 4)
    assert f.unmet_reasons == {"no_volunteer": 1, "no_wheelchair": 1, "language": 1,
                               "ride_time": 1, "declined": 1, "other": 1}
    assert f.purposes["doctor"] == 2
    assert f.purposes["pharmacy"] == 1
    assert f.purposes["unknown"] == 9
    assert sum(f.purposes.values()) == 12
    # languages: the resident's own unless they speak German
    assert (f.languages["tr"].asked, f.languages["tr"].served) == (1, 1)
    assert (f.languages["ar"].asked, f.languages["ar"].served) == (2, 0)
    assert f.languages["ar"].served_share == 0.0
    assert f.languages["de"].asked == 9
    # waiting: 10 and 0 minutes after the asked pick-up; 20 minutes early for an arrival
    assert f.wait_min.n == 3
    assert f.wait_min.mean == pytest.approx(10.0)
    assert f.wait_min.median == 10.0
    assert f.wait_min.p90 == 20.0
    # on board 18, 20 and 18 minutes against 10, 20 and 15 direct
    assert f.ride.n == 3
    assert f.ride.ride_min == pytest.approx((18 + 20 + 18) / 3, abs=0.01)
    assert f.ride.direct_min == pytest.approx(15.0)
    assert f.ride.factor == pytest.approx((1.8 + 1.0 + 1.2) / 3, abs=0.01)
    # two months: November and the first day of December
    assert [b.label for b in rep.buckets] == ["2026-11", "2026-12"]
    assert rep.buckets[0].requests == 11
    assert rep.buckets[1].requests == 1


@pytest.mark.parametrize(("n", "p90"), [(1, 1), (5, 5), (9, 9), (10, 9), (11, 10), (20, 18),
                                         (30, 27), (50, 45)])
def test_the_90th_percentile_is_the_nearest_rank(n: int, p90: int) -> None:
    """The ceil(0.9 n)-th smallest value: of 1..10 that is 9, not 10."""
    assert _stat([float(i) for i in range(n, 0, -1)]).p90 == p90


def test_sharing_counts_requests_on_board_at_the_same_time() -> None:
    stops = (TourStop(1, "pickup", at(9), at(9, 2)), TourStop(2, "pickup", at(9, 5), at(9, 7)),
             TourStop(1, "dropoff", at(9, 15), at(9, 17)),
             TourStop(2, "dropoff", at(9, 20), at(9, 22)),
             TourStop(3, "pickup", at(10), at(10, 2)), TourStop(3, "dropoff", at(10, 10),
                                                                 at(10, 12)))
    tour = TourRow(1, 7, DAY, "drive", stops, leg_m=(1000.0,) * 7, leg_s=(120.0,) * 7)
    assert shared_requests([tour], {1, 2, 3}) == {1, 2}
    assert shared_requests([tour], {1, 3}) == set()  # 2 was cancelled: it never boarded


def test_volunteer_hours_kilometres_and_fairness() -> None:
    stops = (TourStop(1, "pickup", at(9), at(9, 2)), TourStop(1, "dropoff", at(9, 20),
                                                             at(9, 22)))
    # leaves 8:50 (600 s to the pick-up), home at 9:32 (600 s back)
    tour = TourRow(1, 7, DAY, "drive", stops, leg_m=(2000.0, 3500.0, 2500.0),
                   leg_s=(600.0, 1080.0, 600.0))
    walk = TourRow(2, 8, DAY, "walk", (TourStop(2, "pickup", at(14), at(14, 2)),
                                       TourStop(2, "dropoff", at(14, 20), at(14, 22))),
                   leg_m=(300.0, 900.0, 300.0), leg_s=(240.0, 1080.0, 240.0))
    rows = MonitoringRows(
        requests=(req(1, volunteer_id=7), req(2, volunteer_id=8), req(3, volunteer_id=7)),
        tours=(tour, walk),
        shifts=(ShiftRow(9, at(8), at(12)),))  # on duty, drove nobody
    f = compute(rows, period=Period.DAY, start=DAY, end=DAY + timedelta(days=1), now=NOW).total
    v = f.volunteers
    assert (v.on_duty, v.active, v.tours) == (3, 2, 2.0)
    assert v.hours == pytest.approx(42 / 60 + 30 / 60, abs=0.01)
    assert v.km_driven == 8.0
    assert v.km_walked == 1.5
    assert (v.rides_min, v.rides_max, v.rides_mean) == (0.0, 2.0, 1.0)
    assert v.rides_gini == gini([2.0, 1.0, 0.0])
    assert gini([1.0, 1.0, 1.0]) == 0.0
    assert gini([0.0, 0.0, 3.0]) == pytest.approx(2 / 3,
                                                                                   abs=1e-4)
