"""A ride carries its own wishes about the volunteer (languages, same gender), recorded when
it is booked: the planner follows them, and a later change of the profile leaves rides
already planned alone. The resident gets her volunteer's phone number only while the
volunteer holds the ride."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy import update

from dispatch.extensions import db
from dispatch.models import AuditEntry
from dispatch.models import Offer
from dispatch.models import Person
from dispatch.models import RideRequest
from tests.invariants import violations
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def _stored(quarter: Quarter, rid: int) -> tuple[list[str] | None, str | None]:
    with quarter.app.app_context():
        req = db.session.get(RideRequest, rid)
        assert req is not None
        return req.languages, req.same_gender


def test_wishes_sent_with_a_booking_are_the_rides_and_the_planner_follows_them(
        quarter: Quarter) -> None:
    """Only the second volunteer speaks Turkish; only he is a man."""
    office = quarter.staff(quarter.coordinator)
    turkish = office.post("/api/v1/requests", ride(
        tomorrow_at(9), resident_id=quarter.residents[0].id, languages=["tr"]))
    assert turkish.status_code == 201, turkish.get_json()
    body = turkish.get_json()["request"]
    assert body["state"] == "offered", body
    assert body["offered_to"]["id"] == quarter.volunteers[1].id
    assert body["resident"]["needs"]["languages"] == ["tr"]
    assert _stored(quarter, body["id"]) == (["tr"], "none")

    man = office.post("/api/v1/requests", ride(
        tomorrow_at(14), resident_id=quarter.residents[1].id, same_gender="hard"))
    assert man.status_code == 201, man.get_json()
    assert man.get_json()["request"]["offered_to"]["id"] == quarter.volunteers[1].id
    assert _stored(quarter, man.get_json()["request"]["id"]) == (["de"], "hard")
    # the profiles are unchanged: the wishes were for these rides
    with quarter.app.app_context():
        person = db.session.get(Person, quarter.residents[0].id)
        assert person is not None
        assert person.resident is not None
        assert person.resident.languages == ["de"]
    assert violations(quarter.app) == []


def test_a_profile_change_leaves_planned_rides_alone_an_edit_of_the_ride_does_not(
        quarter: Quarter) -> None:
    office = quarter.staff(quarter.coordinator)
    resident_id = quarter.residents[0].id
    booked = office.post("/api/v1/requests", ride(tomorrow_at(9), resident_id=resident_id))
    rid = booked.get_json()["request"]["id"]
    assert _stored(quarter, rid) == (["de"], "none")

    changed = office.patch(f"/api/v1/residents/{resident_id}", {"languages": ["tr"]})
    assert changed.status_code == 200, changed.get_json()
    assert _stored(quarter, rid) == (["de"], "none")
    again = office.get(f"/api/v1/requests/{rid}").get_json()["request"]
    assert again["resident"]["needs"]["languages"] == ["de"]
    # the next booking takes the new profile
    later = office.post("/api/v1/requests", ride(tomorrow_at(15), resident_id=resident_id))
    assert _stored(quarter, later.get_json()["request"]["id"]) == (["tr"], "none")
    assert later.get_json()["request"]["offered_to"]["id"] == quarter.volunteers[1].id

    # the office changes the first ride itself: it is planned anew with the new wish
    edited = office.patch(f"/api/v1/requests/{rid}", {"same_gender": "hard"})
    assert edited.status_code == 200, edited.get_json()
    assert _stored(quarter, rid) == (["de"], "hard")
    assert edited.get_json()["request"]["offered_to"]["id"] == quarter.volunteers[0].id
    with quarter.app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "request.edited", AuditEntry.entity_id == rid)).one()
        assert entry.data["changes"] == {"same_gender": ["none", "hard"]}
    assert violations(quarter.app) == []


def test_a_wish_that_is_not_understood_is_a_field_message(quarter: Quarter) -> None:
    office = quarter.staff(quarter.coordinator)
    answer = office.post("/api/v1/requests", ride(
        tomorrow_at(9), resident_id=quarter.residents[0].id, same_gender="manchmal",
        languages=["x"]))
    assert answer.status_code == 422, answer.get_json()
    error = answer.get_json()["error"]
    assert error["field_codes"]["same_gender"]["code"] == "same_gender"
    assert "languages" in error["fields"]
    with quarter.app.app_context():
        assert db.session.scalar(select(RideRequest.id)) is None


def test_the_resident_gets_the_volunteers_number_only_while_the_ride_is_held(
        quarter: Quarter) -> None:
    with quarter.app.app_context():
        for i, v in enumerate(quarter.volunteers):
            db.session.execute(update(Person).where(Person.id == v.id)
                               .values(phone=f"0231 44400{i}"))
        db.session.commit()
    resident = quarter.resident(0)
    rid = resident.post("/api/v1/requests", ride(tomorrow_at(9))).get_json()["request"]["id"]
    offered = resident.get(f"/api/v1/requests/{rid}").get_json()["request"]
    assert offered["state"] == "offered"
    assert offered["volunteer"] is None
    assert "0231 444" not in str(offered)

    with quarter.app.app_context():
        offer = db.session.scalars(select(Offer).where(Offer.state == "open")).one()
        offer_id, vid = offer.id, offer.volunteer_id
    index = [v.id for v in quarter.volunteers].index(vid)
    volunteer = quarter.staff(quarter.volunteers[index])
    assert volunteer.post(f"/api/v1/offers/{offer_id}/accept").status_code == 200
    held = resident.get(f"/api/v1/requests/{rid}").get_json()["request"]
    assert held["volunteer"]["phone"] == f"0231 44400{index}"

    assert resident.post(f"/api/v1/requests/{rid}/cancel").status_code == 200
    ended = resident.get(f"/api/v1/requests/{rid}").get_json()["request"]
    assert ended["volunteer"] is None
    assert "0231 444" not in str(ended)
