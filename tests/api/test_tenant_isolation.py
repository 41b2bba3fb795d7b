"""Staff act only in their own quarter: a Marten coordinator cannot report an Eving stop."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models import TripStop
from tests.factories import make_staff
from tests.quarter import Quarter
from tests.quarter import login_staff
from tests.quarter import ride
from tests.quarter import tomorrow_at


def test_coordinator_of_another_quarter_cannot_report_a_stop(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    rid = resident.post("/api/v1/requests", ride(tomorrow_at(9))).get_json()["request"]["id"]
    with quarter.app.app_context():
        marten = make_staff(Role.COORDINATOR, "marten")
        db.session.commit()
        db.session.refresh(marten)
        db.session.expunge(marten)
        stop_id = db.session.scalar(select(TripStop.id).where(TripStop.request_id == rid,
                                                              TripStop.kind == "pickup"))
    other = login_staff(quarter.app, marten)
    for action in ("arrived", "picked_up", "no_show"):
        res = other.post(f"/api/v1/stops/{stop_id}/{action}")
        assert res.status_code == 404, res.get_json()
        assert res.get_json()["error"]["message"]
    own = quarter.staff(quarter.coordinator)
    assert own.post(f"/api/v1/stops/{stop_id}/arrived").status_code == 200
    with quarter.app.app_context():
        assert db.session.get(RideRequest, rid).state == "offered"
