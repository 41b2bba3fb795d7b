"""A simulated day in Eving on the real street network: requests arrive over time, volunteers
accept, decline or let offers expire, the background pass re-plans, everyone reports stops.
Seeded, so a failure replays exactly."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from dispatch import matching
from dispatch.extensions import db
from dispatch.jobs.replan import run_pass
from dispatch.models import Offer
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Trip
from dispatch.models._types import utcnow
from dispatch.services.booking import create_request
from dispatch.services.commands import BookRide
from dispatch.services.offers import accept_offer
from dispatch.services.offers import decline_offer
from dispatch.services.plan_context import build_context
from dispatch.services.trips import stop_action
from tests.factories import make_resident
from tests.factories import make_volunteer
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.simulation
LAT, LON = (51.542, 51.556), (7.455, 7.475)
SEED = 20261125


def _open_offers() -> list[Offer]:
    """Offers a volunteer can still answer (open and not yet past their time)."""
    return list(db.session.scalars(select(Offer).where(
        Offer.state == "open", Offer.expires_at > utcnow()).order_by(Offer.id)))


# SQLite only: the simulator's day (tests/simulation/test_simulator.py) runs on PostgreSQL
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_simulated_day(app: Flask, street_network: object) -> None:
    rng = random.Random(SEED)
    with app.app_context():
        settings = app.config["SETTINGS"]
        vols = [make_volunteer(lat=rng.uniform(*LAT), lon=rng.uniform(*LON),
                               shift=(tomorrow_at(7), tomorrow_at(17)), gender=rng.choice("fm"),
                               vehicle_seats=3, wheelchair_places=int(i == 0),
                               languages=["de", "tr"] if i == 1 else ["de"])
                for i in range(5)]
        walker = make_volunteer(lat=51.548, lon=7.465, shift=(tomorrow_at(8), tomorrow_at(16)),
                                drives=False, escorts_on_foot=True, vehicle_seats=0)
        residents = [make_resident(lat=rng.uniform(*LAT), lon=rng.uniform(*LON),
                                   gender=rng.choice("fm"),
                                   mobility_aids=["wheelchair"] if i % 9 == 0 else [],
                                   languages=["tr"] if i % 7 == 0 else ["de"])
                     for i in range(30)]
        db.session.commit()
        staff = {v.id: v for v in [*vols, walker]}
        for i, resident in enumerate(residents):
            minute = rng.randrange(0, 8 * 60)
            kind = "escort_walk" if i % 6 == 0 else "ride"
            far = kind == "ride"
            dropoff = {"address": "Ziel", "lat": rng.uniform(*LAT) if far else
                       resident.resident.home_lat + 0.003,
                       "lon": rng.uniform(*LON) if far else resident.resident.home_lon}
            create_request(db.session.get(Person, resident.id), BookRide.of({
                "kind": kind, "time_mode": rng.choice(["pickup_after", "arrive_by"]),
                "time": tomorrow_at(8 + minute // 60, minute % 60),
                "pickup": {"address": "Zuhause", "lat": resident.resident.home_lat,
                           "lon": resident.resident.home_lon},
                "dropoff": dropoff, "passengers": 1, "notes": "", "mobility_aids": None,
                "return_after_minutes": 45 if i % 5 == 0 else None,
            }), settings)
            # volunteers answer some offers now, some later; a few let theirs expire
            for offer in _open_offers():
                roll = rng.random()
                person = db.session.get(Person, offer.volunteer_id)
                if roll < 0.6:
                    accept_offer(person, offer.id)
                elif roll < 0.75:
                    decline_offer(person, offer.id, settings)
                elif roll < 0.85:
                    offer.expires_at = utcnow() - timedelta(seconds=1)
                    db.session.commit()
            if i % 10 == 9:
                run_pass(app, seconds=0.5)
        # end of the morning: every open offer is accepted after a last re-plan
        run_pass(app, seconds=0.5)
        for _ in range(5):
            for offer in _open_offers():
                accept_offer(db.session.get(Person, offer.volunteer_id), offer.id)
            run_pass(app, seconds=0.5)
        # the stored plans pass the matching engine's independent checker
        ctx = build_context("eving", tomorrow_at(8), settings)
        assert matching.check(ctx.problem, ctx.plans, require_all=True) == []
        # the volunteers go through their trips in order
        for trip in db.session.scalars(select(Trip).order_by(Trip.id)):
            times = [s.planned_arrival for s in trip.stops]
            assert times == sorted(times), f"trip {trip.id} goes back in time"
            seen: set[int] = set()
            for stop in list(trip.stops):
                if stop.kind == "pickup":
                    seen.add(stop.request_id)
                else:
                    assert stop.request_id in seen, "drop-off before pick-up"
                req = stop.request
                if req.time_mode == "pickup_after" and stop.kind == "pickup" and \
                        req.return_of_id is None:
                    assert req.window_start - timedelta(seconds=1) <= stop.planned_arrival \
                        <= req.window_end + timedelta(seconds=1)
                if req.time_mode == "arrive_by" and stop.kind == "dropoff":
                    assert stop.planned_arrival <= req.window_end + timedelta(seconds=1)
            volunteer = staff[trip.volunteer_id]
            for stop in list(trip.stops):
                actions = ["picked_up"] if stop.kind == "pickup" else ["dropped_off"]
                for action in actions:
                    stop_action(db.session.get(Person, volunteer.id), stop.id, action)
        final = db.session.scalars(select(RideRequest)).all()
        states = {r.state for r in final}
        assert states <= {"completed", "unservable"}, states
        for r in final:
            if r.state == "unservable":
                assert r.reason_text
        served = sum(r.state == "completed" for r in final)
        assert served >= len(final) * 0.6, f"only {served} of {len(final)} served"
        # wheelchair rides only in the van with the wheelchair place
        for r in final:
            if r.needs_wheelchair_place and r.state == "completed":
                trip = next(s.trip for s in db.session.scalars(
                    select(Trip).join(Trip.stops)) for s in s.stops if s.request_id == r.id)
                assert trip.volunteer_id == vols[0].id
