"""What the coordinator desk and the volunteer face need from the API (issue 12), on SQLite and
PostgreSQL: each request once on the board, profile editing, deleting a time on duty, the
quarter's address list for offline search, and error codes beside the German text."""

from __future__ import annotations

from dispatch.api.errors import ERROR_CODES
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def test_offered_request_once_on_the_board_and_shifts_deleted_only_when_free(
        quarter: Quarter) -> None:
    booked = quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(9)))
    assert booked.status_code == 201, booked.get_json()
    rid = booked.get_json()["request"]["id"]
    assert booked.get_json()["request"]["state"] == "offered"
    board = quarter.staff(quarter.coordinator).get("/api/v1/board").get_json()
    assert rid not in [r["id"] for r in board["unassigned"]]
    on_trips = [s for t in board["trips"] for s in t["stops"] if s["request_id"] == rid]
    assert {s["kind"] for s in on_trips} == {"pickup", "dropoff"}
    assert {s["request_state"] for s in on_trips} == {"offered"}
    # a time on duty with a ride planned in it stays; a free one can be deleted
    holder_id = next(t["volunteer"]["id"] for t in board["trips"]
                     if any(s["request_id"] == rid for s in t["stops"]))
    holder = quarter.staff(next(v for v in quarter.volunteers if v.id == holder_id))
    busy = next(s for s in holder.get("/api/v1/me/shifts").get_json()["shifts"])
    refused = holder.client.delete(f"/api/v1/me/shifts/{busy['id']}",
                                   headers={"X-CSRFToken": holder.token})
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["error"]["code"] in ERROR_CODES
    free = holder.post("/api/v1/me/shifts", {"starts_at": tomorrow_at(19).isoformat(),
                                             "ends_at": tomorrow_at(21).isoformat()})
    free_id = free.get_json()["shift"]["id"]
    gone = holder.client.delete(f"/api/v1/me/shifts/{free_id}",
                                headers={"X-CSRFToken": holder.token})
    assert gone.status_code == 200, gone.get_json()
    left = {s["id"] for s in holder.get("/api/v1/me/shifts").get_json()["shifts"]}
    assert free_id not in left
    assert busy["id"] in left


def test_the_office_edits_a_profile_and_the_quarter_address_list(quarter: Quarter) -> None:
    coordinator = quarter.staff(quarter.coordinator)
    rid = quarter.residents[0].id
    res = coordinator.patch(f"/api/v1/residents/{rid}", {
        "phone": "0231 444555", "mobility_aids": ["wheelchair"], "same_gender": "hard",
        "help_at_door": True, "notes": "Klingel defekt, bitte klopfen",
        "home": {"address": "Bergstraße 40", "lat": 51.5517, "lon": 7.4700}})
    assert res.status_code == 200, res.get_json()
    person = res.get_json()["person"]
    assert person["phone"] == "0231 444555"
    assert person["resident"]["mobility_aids"] == ["wheelchair"]
    assert person["resident"]["same_gender"] == "hard"
    assert person["resident"]["notes"] == "Klingel defekt, bitte klopfen"
    assert person["resident"]["home"]["address"] == "Bergstraße 40"
    listed = coordinator.get("/api/v1/residents?q=444555").get_json()["residents"]
    assert [r["id"] for r in listed] == [rid]
    # the planner uses the new needs at once: the next booking carries the wheelchair
    booked = quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(10)))
    assert booked.get_json()["request"]["mobility_aids"] == ["wheelchair"]
    bad = coordinator.patch(f"/api/v1/residents/{rid}", {"same_gender": "vielleicht"})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["code"] == "validation_error"
    assert "same_gender" in bad.get_json()["error"]["fields"]
    volunteer = quarter.staff(quarter.volunteers[0])
    assert volunteer.patch(f"/api/v1/residents/{rid}", {"phone": "1"}).status_code == 403

    # the quarter's address list, kept by the phone for searching offline
    resident = quarter.resident(0)
    res = resident.get("/api/v1/addresses/all")
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["quarter"] == "eving"
    rows = body["results"]
    assert len(rows) > 500
    assert {r["quarter"] for r in rows} == {"eving"}
    labels = {r["label"] for r in rows}
    assert "Evinger Straße 209" in labels
    places = [r for r in rows if r["kind"] not in ("address", "street")]
    assert places
    assert all(r["street"] for r in places)
    # a search result for a place names its street and district too
    hit = resident.get("/api/v1/addresses?q=Apotheke").get_json()["results"][0]
    assert hit["street"]
    assert hit["district"]
    assert resident.get("/api/v1/addresses/all?quarter=atlantis").status_code == 404
