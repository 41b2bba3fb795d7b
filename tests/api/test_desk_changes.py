"""The desk changes a ride: an override of a refusal about time (with a reason; hard rules
stay hard), and an edit of the aids that the plan follows."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.matching.forced import FORCEABLE
from dispatch.models import AuditEntry
from tests.invariants import violations
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def test_a_ride_past_the_shift_end_is_assigned_only_with_a_reason(quarter: Quarter) -> None:
    office = quarter.staff(quarter.coordinator)
    late = office.post("/api/v1/requests", ride(tomorrow_at(17, 58),
                                                resident_id=quarter.residents[0].id))
    assert late.status_code == 201, late.get_json()
    rid = late.get_json()["request"]["id"]
    assert late.get_json()["request"]["state"] == "unservable", late.get_json()
    vid = quarter.volunteers[0].id

    refused = office.post(f"/api/v1/requests/{rid}/assign", {"volunteer_id": vid})
    assert refused.status_code == 422, refused.get_json()
    error = refused.get_json()["error"]
    assert error["details"]["reason"] in FORCEABLE, error
    assert error["details"]["forceable"] is True

    too_short = office.post(f"/api/v1/requests/{rid}/assign",
                            {"volunteer_id": vid, "force_reason": "x"})
    assert too_short.status_code == 422
    assert too_short.get_json()["error"]["field_codes"]["force_reason"]["code"] == "force_reason"

    forced = office.post(f"/api/v1/requests/{rid}/assign", {
        "volunteer_id": vid, "force_reason": "Am Telefon so vereinbart"})
    assert forced.status_code == 200, forced.get_json()
    assert forced.get_json()["request"]["state"] == "accepted"
    with quarter.app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "request.assigned", AuditEntry.entity_id == rid)).one()
        assert entry.data["forced"] is True
        assert entry.data["reason"] == "Am Telefon so vereinbart"
        assert violations(quarter.app) == []

    # the next booking of the day plans around the forced ride
    after = office.post("/api/v1/requests",
                        ride(tomorrow_at(9), resident_id=quarter.residents[1].id))
    assert after.status_code == 201, after.get_json()
    assert after.get_json()["request"]["state"] == "offered", after.get_json()
    with quarter.app.app_context():
        assert violations(quarter.app) == []


def test_a_hard_rule_is_not_lifted_by_a_reason(quarter: Quarter) -> None:
    office = quarter.staff(quarter.coordinator)
    booked = office.post("/api/v1/requests", ride(
        tomorrow_at(10), resident_id=quarter.residents[0].id, mobility_aids=["wheelchair"]))
    assert booked.status_code == 201, booked.get_json()
    rid = booked.get_json()["request"]["id"]
    answer = office.post(f"/api/v1/requests/{rid}/assign", {
        "volunteer_id": quarter.volunteers[0].id, "force_reason": "Am Telefon so vereinbart"})
    assert answer.status_code == 422, answer.get_json()
    error = answer.get_json()["error"]
    assert error["details"]["reason"] not in FORCEABLE
    assert error["details"]["forceable"] is False


def test_an_edit_adds_a_wheelchair_and_the_plan_follows(quarter: Quarter) -> None:
    """Neither volunteer of this quarter has a wheelchair place: the ride becomes unservable,
    with the wheelchair as its reason (the edit is planned anew, not kept on its car)."""
    office = quarter.staff(quarter.coordinator)
    booked = office.post("/api/v1/requests", ride(tomorrow_at(10),
                                                  resident_id=quarter.residents[0].id))
    assert booked.get_json()["request"]["state"] == "offered", booked.get_json()
    rid = booked.get_json()["request"]["id"]
    edited = office.patch(f"/api/v1/requests/{rid}", {"mobility_aids": ["wheelchair"]})
    assert edited.status_code == 200, edited.get_json()
    req = edited.get_json()["request"]
    assert req["mobility_aids"] == ["wheelchair"]
    assert req["state"] == "unservable", req
    assert req["reason"]["code"] == "no_wheelchair_vehicle", req
    with quarter.app.app_context():
        assert violations(quarter.app) == []
    bad = office.patch(f"/api/v1/requests/{rid}", {"mobility_aids": ["jetpack"]})
    assert bad.status_code == 422
