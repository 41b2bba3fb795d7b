"""A resident's data rights: export, erase, deactivate; old rides anonymised; the audit log
names who acted (a person, a link, the system) with the values before and after."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import AuditEntry
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models import TripStop
from dispatch.services.clock import local_now
from dispatch.services.privacy import ERASED
from dispatch.services.privacy import apply_retention
from tests.factories import make_request
from tests.factories import make_staff
from tests.quarter import DEUTSCHE
from tests.quarter import Quarter
from tests.quarter import login_staff
from tests.quarter import ride
from tests.quarter import tomorrow_at


def test_a_resident_and_the_office_can_export_everything(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    rid = resident.post("/api/v1/requests", ride(tomorrow_at(9), notes="Rollator")
                        ).get_json()["request"]["id"]
    mine = resident.get("/api/v1/me/export").get_json()
    assert [r["id"] for r in mine["rides"]] == [rid]
    assert mine["rides"][0]["notes"] == "Rollator"
    assert mine["profile"]["home_address"]
    assert {s["kind"] for s in mine["stops"]} == {"pickup", "dropoff"}
    assert any(a["action"] == "request.created" for a in mine["audit"])
    office = quarter.staff(quarter.coordinator)
    rid0 = quarter.residents[0].id
    assert office.get(f"/api/v1/residents/{rid0}/export").get_json()["person"]["id"] == rid0
    with quarter.app.app_context():
        marten = make_staff(Role.COORDINATOR, "marten")
        db.session.commit()
        db.session.refresh(marten)
        db.session.expunge(marten)
    assert login_staff(quarter.app, marten).get(
        f"/api/v1/residents/{rid0}/export").status_code == 404
    assert quarter.staff(quarter.volunteers[0]).get(
        f"/api/v1/residents/{rid0}/export").status_code == 404


def test_erase_anonymises_but_keeps_the_counts(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    rid = resident.post("/api/v1/requests", ride(tomorrow_at(9), notes="Dialyse")
                        ).get_json()["request"]["id"]
    office = quarter.staff(quarter.coordinator)
    pid = quarter.residents[0].id
    assert resident.post(f"/api/v1/residents/{pid}/erase").status_code == 403  # the office
    res = office.post(f"/api/v1/residents/{pid}/erase")
    assert res.status_code == 200, res.get_json()
    assert resident.get("/api/v1/me").status_code == 401  # her session has ended
    with quarter.app.app_context():
        person = db.session.get(Person, pid)
        assert (person.first_name, person.phone, person.active) == (ERASED, None, False)
        assert person.resident.home_address == ERASED
        req = db.session.get(RideRequest, rid)
        assert req.state == "cancelled"  # an open ride ends with the person
        assert (req.pickup_address, req.notes, req.kind) == (ERASED, "", "ride")
        assert round(req.dropoff_lat, 2) == req.dropoff_lat
        assert db.session.scalar(select(func.count()).select_from(RideRequest)) == 1


def test_deactivate_cancels_open_rides_and_ends_sessions(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    rid = resident.post("/api/v1/requests", ride(tomorrow_at(9))).get_json()["request"]["id"]
    office = quarter.staff(quarter.coordinator)
    pid = quarter.residents[0].id
    assert office.post(f"/api/v1/residents/{pid}/deactivate").status_code == 200
    assert resident.get("/api/v1/me").status_code == 401
    with quarter.app.app_context():
        assert db.session.get(RideRequest, rid).state == "cancelled"
        assert db.session.get(Person, pid).first_name != ERASED  # the data stays
        assert db.session.scalar(select(func.count()).select_from(TripStop)) == 0


def test_retention_anonymises_only_old_finished_rides(quarter: Quarter) -> None:
    settings = quarter.app.config["SETTINGS"]
    with quarter.app.app_context():
        person = db.session.get(Person, quarter.residents[0].id)
        old = local_now() - timedelta(days=settings.service.retention_days + 3)
        ancient = make_request(person, when=old, state="completed", notes="Dialyse")
        recent = make_request(person, when=local_now() - timedelta(days=2), state="completed",
                              notes="Augenarzt")
        db.session.commit()
        ids = ancient.id, recent.id
        assert apply_retention(settings) == 1
        assert apply_retention(settings) == 0  # once is enough
        a, r = db.session.get(RideRequest, ids[0]), db.session.get(RideRequest, ids[1])
        assert (a.pickup_address, a.notes, a.state) == (ERASED, "", "completed")
        assert r.notes == "Augenarzt"


def test_audit_names_the_link_and_the_values_before_and_after(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    rid = resident.post("/api/v1/requests", ride(tomorrow_at(9))).get_json()["request"]["id"]
    office = quarter.staff(quarter.coordinator)
    res = office.patch(f"/api/v1/requests/{rid}", {"dropoff": DEUTSCHE | {"address": "Neu 1"},
                                                   "passengers": 2})
    assert res.status_code == 200, res.get_json()
    path = resident.post(f"/api/v1/requests/{rid}/links").get_json()["cancel"].split(
        "localhost", 1)[1]
    assert quarter.app.test_client().post(path).status_code == 200
    with quarter.app.app_context():
        edited = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "request.edited"))
        assert edited.data["changes"]["passengers"] == [1, 2]
        assert edited.data["changes"]["dropoff"][1][0] == "Neu 1"
        cancelled = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "request.cancelled"))
        assert (cancelled.actor_id, cancelled.actor_label) == (None, "link")
