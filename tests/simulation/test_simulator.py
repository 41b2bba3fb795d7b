"""The simulator (``dispatch.simulation``): a short day in each quarter, end to end on the real
street graph, checked against the stored rows and every monitoring figure of the day against
those rows (``tests/monitoring_expected.py``); its demand shares; its clock; ``flask sim``.

The default run simulates a short day (a dozen bookings) per quarter: Eving on SQLite, Marten
on PostgreSQL. ``DISPATCH_SIM_FULL=1`` runs the full 150-request day of each quarter on both
databases (the figures of docs/SIMULATION.md).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import AuditEntry
from dispatch.models import Offer
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Trip
from dispatch.monitoring import Period
from dispatch.monitoring import compute
from dispatch.monitoring import suppress
from dispatch.monitoring.mileage import mileage
from dispatch.services.clock import local_now
from dispatch.services.clock import utc_now
from dispatch.services.monitoring import load_rows
from dispatch.settings import load_settings
from dispatch.simulation import SimClock
from dispatch.simulation import SimParams
from dispatch.simulation import places_for
from dispatch.simulation import simulate
from dispatch.simulation.demand import Resident
from dispatch.simulation.demand import plan_bookings
from dispatch.simulation.params import QUARTER_LANGUAGES
from tests.conftest import empty_database
from tests.conftest import make_app
from tests.invariants import violations
from tests.monitoring_expected import assert_figures
from tests.monitoring_expected import assert_protected
from tests.monitoring_expected import expected_day

pytestmark = pytest.mark.simulation
FULL = os.environ.get("DISPATCH_SIM_FULL") == "1"
FRIDAY, TUESDAY = date(2027, 3, 5), date(2027, 3, 9)
_PG = pytest.mark.postgres
CASES = ([pytest.param(q, d, id=f"{q}-{d}", marks=[_PG] if d == "postgresql" else [])
          for q in ("eving", "marten") for d in ("sqlite", "postgresql")] if FULL else
         [pytest.param("eving", "sqlite", id="eving-sqlite"),
          pytest.param("marten", "postgresql", id="marten-postgresql", marks=_PG)])


@pytest.fixture
def sim_app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app on the database the case names, emptied afterwards."""
    url = str(request.getfixturevalue(f"{request.param}_database_url"
                                      if request.param == "sqlite" else "pg_database_url"))
    app = make_app(url)
    yield app
    empty_database(app)


def _params(quarter: str) -> SimParams:
    day = FRIDAY if quarter == "eving" else TUESDAY
    if FULL:
        return SimParams(quarter, day, requests=150, volunteers=12, seed=7)
    # a short day: the clock starts at 06:00, bookings spread up to half an hour before
    # their ride; more cancellations and no-shows than usual, so a short day has some
    return SimParams(quarter, day, requests=12, volunteers=5, seed=7,
                     start=datetime(day.year, day.month, day.day, 6), lead="spread",
                     cancel_share=0.15, no_show_share=0.25, replan_every_minutes=180,
                     replan_iterations=60, tick_minutes=3)


@pytest.mark.parametrize(("quarter", "sim_app"), CASES, indirect=["sim_app"])
def test_a_simulated_day_matches_the_stored_rows(quarter: str, sim_app: Flask,
                                                 street_network: Any) -> None:
    params = _params(quarter)
    with sim_app.app_context():
        result = simulate(sim_app.config["SETTINGS"], params)
        day0 = datetime(params.day.year, params.day.month, params.day.day)
        rows = {r.id: r for r in db.session.scalars(select(RideRequest).where(
            RideRequest.quarter_slug == quarter))}
        outward = [rows[i] for i in result.request_ids]
        offers = db.session.scalars(select(Offer).join(RideRequest).where(
            RideRequest.quarter_slug == quarter)).all()
        trips = db.session.scalars(select(Trip).where(Trip.quarter_slug == quarter,
                                                      Trip.service_day == day0)).all()
        # requests created: every booking the simulation made, with its purpose and extras
        assert result.bookings_made >= 0.75 * result.bookings_planned, result.lines()
        assert set(result.refused) <= {"outside_service_area", "invalid_input"}, result.refused
        assert len(outward) == result.bookings_made
        assert Counter(r.purpose for r in outward) == result.by_purpose
        assert Counter(r.kind for r in outward) == result.by_kind
        assert Counter(r.time_mode for r in outward) == result.by_time_mode
        assert all(r.requested_time.date() == params.day for r in outward)
        returns = [r for r in rows.values() if r.return_of_id in set(result.request_ids)]
        assert len(returns) == result.returns
        assert all(r.purpose == rows[r.return_of_id].purpose for r in returns)
        assert sum(r.series_id is not None for r in outward) == result.weekly
        langs = Counter(r.resident.resident.languages[0] for r in outward)
        assert langs == result.by_language
        # offers answered as the volunteers decided; the expiry pass ended the ignored ones
        states = Counter(o.state for o in offers)
        assert result.offers["accepted"] > 0, result.lines()
        assert states["declined"] == result.offers["declined"]
        assert states["expired"] == result.expired
        assert states["accepted"] + states["withdrawn"] >= result.offers["accepted"] - \
            result.offers["too_late"]
        assert states["open"] == 0 or utc_now() < max(o.expires_at for o in offers)
        # trips: stops in order, reported in order, pick-up before drop-off
        for trip in trips:
            stops = list(trip.stops)
            assert [s.seq for s in stops] == sorted(s.seq for s in stops)
            times = [s.planned_arrival for s in stops]
            assert times == sorted(times), f"trip {trip.id} goes back in time"
            done = [s.done_at for s in stops if s.done_at is not None]
            assert done == sorted(done), f"trip {trip.id}: stops reported out of order"
            assert all(s.done_at is None for s in stops[len(done):])
            picked: set[int] = set()
            for s in stops:
                if s.kind == "pickup":
                    picked.add(s.request_id)
                else:
                    assert s.request_id in picked, "drop-off before pick-up"
        # every stop report is in the audit log, at the simulated time, in the day's order
        reports = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action.like("stop.%")).order_by(AuditEntry.id)).all()
        mine = [a for a in reports if rows.get(a.data.get("request_id")) is not None]
        assert Counter(a.action.removeprefix("stop.") for a in mine) == result.stop_reports
        assert result.stop_reports["no_show"] == result.no_shows
        assert result.stop_reports["dropped_off"] > 0
        assert all(a.at.date() == params.day for a in mine)
        assert [a.at for a in mine] == sorted(a.at for a in mine)
        by_request: dict[int, list[str]] = {}
        for a in mine:
            by_request.setdefault(a.data["request_id"], []).append(a.action)
        for rid, actions in by_request.items():
            assert actions in (["stop.arrived", "stop.picked_up", "stop.arrived",
                                "stop.dropped_off"], ["stop.arrived", "stop.no_show"],
                               ["stop.arrived", "stop.picked_up"]), (rid, actions)
            if rows[rid].state == "completed":
                assert actions[-1] == "stop.dropped_off"
        day_rows = [r for r in rows.values() if r.requested_time.date() == params.day]
        assert Counter(r.state for r in day_rows) == result.final_states
        assert result.final_states["completed"] == result.stop_reports["dropped_off"]
        # no-shows and cancellations recorded
        assert result.final_states["no_show"] == result.no_shows
        assert sum(r.state == "cancelled" for r in rows.values()) >= result.cancellations
        assert result.no_shows + result.cancellations > 0, result.lines()
        for r in day_rows:
            if r.state == "unservable":
                assert r.reason_code, r.id
        # the day's plans are sound
        assert violations(sim_app, quarter) == []
        _assert_monitoring(sim_app, params, result)
        if FULL:
            _assert_shares(params, result)


def _assert_monitoring(app: Flask, params: SimParams, result: Any) -> None:
    """Every monitoring figure of the simulated day against the stored rows, computed when the
    simulated day ended (so rides left open past their time count as unmet)."""
    settings = app.config["SETTINGS"]
    start, end, now = params.day, params.day + timedelta(days=1), params.end_at
    rows = load_rows(params.quarter, start, end, settings)
    report = compute(rows, period=Period.DAY, start=start, end=end, now=now)
    exp = expected_day(settings, params.quarter, params.day, now)
    assert [b.label for b in report.buckets] == [params.day.isoformat()]
    for figures in (report.buckets[0], report.total):
        assert_figures(figures, exp)
    f = exp.figures
    # the day has something to count, and the simulator's own counts agree
    assert f["requests"] == sum(result.final_states.values())
    assert f["no_show"] == result.final_states["no_show"]
    assert f["cancelled"] == result.final_states["cancelled"]
    assert f["served"] > 0
    assert f["volunteers.tours"] > 0
    assert f["volunteers.km_driven"] > 0
    assert f["volunteers.on_duty"] == params.volunteers
    # every served ride keeps its stops (history), so it counts in a volunteer's rides
    assert exp.unplaced == []
    assert sum(v.rides for v in exp.volunteers.values()) == f["served"]
    # per volunteer (mileage reimbursement): the same tours, rides, hours and kilometres
    names = {p.id: p.first_name for p in db.session.scalars(select(Person))}
    listed = {m.volunteer_id: m for m in mileage(rows, names, start=start, end=end, now=now)}
    assert set(listed) == set(exp.volunteers)
    for vid, want in exp.volunteers.items():
        m = listed[vid]
        assert (m.tours, m.rides) == (want.tours, want.rides), vid
        assert m.hours == pytest.approx(want.hours, abs=0.006), vid
        assert m.km_driven == pytest.approx(want.km_driven, abs=0.006), vid
        assert m.km_walked == pytest.approx(want.km_walked, abs=0.006), vid
    # what leaves the server: the same figures after the small-count rule
    public = suppress(report)
    for raw, shown in zip((*report.buckets, report.total), (*public.buckets, public.total),
                          strict=True):
        assert_protected(raw, shown)


def _assert_shares(params: SimParams, result: Any) -> None:
    """Shares of a full day, roughly as configured."""
    n = result.bookings_made
    assert n >= 120
    german = result.by_language["de"] / n
    assert abs(german - QUARTER_LANGUAGES[params.quarter]["de"]) < 0.15
    assert 0.03 < result.by_kind["escort_walk"] / n < 0.4
    assert result.returns / n > 0.4


def _residents(quarter: str, n: int) -> list[Resident]:
    import random

    places = places_for(load_settings(), quarter)
    rng = random.Random(1)
    langs = QUARTER_LANGUAGES[quarter]
    out = []
    for i in range(n):
        h = places.homes[rng.randrange(len(places.homes))]
        lang = rng.choices(sorted(langs), weights=[langs[k] for k in sorted(langs)])[0]
        out.append(Resident(i, h.lat, h.lon, h.label, lang, ()))
    return out


def test_the_demand_follows_the_day_profile() -> None:
    """Purposes by weekday, the morning peak at the doctors, Friday prayers, Sunday church."""
    residents = _residents("eving", 300)
    places = places_for(load_settings(), "eving")
    friday = plan_bookings(SimParams("eving", FRIDAY, requests=1500, seed=3), places, residents)
    assert friday == plan_bookings(SimParams("eving", FRIDAY, requests=1500, seed=3), places,
                                   residents)  # deterministic by seed
    purposes = Counter(b.purpose.value for b in friday)
    assert len(friday) == 1500
    assert purposes["doctor"] > purposes["community"] > purposes["authority"] > 0
    doctors = Counter(b.time.hour for b in friday if b.purpose == "doctor")
    assert sum(doctors[h] for h in (8, 9, 10)) > 2 * sum(doctors[h] for h in (13, 14, 15))
    shopping = Counter(b.time.hour for b in friday if b.purpose == "shopping")
    assert shopping[10] + shopping[11] > shopping[7] + shopping[8] + shopping[13]
    mosque = [b for b in friday if b.destination.kind == "mosque"]
    assert mosque
    assert all(b.language in ("tr", "ar") for b in mosque)
    assert sum(12 <= b.time.hour <= 13 for b in mosque) > 0.6 * len(mosque)
    # escorts on foot only to places within walking reach; returns and weekly rides occur
    walks = [b for b in friday if b.kind == "escort_walk"]
    assert walks
    assert all(_km(b) <= 0.9 for b in walks)
    assert 0.5 < sum(b.return_after_minutes is not None for b in friday) / len(friday) < 0.9
    assert 0.02 < sum(b.repeat_weekly for b in friday) / len(friday) < 0.3
    assert all(b.book_at <= b.time for b in friday)
    sunday = plan_bookings(SimParams("eving", date(2027, 3, 7), requests=600, seed=3), places,
                           residents)
    on_sunday = Counter(b.purpose.value for b in sunday)
    assert on_sunday["doctor"] == on_sunday["shopping"] == on_sunday["authority"] == 0
    church = [b for b in sunday if b.destination.kind == "church"]
    assert sum(9 <= b.time.hour <= 10 for b in church) > 0.6 * len(church)


def _km(b: Any) -> float:
    from dispatch.simulation.demand import km

    return km(b.pickup[1:], (b.destination.lat, b.destination.lon))


def test_homes_and_destinations_come_from_the_map() -> None:
    settings = load_settings()
    for slug in ("eving", "marten"):
        places = places_for(settings, slug)
        quarter = next(q for q in settings.quarters if q.slug == slug)
        lons = [p[0] for p in quarter.boundary]
        lats = [p[1] for p in quarter.boundary]
        assert len(places.homes) > 1000
        assert all(min(lats) <= h.lat <= max(lats) and min(lons) <= h.lon <= max(lons)
                   for h in places.homes)
        kinds = Counter(d.purpose.value for d in places.destinations)
        assert {"doctor", "pharmacy", "shopping", "worship"} <= set(kinds)
    eving = places_for(settings, "eving")
    assert any(h.label.startswith("Evinger Straße ") for h in eving.homes)
    assert any(d.label == "Apotheke Neue Evinger Mitte" for d in eving.destinations)
    assert any(d.kind == "mosque" for d in eving.destinations)


def test_the_simulated_clock_is_the_services_clock() -> None:
    start = datetime(2027, 3, 5, 6, 0)
    clock = SimClock(start)
    with clock.running():
        assert local_now() == start
        clock.advance_to(datetime(2027, 3, 5, 9, 30))
        assert local_now() == datetime(2027, 3, 5, 9, 30)
        clock.advance_to(datetime(2027, 3, 5, 8, 0))  # never backwards
        assert local_now() == datetime(2027, 3, 5, 9, 30)
    assert local_now().year != 2027 or local_now() != datetime(2027, 3, 5, 9, 30)
    slept: list[float] = []
    t = [0.0]

    def sleep(s: float) -> None:
        slept.append(s)
        t[0] += s

    fast = SimClock(start, speed=60, sleep=sleep, monotonic=lambda: t[0])
    fast.advance_to(datetime(2027, 3, 5, 7, 0))  # an hour at 60x: a minute
    assert slept == [60.0]
    assert fast.now() == datetime(2027, 3, 5, 7, 0)


def test_flask_sim_run(sqlite_database_url: str, street_network: Any) -> None:
    """The CLI is thin: it parses, runs the simulation and prints the result."""
    from dispatch.cli_sim import parse_speed

    app = make_app(sqlite_database_url)
    try:
        _cli(app, parse_speed)
    finally:
        empty_database(app)


def _cli(app: Flask, parse_speed: Any) -> None:
    assert parse_speed("60x") == 60.0
    assert parse_speed("max") is None
    out = app.test_cli_runner().invoke(args=[
        "sim", "run", "--quarter", "marten", "--requests", "2", "--volunteers", "2",
        "--date", "2027-03-09", "--start", "2027-03-09T08:00", "--seed", "1", "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output.strip().splitlines()[-1])
    assert result["quarter"] == "marten"
    assert result["bookings_planned"] == 2
    assert result["day"] == "2027-03-09"
    bad = app.test_cli_runner().invoke(args=["sim", "run", "--quarter", "nirgendwo",
                                             "--requests", "1"])
    assert bad.exit_code != 0
    assert "unknown quarter" in bad.output


def test_the_demo_day_is_simulated_once(sqlite_database_url: str, street_network: Any) -> None:
    """``flask sim demo`` (``make run``): the demo day up to now, once; a restart adds nothing."""
    from dispatch.simulation.demo import demo_day
    from dispatch.simulation.demo import seed_demo_day

    app = make_app(sqlite_database_url)
    try:
        with app.app_context():
            settings = app.config["SETTINGS"]
            first = list(seed_demo_day(settings, requests=2, volunteers=2))
            n = db.session.query(RideRequest).count()
            day = demo_day(local_now())
            assert any(line.startswith(f"eving {day}:") for line in first), first
            assert any(line.startswith(f"marten {day}:") for line in first), first
            again = list(seed_demo_day(settings, requests=2, volunteers=2))
            assert again == [f"eving: demo day {day} already simulated",
                             f"marten: demo day {day} already simulated"]
            assert db.session.query(RideRequest).count() == n > 0
        assert violations(app) == []
    finally:
        empty_database(app)
