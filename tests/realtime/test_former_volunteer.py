"""A volunteer who declined a request hears nothing more of it (its pushes carry the needs)."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.extensions import socketio
from dispatch.models import Offer
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def test_declined_volunteer_gets_no_more_request_updates(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    rid = resident.post("/api/v1/requests", ride(tomorrow_at(9))).get_json()["request"]["id"]
    with quarter.app.app_context():
        offer = db.session.scalar(select(Offer).where(Offer.request_id == rid))
        assert offer is not None
        offer_id, first = offer.id, offer.volunteer_id
    volunteer = next(v for v in quarter.volunteers if v.id == first)
    api = quarter.staff(volunteer)
    assert api.post(f"/api/v1/offers/{offer_id}/decline").status_code == 200
    live = socketio.test_client(quarter.app, flask_test_client=api.client)
    live.get_received()  # the snapshot
    coord = quarter.staff(quarter.coordinator)
    res = coord.patch(f"/api/v1/requests/{rid}", {"notes": "Rollator, bitte klingeln."})
    assert res.status_code == 200, res.get_json()
    got = [e for e in live.get_received() if e["name"] == "request.updated"]
    assert got == [], got
    assert api.get(f"/api/v1/requests/{rid}").status_code == 404
    live.disconnect()
