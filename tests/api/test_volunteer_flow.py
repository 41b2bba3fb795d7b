"""Volunteers on the way, coordinators steering: races, stop reports, hand-back, assign by hand."""

from __future__ import annotations

import threading

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import OfferState
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def _offer(quarter: Quarter) -> tuple[int, int]:
    with quarter.app.app_context():
        o = db.session.scalars(select(Offer).where(Offer.state == "open")).one()
        return o.id, o.volunteer_id


def test_two_accepts_at_the_same_moment_give_exactly_one_trip(quarter: Quarter) -> None:
    quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(9)))
    offer_id, vid = _offer(quarter)
    vol = next(v for v in quarter.volunteers if v.id == vid)
    phones = [quarter.staff(vol), quarter.staff(vol)]  # the same person on two devices
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def tap(api: object) -> None:
        barrier.wait()
        codes.append(api.post(f"/api/v1/offers/{offer_id}/accept").status_code)  # type: ignore[attr-defined]

    threads = [threading.Thread(target=tap, args=(p,)) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [200, 409]
    with quarter.app.app_context():
        states = list(db.session.scalars(select(Offer.state)))
    assert states == [OfferState.ACCEPTED.value]


def test_stop_reports_move_the_request_to_completed(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    rid = resident.post("/api/v1/requests", ride(tomorrow_at(9))).get_json()["request"]["id"]
    offer_id, vid = _offer(quarter)
    vol = quarter.staff(next(v for v in quarter.volunteers if v.id == vid))
    vol.post(f"/api/v1/offers/{offer_id}/accept")
    stops = vol.get("/api/v1/trips/today").get_json()["trips"][0]["stops"]
    pick, drop = stops[0]["id"], stops[1]["id"]
    wrong = vol.post(f"/api/v1/stops/{drop}/picked_up")
    assert wrong.status_code == 409
    assert "Abholung" in wrong.get_json()["error"]["message"]
    expected = [("arrived", pick, "en_route"), ("picked_up", pick, "picked_up"),
                ("dropped_off", drop, "completed")]
    for action, stop, state in expected:
        res = vol.post(f"/api/v1/stops/{stop}/{action}")
        assert res.status_code == 200, res.get_json()
        assert res.get_json()["request"]["state"] == state
        # the same report sent again (a queued one whose answer was lost) changes nothing
        again = vol.post(f"/api/v1/stops/{stop}/{action}")
        assert again.status_code == 200, again.get_json()
        assert again.get_json()["request"]["state"] == state
    assert resident.get(f"/api/v1/requests/{rid}").get_json()["request"]["state"] == "completed"
    # the other volunteer may not report on this trip
    other = quarter.staff(next(v for v in quarter.volunteers if v.id != vid))
    assert other.post(f"/api/v1/stops/{pick}/arrived").status_code == 404


def test_no_show_ends_the_request(quarter: Quarter) -> None:
    quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(9)))
    offer_id, vid = _offer(quarter)
    vol = quarter.staff(next(v for v in quarter.volunteers if v.id == vid))
    vol.post(f"/api/v1/offers/{offer_id}/accept")
    pick = vol.get("/api/v1/trips/today").get_json()["trips"][0]["stops"][0]["id"]
    res = vol.post(f"/api/v1/stops/{pick}/no_show")
    assert res.get_json()["request"]["state"] == "no_show"
    trips = vol.get("/api/v1/trips/today").get_json()["trips"]
    assert [s["kind"] for t in trips for s in t["stops"]] == ["pickup"]


def test_hand_back_offers_the_trip_to_someone_else(quarter: Quarter) -> None:
    rid = quarter.resident(0).post("/api/v1/requests",
                                   ride(tomorrow_at(9))).get_json()["request"]["id"]
    offer_id, vid = _offer(quarter)
    vol = quarter.staff(next(v for v in quarter.volunteers if v.id == vid))
    vol.post(f"/api/v1/offers/{offer_id}/accept")
    res = vol.post(f"/api/v1/requests/{rid}/hand-back")
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["request"]["state"] == "offered"
    _, new_vid = _offer(quarter)
    assert new_vid != vid


def test_coordinator_assigns_by_hand_or_hears_why_not(quarter: Quarter) -> None:
    coord = quarter.staff(quarter.coordinator)
    rid = quarter.resident(0).post("/api/v1/requests",
                                   ride(tomorrow_at(9))).get_json()["request"]["id"]
    _, vid = _offer(quarter)
    other = next(v for v in quarter.volunteers if v.id != vid)
    res = coord.post(f"/api/v1/requests/{rid}/assign", {"volunteer_id": other.id})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()["request"]
    assert (body["state"], body["volunteer"]["id"]) == ("accepted", other.id)
    # a wheelchair ride cannot go to a car without a wheelchair place
    wc = quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(12),
                                  mobility_aids=["wheelchair"])).get_json()["request"]["id"]
    res = coord.post(f"/api/v1/requests/{wc}/assign", {"volunteer_id": other.id})
    assert res.status_code == 422
    assert "Rollstuhl" in res.get_json()["error"]["message"]


def test_volunteer_switches_availability_and_adds_a_shift(quarter: Quarter) -> None:
    vol = quarter.staff(quarter.volunteers[0])
    res = vol.put("/api/v1/me/availability", {"available": False})
    assert res.get_json()["person"]["volunteer"]["available"] is False
    res = vol.post("/api/v1/me/shifts", {"starts_at": tomorrow_at(20).isoformat(),
                                         "ends_at": tomorrow_at(19).isoformat()})
    assert res.status_code == 422
    assert "Ende" in str(res.get_json()["error"]["fields"])
    # with one volunteer off, every new ride goes to the other one
    quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(9)))
    _, vid = _offer(quarter)
    assert vid == quarter.volunteers[1].id


def test_language_is_stored(quarter: Quarter) -> None:
    res = quarter.resident(0).patch("/api/v1/me", {"ui_language": "ar"})
    assert res.get_json()["person"]["ui_language"] == "ar"
    bad = quarter.resident(0).patch("/api/v1/me", {"ui_language": "xx"})
    assert bad.status_code == 422


def test_offer_filters_keep_unwanted_kinds_away(quarter: Quarter) -> None:
    first = quarter.staff(quarter.volunteers[0])
    res = first.put("/api/v1/me/offer-filters", {"kinds": ["escort_walk"], "days": []})
    assert res.get_json()["person"]["volunteer"]["offer_filters"]["kinds"] == ["escort_walk"]
    quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(9)))
    _, vid = _offer(quarter)
    assert vid == quarter.volunteers[1].id
    bad = first.put("/api/v1/me/offer-filters", {"days": [9]})
    assert bad.status_code == 422


def test_area_filter_and_expired_vetting_keep_offers_away(quarter: Quarter) -> None:
    # the first volunteer takes only pick-ups within 0.5 km of home; this one is 1 km away
    first = quarter.staff(quarter.volunteers[0])
    assert first.put("/api/v1/me/offer-filters", {"max_km": 0.5}).status_code == 200
    far = {"address": "Kemminghauser Straße 5", "lat": 51.5530, "lon": 7.4780}
    quarter.resident(1).post("/api/v1/requests", ride(tomorrow_at(9), pickup=far))
    _, vid = _offer(quarter)
    assert vid == quarter.volunteers[1].id
    # the second volunteer's vetting has expired: the next far ride finds nobody
    with quarter.app.app_context():
        from datetime import date
        from datetime import timedelta

        from dispatch.models import VolunteerProfile

        prof = db.session.get(VolunteerProfile, quarter.volunteers[1].id)
        prof.vetted_until = date.today() - timedelta(days=1)
        db.session.commit()
    res = quarter.resident(1).post("/api/v1/requests", ride(tomorrow_at(12), pickup=far))
    assert res.get_json()["request"]["state"] == "unservable"


def test_coordinator_edits_a_request_and_it_is_planned_anew(quarter: Quarter) -> None:
    coord = quarter.staff(quarter.coordinator)
    rid = quarter.resident(0).post("/api/v1/requests",
                                   ride(tomorrow_at(9))).get_json()["request"]["id"]
    res = coord.patch(f"/api/v1/requests/{rid}", {"time": tomorrow_at(13).isoformat(),
                                                  "notes": "Rollator kommt mit"})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()["request"]
    assert (body["time"], body["notes"], body["state"]) == (
        tomorrow_at(13).isoformat(), "Rollator kommt mit", "offered")
    assert body["planned_pickup"] >= tomorrow_at(13).isoformat()
    with quarter.app.app_context():
        states = sorted(db.session.scalars(select(Offer.state)))
    assert states == ["open", "withdrawn"]
    bad = coord.patch(f"/api/v1/requests/{rid}", {"passengers": 0})
    assert bad.status_code == 422


def test_office_records_a_volunteer_who_then_gets_offers(quarter: Quarter) -> None:
    coord = quarter.staff(quarter.coordinator)
    body = {"first_name": "Ayşe", "last_name": "Kaya", "email": "ayse@example.org",
            "password": "geheim-und-lang", "gender": "f", "languages": ["de", "tr"],
            "home": {"address": "Bergstraße 40", "lat": 51.5517, "lon": 7.4700},
            "vehicle_seats": 3, "wheelchair_places": 1, "vetted_until": "2030-01-01"}
    res = coord.post("/api/v1/volunteers", body)
    assert res.status_code == 201, res.get_json()
    person = res.get_json()["person"]
    assert person["volunteer"]["wheelchair_places"] == 1
    bad = coord.post("/api/v1/volunteers", {**body, "email": "nope", "password": "kurz"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) >= {"email", "password"}
    # she logs in, adds a shift and takes the wheelchair ride nobody else could
    from tests.quarter import Api

    ayse = Api(quarter.app.test_client())
    res = ayse.post("/api/v1/auth/login", {"email": "ayse@example.org",
                                           "password": "geheim-und-lang"})
    ayse.token = res.get_json()["csrf_token"]
    assert ayse.post("/api/v1/me/shifts", {"starts_at": tomorrow_at(7).isoformat(),
                                           "ends_at": tomorrow_at(15).isoformat()}
                     ).status_code == 201
    quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(9),
                                                      mobility_aids=["wheelchair"]))
    _, vid = _offer(quarter)
    assert vid == person["id"]
    resident_api = quarter.resident(0)
    assert resident_api.post("/api/v1/volunteers", body).status_code == 403
