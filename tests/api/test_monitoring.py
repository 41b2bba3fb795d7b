"""Monitoring against real trips: rides booked, offered, accepted, cancelled and missed through
the API on the real street network, then every figure checked against the stored rows (SQLite
and PostgreSQL), and the JSON, CSV and print answers with their access rules."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models import TripStop
from dispatch.monitoring import Period
from dispatch.monitoring import compute
from dispatch.monitoring import suppress
from dispatch.monitoring import to_dict
from dispatch.services.clock import local_now
from dispatch.services.monitoring import load_rows
from tests.factories import make_resident
from tests.factories import make_staff
from tests.monitoring_expected import assert_figures
from tests.monitoring_expected import assert_protected
from tests.monitoring_expected import expected_day
from tests.quarter import BERGSTR
from tests.quarter import DEUTSCHE
from tests.quarter import EVING_HOMES
from tests.quarter import Api
from tests.quarter import Quarter
from tests.quarter import login_resident
from tests.quarter import login_staff
from tests.quarter import ride
from tests.quarter import tomorrow_at


@dataclass
class Day:
    app: Flask
    coordinator: Api
    volunteer: Api
    day: date
    booked: list[int]
    cancelled: int
    no_show: int
    unservable: int
    rides: dict[int, int] = field(default_factory=dict)  # filled in from the stored trips
    km: float = 0.0


def _place(i: int) -> dict[str, Any]:
    name, lat, lon = EVING_HOMES[i]
    return {"address": name, "lat": lat, "lon": lon}


def _book_day(quarter: Quarter) -> Day:
    """Eight rides of eight residents tomorrow: accepted by the volunteer offered, one
    cancelled, one no-show, and a wheelchair ride nobody can take."""
    app = quarter.app
    start = tomorrow_at(0)  # once: a test running over midnight keeps its day

    def at(hour: int, minute: int = 0) -> datetime:
        return start + timedelta(hours=hour, minutes=minute)

    coord = quarter.staff(quarter.coordinator)
    with app.app_context():
        people = [make_resident("eving", lat=EVING_HOMES[i][1], lon=EVING_HOMES[i][2],
                                languages=["tr"] if i < 4 else ["de"]) for i in range(2, 10)]
        db.session.commit()
        resident_ids = [p.id for p in people]
    purposes = ["doctor", "doctor", "pharmacy", "shopping", None, "worship", "doctor", "visit"]
    booked = []
    for i, rid in enumerate(resident_ids):
        body = ride(at(8 + i, 15 * (i % 2)), resident_id=rid, pickup=_place(i + 2),
                    dropoff=DEUTSCHE if i % 2 else BERGSTR, purpose=purposes[i])
        res = coord.post("/api/v1/requests", body)
        assert res.status_code == 201, res.get_json()
        booked.append(res.get_json()["request"]["id"])
    chair = coord.post("/api/v1/requests", ride(at(12), resident_id=resident_ids[0],
                                                mobility_aids=["wheelchair"]))
    assert chair.status_code == 201, chair.get_json()
    unservable = chair.get_json()["request"]["id"]
    logins: dict[int, Api] = {}
    by_id = {v.id: v for v in quarter.volunteers}
    for rid in booked:
        with app.app_context():
            offer = db.session.scalar(select(Offer).where(Offer.request_id == rid,
                                                          Offer.state == "open"))
            assert offer is not None, f"request {rid} was not offered"
            oid, vid = offer.id, offer.volunteer_id
        api = logins.setdefault(vid, quarter.staff(by_id[vid]))
        res = api.post(f"/api/v1/offers/{oid}/accept")
        assert res.status_code == 200, res.get_json()
    cancelled, no_show = booked[3], booked[5]
    assert coord.post(f"/api/v1/requests/{cancelled}/cancel").status_code == 200
    with app.app_context():
        stop = db.session.scalar(select(TripStop).where(TripStop.request_id == no_show,
                                                        TripStop.kind == "pickup"))
        assert stop is not None
        stop_id = stop.id
    res = coord.post(f"/api/v1/stops/{stop_id}/no_show")
    assert res.status_code == 200, res.get_json()
    return Day(app, coord, next(iter(logins.values())), start.date(), booked, cancelled,
               no_show, unservable)


def test_every_figure_matches_the_stored_trips_and_the_answers(quarter: Quarter) -> None:
    day = _book_day(quarter)
    app = day.app
    now = local_now()
    with app.app_context():
        rows = load_rows("eving", day.day, day.day + timedelta(days=1), app.config["SETTINGS"])
        exp = expected_day(app.config["SETTINGS"], "eving", day.day, now)
        chair = db.session.get(RideRequest, day.unservable)
        assert chair is not None
        assert (chair.state, chair.reason_code) == ("unservable", "no_wheelchair_vehicle")
    day.rides = {v: d.rides for v, d in exp.volunteers.items()}  # volunteers with a tour
    day.km = float(exp.figures["volunteers.km_driven"] or 0.0)
    rep = compute(rows, period=Period.DAY, start=day.day, end=day.day + timedelta(days=1),
                  now=now)
    f = rep.total
    # every figure against the rows and the router (tests/monitoring_expected.py) ...
    assert_figures(f, exp)
    assert_figures(rep.buckets[0], exp)
    assert exp.unplaced == []
    # ... and what the bookings above make them
    assert f.requests == 9
    assert f.residents == 8
    assert f.served == 6
    assert (f.cancelled, f.no_show, f.unmet, f.pending) == (1, 1, 1, 0)
    assert f.unmet_reasons["no_wheelchair"] == 1
    assert f.served_share == round(6 / 7, 4)
    assert f.purposes["doctor"] == 3
    assert f.purposes["unknown"] == 2  # one said nothing, nor did the wheelchair ride
    assert (f.languages["tr"].asked, f.languages["tr"].served) == (3, 2)
    assert f.languages["de"].asked == 6
    assert f.wait_min.n == f.ride.n == len(exp.waits) == len(exp.factors) == 6
    v = f.volunteers
    assert v.on_duty == 2
    assert v.active == len([n for n in day.rides.values() if n])
    assert v.km_driven > 0
    assert sum(day.rides.values()) == 6
    # the protected answer of the API is the same report after the small-count rule
    res = day.coordinator.get(f"/api/v1/monitoring?period=day&from={day.day}&to={day.day}")
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    want = to_dict(suppress(rep))
    body.pop("computed_at")
    want.pop("computed_at")
    assert body == want
    assert_protected(f, suppress(rep).total)
    assert body["total"]["requests"] == 9
    assert body["total"]["cancelled"] == "<5"
    assert body["total"]["volunteers"]["km_driven"] == "<5"  # two volunteers on duty
    # the answers below do not depend on the database: checked once, on SQLite (test budget)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _csv_print_and_who_may_see_which_quarter(quarter, day)


def _csv_print_and_who_may_see_which_quarter(quarter: Quarter, day: Day) -> None:
    app = day.app
    q = f"from={day.day}&to={day.day + timedelta(days=6)}&period=week"
    res = day.coordinator.get(f"/api/v1/monitoring/export.csv?{q}")
    assert res.status_code == 200
    assert res.mimetype == "text/csv"
    assert "attachment" in res.headers["Content-Disposition"]
    text = res.get_data(as_text=True).lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    table = {(r[2], r[5]): r[6] for r in lines[1:]}
    assert table[("total", "requests")] == "9"
    # 9 = 6 + three single ones: 1, 1 and 1 could be worked out, so 6 is hidden too
    assert table[("total", "served")] == "x"
    assert table[("total", "cancelled")] == "<5"
    assert table[("total", "no_show")] == "<5"
    assert table[("total", "served_share")] == "<5"  # 6 of 7: the one unmet would show
    assert all(r[0] == "eving" for r in lines[1:])
    # per volunteer, for mileage reimbursement: their tours add up to the quarter's kilometres
    res = day.coordinator.get(f"/api/v1/monitoring/mileage.csv?{q}")
    assert res.status_code == 200
    rows = list(csv.DictReader(io.StringIO(res.get_data(as_text=True).lstrip("\ufeff")),
                               delimiter=";"))
    assert {int(r["volunteer_id"]) for r in rows} == set(day.rides)
    assert sum(int(r["rides"]) for r in rows) == 6
    assert sum(float(r["km_driven"].replace(",", ".")) for r in rows) == pytest.approx(
        day.km, abs=0.02)
    assert all(r["name"] for r in rows)
    # the printable report of the month
    month = f"{day.day:%Y-%m}"
    page = day.coordinator.get(f"/print/monitoring?month={month}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Monatsbericht" in html
    if day.day.month == local_now().month:
        assert 'data-figure="requests">9<' in html
    assert "&lt;5" in html  # the markers, escaped
    assert "/static/css/report.css" in html
    assert "<script" not in html
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"].split(
        "script-src")[1].split(";")[0]
    # who may see what
    with app.app_context():
        marten = make_staff(Role.COORDINATOR, "marten")
        admin = make_staff(Role.ADMIN, None)
        db.session.commit()
        for p in (marten, admin):
            db.session.refresh(p)
            db.session.expunge(p)
    other, boss = login_staff(app, marten), login_staff(app, admin)
    assert day.coordinator.get(f"/api/v1/monitoring?quarter=marten&{q}").status_code == 403
    assert other.get(f"/api/v1/monitoring?quarter=eving&{q}").status_code == 403
    own = other.get(f"/api/v1/monitoring?{q}").get_json()
    assert own["quarter"] == "marten"
    assert own["total"]["requests"] == 0
    every = boss.get(f"/api/v1/monitoring?{q}").get_json()
    assert every["quarter"] == "all"
    assert every["total"]["requests"] == 9
    assert boss.get(f"/api/v1/monitoring?quarter=eving&{q}").get_json()["quarter"] == "eving"
    assert boss.get(f"/api/v1/monitoring?quarter=nowhere&{q}").status_code == 404
    assert day.volunteer.get(f"/api/v1/monitoring?{q}").status_code == 403
    resident = login_resident(app, day.coordinator, quarter.residents[0].id)
    assert resident.get(f"/api/v1/monitoring?{q}").status_code == 403
    assert Api(app.test_client()).get(f"/api/v1/monitoring?{q}").status_code == 401
    # bad input: a plain German message, never a 500
    for bad in ("period=year", "from=2026-13-01", f"from={day.day}&to={day.day - timedelta(1)}",
                "from=2020-01-01&to=2022-01-01", "month=2026-13"):
        url = "/print/monitoring?" if bad.startswith("month") else "/api/v1/monitoring?"
        res = day.coordinator.get(url + bad)
        assert res.status_code == 422, (bad, res.status_code)
        assert res.get_json()["error"]["message"]
