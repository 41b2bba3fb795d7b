"""Booking through the API on SQLite and PostgreSQL: placed and offered at once, or refused
clearly; nothing half-written on bad input."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import AuditEntry
from dispatch.models import Offer
from dispatch.models import RideRequest
from tests.quarter import DEUTSCHE
from tests.quarter import OUTSIDE
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_resident_books_and_a_volunteer_gets_the_offer(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    res = resident.post("/api/v1/requests", ride(tomorrow_at(9)))
    assert res.status_code == 201, res.get_json()
    body = res.get_json()["request"]
    assert body["state"] == "offered"
    assert body["planned_pickup"] is not None
    assert body["planned_pickup"] >= tomorrow_at(9).isoformat()
    offered_to = {v.id for v in quarter.volunteers}
    offers = [quarter.staff(v).get("/api/v1/offers").get_json()["offers"]
              for v in quarter.volunteers]
    assert sum(len(o) for o in offers) == 1
    got = next(o for o in offers if o)[0]
    assert got["request"]["id"] == body["id"]
    assert got["seconds_left"] > 0
    assert got["request"]["resident"]["needs"]["languages"] == ["de"]
    with quarter.app.app_context():
        offer = db.session.scalar(select(Offer))
        assert offer.volunteer_id in offered_to
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"request.created", "request.planned", "offer.created"} <= actions


def test_accept_then_status_shows_volunteer(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    rid = resident.post("/api/v1/requests", ride(tomorrow_at(10))).get_json()["request"]["id"]
    with quarter.app.app_context():
        offer = db.session.scalar(select(Offer))
        vol = next(v for v in quarter.volunteers if v.id == offer.volunteer_id)
        offer_id = offer.id
    volunteer = quarter.staff(vol)
    res = volunteer.post(f"/api/v1/offers/{offer_id}/accept")
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["request"]["state"] == "accepted"
    again = volunteer.post(f"/api/v1/offers/{offer_id}/accept")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "offer_taken"
    status = resident.get(f"/api/v1/requests/{rid}").get_json()["request"]
    assert status["state"] == "accepted"
    assert status["volunteer"]["first_name"] == vol.first_name
    trips = volunteer.get("/api/v1/trips/today").get_json()["trips"]
    kinds = [s["kind"] for t in trips for s in t["stops"]]
    assert kinds == ["pickup", "dropoff"]


def test_bad_input_gets_a_message_per_field_and_writes_nothing(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    before = _count(quarter.app, RideRequest), _count(quarter.app, AuditEntry)
    res = resident.post("/api/v1/requests", {"kind": "helicopter", "pickup": {"address": "x"},
                                             "time": "morgen früh", "passengers": 9})
    assert res.status_code == 422
    fields = res.get_json()["error"]["fields"]
    assert set(fields) >= {"kind", "pickup", "dropoff", "time", "passengers"}
    assert "Bitte ausfüllen." in str(fields["dropoff"])
    assert "1 bis 4" in fields["passengers"]
    assert (_count(quarter.app, RideRequest), _count(quarter.app, AuditEntry)) == before


def test_time_in_the_past_is_refused(quarter: Quarter) -> None:
    res = quarter.resident(0).post("/api/v1/requests",
                                   ride(tomorrow_at(9) - timedelta(days=3)))
    assert res.status_code == 422
    assert "Vergangenheit" in res.get_json()["error"]["message"]
    assert "time" in res.get_json()["error"]["fields"]


def test_place_outside_the_area_is_refused_and_named(quarter: Quarter) -> None:
    before = _count(quarter.app, RideRequest)
    res = quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(9), dropoff=OUTSIDE))
    assert res.status_code == 422
    err = res.get_json()["error"]
    assert err["code"] == "outside_service_area"
    assert "Irgendwo im Wald" in err["fields"]["dropoff"]
    assert _count(quarter.app, RideRequest) == before


def test_wheelchair_without_a_wheelchair_place_is_unservable_with_reason(
        quarter: Quarter) -> None:
    res = quarter.resident(0).post("/api/v1/requests",
                                   ride(tomorrow_at(9), mobility_aids=["wheelchair"]))
    assert res.status_code == 201
    body = res.get_json()["request"]
    assert body["state"] == "unservable"
    assert body["reason"]["code"] == "no_wheelchair_vehicle"
    assert "Rollstuhl" in body["reason"]["text"]
    board = quarter.staff(quarter.coordinator).get("/api/v1/board").get_json()
    assert [r["id"] for r in board["unassigned"]] == [body["id"]]


def test_decline_passes_the_request_to_the_next_volunteer(quarter: Quarter) -> None:
    quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(11)))
    with quarter.app.app_context():
        first = db.session.scalar(select(Offer))
        first_vol, first_id = first.volunteer_id, first.id
    vol = next(v for v in quarter.volunteers if v.id == first_vol)
    other = next(v for v in quarter.volunteers if v.id != first_vol)
    assert quarter.staff(vol).post(f"/api/v1/offers/{first_id}/decline").status_code == 200
    offers = quarter.staff(other).get("/api/v1/offers").get_json()["offers"]
    assert len(offers) == 1
    # the second volunteer declines too: nobody is left
    assert quarter.staff(other).post(f"/api/v1/offers/{offers[0]['id']}/decline").status_code \
        == 200
    req = quarter.staff(quarter.coordinator).get(
        f"/api/v1/requests/{offers[0]['request']['id']}").get_json()["request"]
    assert req["state"] == "unservable"
    assert "abgelehnt" in req["reason"]["text"]


def test_return_ride_and_cancel(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    res = resident.post("/api/v1/requests", ride(tomorrow_at(8), return_after_minutes=60))
    out = res.get_json()["request"]
    assert out["return_id"] is not None
    back = resident.get(f"/api/v1/requests/{out['return_id']}").get_json()["request"]
    assert back["pickup"]["address"] == DEUTSCHE["address"]
    assert back["return_of"] == out["id"]
    assert back["state"] in {"offered", "unservable"}
    if back["planned_pickup"] and out["planned_dropoff"]:
        assert back["planned_pickup"] >= out["planned_dropoff"]
    res = resident.post(f"/api/v1/requests/{out['id']}/cancel")
    assert res.get_json()["request"]["state"] == "cancelled"
    back = resident.get(f"/api/v1/requests/{out['return_id']}").get_json()["request"]
    assert back["state"] == "cancelled"


def test_residents_see_only_their_own_requests(quarter: Quarter) -> None:
    rid = quarter.resident(0).post("/api/v1/requests",
                                   ride(tomorrow_at(9))).get_json()["request"]["id"]
    other = quarter.resident(1)
    assert other.get(f"/api/v1/requests/{rid}").status_code == 404
    assert other.get("/api/v1/requests").get_json()["requests"] == []
    assert other.post(f"/api/v1/requests/{rid}/cancel").status_code == 404


def test_coordinator_books_on_behalf_during_a_phone_call(quarter: Quarter) -> None:
    coord = quarter.staff(quarter.coordinator)
    res = coord.post("/api/v1/requests", ride(tomorrow_at(9),
                                               resident_id=quarter.residents[1].id))
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["request"]["resident"]["id"] == quarter.residents[1].id
    missing = coord.post("/api/v1/requests", ride(tomorrow_at(9)))
    assert missing.status_code == 422
    assert "resident_id" in missing.get_json()["error"]["fields"]


def test_not_logged_in_and_missing_csrf(quarter: Quarter) -> None:
    client = quarter.app.test_client()
    res = client.get("/api/v1/requests")
    assert res.status_code == 401
    assert res.get_json()["error"]["message"].startswith("Bitte melden")
    api = quarter.resident(0)
    res = api.client.post("/api/v1/requests", json=ride(tomorrow_at(9)))
    assert res.status_code == 400
    assert res.get_json()["error"]["code"] == "csrf"


def test_day_without_any_shift_is_unservable_with_a_plain_reason(quarter: Quarter) -> None:
    res = quarter.resident(0).post("/api/v1/requests",
                                   ride(tomorrow_at(9) + timedelta(days=2)))
    body = res.get_json()["request"]
    assert body["state"] == "unservable"
    assert body["reason"]["code"] in {"no_volunteer", "no_volunteer_on_shift"}
    assert "Dienst" in body["reason"]["text"]


def test_escort_waits_at_the_appointment_and_brings_the_person_back(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    res = resident.post("/api/v1/requests", ride(tomorrow_at(9), kind="ride_escort",
                                                  return_after_minutes=60))
    out = res.get_json()["request"]
    assert out["state"] == "offered"
    with quarter.app.app_context():
        from dispatch.models import TripStop

        drop = db.session.scalar(select(TripStop).where(TripStop.request_id == out["id"],
                                                        TripStop.kind == "dropoff"))
        wait_min = (drop.planned_departure - drop.planned_arrival).total_seconds() / 60
        back = db.session.scalar(select(TripStop).where(TripStop.request_id == out["return_id"],
                                                        TripStop.kind == "pickup"))
        assert wait_min >= 60  # the escort's hour at the doctor is service time
        assert back is not None
        assert back.planned_arrival >= drop.planned_departure
