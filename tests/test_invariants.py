"""The invariant checker of :mod:`tests.invariants` is right both ways: it stays silent along a
request's whole lifecycle, and it names each kind of broken plan that is planted in the rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import RideRequest
from dispatch.models import Trip
from dispatch.models import TripStop
from tests.invariants import violations
from tests.quarter import BERGSTR
from tests.quarter import Api
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def _offer(quarter: Quarter, request_id: int) -> tuple[int, Api]:
    """The request's open offer and its volunteer's logged-in client."""
    with quarter.app.app_context():
        o = db.session.scalars(select(Offer).where(Offer.request_id == request_id,
                                                   Offer.state == "open")).one()
        offer_id, vid = o.id, o.volunteer_id
    return offer_id, quarter.staff(next(v for v in quarter.volunteers if v.id == vid))


def _holder(quarter: Quarter, request_id: int) -> Api:
    """The logged-in client of the volunteer whose trip holds the request's stops."""
    with quarter.app.app_context():
        vid = db.session.scalars(select(Trip.volunteer_id).join(TripStop).where(
            TripStop.request_id == request_id)).first()
    return quarter.staff(next(v for v in quarter.volunteers if v.id == vid))


def _stops(api: Api, request_id: int) -> dict[str, int]:
    trips = api.get("/api/v1/trips/today").get_json()["trips"]
    return {s["kind"]: s["id"] for t in trips for s in t["stops"]
            if s["request_id"] == request_id}


def test_no_false_alarm_along_the_lifecycle(quarter: Quarter) -> None:
    """Booked, offered, accepted, en route, picked up, completed, no-show, handed back,
    assigned, edited, declined and cancelled requests all satisfy every invariant."""
    app = quarter.app
    resident = quarter.resident(0)
    coord = quarter.staff(quarter.coordinator)
    assert violations(app) == []
    rids = [resident.post("/api/v1/requests", ride(tomorrow_at(h, m))).get_json()["request"]["id"]
            for h, m in [(8, 0), (9, 0), (10, 0), (11, 0), (12, 0), (12, 30)]]
    assert violations(app) == []
    done, no_show, handed, assigned, declined, cancelled = rids
    for rid in (done, no_show, handed):
        offer_id, vol = _offer(quarter, rid)
        assert vol.post(f"/api/v1/offers/{offer_id}/accept").status_code == 200
    assert violations(app) == []
    vol = _holder(quarter, done)
    stops = _stops(vol, done)
    for action, stop in [("arrived", "pickup"), ("picked_up", "pickup"),
                         ("dropped_off", "dropoff")]:
        assert vol.post(f"/api/v1/stops/{stops[stop]}/{action}").status_code == 200
        assert violations(app) == [], action
    vol = _holder(quarter, no_show)
    assert vol.post(f"/api/v1/stops/{_stops(vol, no_show)['pickup']}/no_show").status_code == 200
    assert violations(app) == []
    vol = _holder(quarter, handed)
    assert vol.post(f"/api/v1/requests/{handed}/hand-back").status_code == 200
    assert violations(app) == []
    other = quarter.volunteers[0].id
    assert coord.post(f"/api/v1/requests/{assigned}/assign",
                      {"volunteer_id": other}).status_code == 200
    assert coord.patch(f"/api/v1/requests/{assigned}", {"dropoff": BERGSTR}).status_code == 200
    assert violations(app) == []
    offer_id, vol = _offer(quarter, declined)
    assert vol.post(f"/api/v1/offers/{offer_id}/decline").status_code == 200
    assert resident.post(f"/api/v1/requests/{cancelled}/cancel").status_code == 200
    assert violations(app) == []


def test_each_planted_fault_is_named(quarter: Quarter) -> None:
    """A second trip is refused by the database; overlapping stops, a lost drop-off, a stale
    open offer and a stop outside its window are each reported under their rule."""
    app = quarter.app
    resident = quarter.resident(0)
    first, second = (resident.post("/api/v1/requests", ride(tomorrow_at(h))).get_json()
                     ["request"]["id"] for h in (9, 11))
    assert violations(app) == []
    with app.app_context():
        stop = db.session.scalars(select(TripStop).where(TripStop.request_id == second,
                                                         TripStop.kind == "pickup")).one()
        trip = stop.trip
        # (a): the database itself refuses a second trip of the volunteer that day
        db.session.add(Trip(volunteer_id=trip.volunteer_id, quarter_slug=trip.quarter_slug,
                            service_day=trip.service_day))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        # (b): the second ride's stops moved onto the time of the first ride
        first_pick = db.session.scalars(select(TripStop).where(
            TripStop.request_id == first, TripStop.kind == "pickup")).one()
        for s in db.session.scalars(select(TripStop).where(TripStop.request_id == second)):
            s.planned_arrival = first_pick.planned_arrival + (
                timedelta(minutes=1) if s.kind == "pickup" else timedelta(minutes=9))
            s.planned_departure = s.planned_arrival + timedelta(minutes=3)
        db.session.commit()
    found = violations(app)
    assert any(v.startswith("(b)") for v in found), found
    assert any(v.startswith("(e)") for v in found), found
    with app.app_context():
        # (c) a lost drop-off and (d) an open offer of a cancelled request
        db.session.execute(TripStop.__table__.delete().where(
            TripStop.request_id == first, TripStop.kind == "dropoff"))
        db.session.execute(update(RideRequest).where(RideRequest.id == second)
                           .values(state="cancelled"))
        db.session.commit()
    found = violations(app)
    assert any(v.startswith(f"(c) request {first} (offered) has 1 pick-up(s) and 0") for v in
               found), found
    assert any(v.startswith(f"(c) request {second} (cancelled) still has") for v in found), found
    assert any(v.startswith(f"(d) request {second} (cancelled) has open offer") for v in
               found), found
