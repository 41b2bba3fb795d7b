"""A booking that repeats an open one of the same person is refused with a clear 409 unless the
person confirms it; a resident cannot book without end (SQLite and PostgreSQL)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import RideRequest
from tests.quarter import BERGSTR
from tests.quarter import DEUTSCHE
from tests.quarter import EVINGER_209
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def _count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(RideRequest)) or 0)


def _near(place: dict[str, object], metres_north: float) -> dict[str, object]:
    """The same place moved ``metres_north`` (and named a little differently)."""
    lat = float(place["lat"]) + metres_north / 111_320  # type: ignore[arg-type]
    return {**place, "address": f"{place['address']} (Eingang)", "lat": lat}


def test_the_same_ride_again_is_refused_naming_the_first_unless_confirmed(
        quarter: Quarter) -> None:
    resident = quarter.resident(0)
    first = resident.post("/api/v1/requests", ride(tomorrow_at(9), return_after_minutes=60))
    assert first.status_code == 201, first.get_json()
    first_id = first.get_json()["request"]["id"]

    # 10 minutes later, places 40 m away: the same ride
    again = resident.post("/api/v1/requests", ride(
        tomorrow_at(9, 10), pickup=_near(EVINGER_209, 40), dropoff=_near(DEUTSCHE, -40)))
    assert again.status_code == 409
    err = again.get_json()["error"]
    assert err["code"] == "likely_duplicate"
    assert err["message"].startswith("Diese Fahrt ist schon gebucht: ")
    assert "um 9:00 Uhr" in err["message"]
    assert "von „Evinger Straße 209“ nach „Deutsche Straße 10“" in err["message"]
    assert err["details"]["existing"]["id"] == first_id
    assert _count(quarter.app) == 2  # outward and return of the first booking

    # the way back at the time of the return ride is the return ride
    back = resident.post("/api/v1/requests", {**ride(tomorrow_at(10, 30)),
                                              "pickup": DEUTSCHE, "dropoff": EVINGER_209})
    assert back.status_code == 409, back.get_json()
    assert back.get_json()["error"]["details"]["existing"]["id"] != first_id

    # not the same: later than the window, another destination, another person
    later = resident.post("/api/v1/requests", ride(tomorrow_at(9, 20)))
    other_place = resident.post("/api/v1/requests", ride(tomorrow_at(9, 5), dropoff=BERGSTR))
    someone_else = quarter.resident(1).post("/api/v1/requests", ride(tomorrow_at(9)))
    assert [r.status_code for r in (later, other_place, someone_else)] == [201, 201, 201]

    # "Ja, trotzdem buchen"
    sure = resident.post("/api/v1/requests", ride(tomorrow_at(9, 10), confirm_duplicate=True))
    assert sure.status_code == 201, sure.get_json()
    assert _count(quarter.app) == 6


def test_a_cancelled_ride_may_be_booked_again_and_book_again_checks_too(
        quarter: Quarter) -> None:
    resident = quarter.resident(0)
    rid = resident.post("/api/v1/requests", ride(tomorrow_at(11))).get_json()["request"]["id"]
    assert resident.post(f"/api/v1/requests/{rid}/cancel").status_code == 200
    anew = resident.post("/api/v1/requests", ride(tomorrow_at(11)))
    assert anew.status_code == 201, anew.get_json()
    new_id = anew.get_json()["request"]["id"]

    same_time = resident.post(f"/api/v1/requests/{rid}/again",
                              {"time": tomorrow_at(11, 5).isoformat()})
    assert same_time.status_code == 409
    assert same_time.get_json()["error"]["details"]["existing"]["id"] == new_id
    confirmed = resident.post(f"/api/v1/requests/{rid}/again",
                              {"time": tomorrow_at(11, 5).isoformat(),
                               "confirm_duplicate": True})
    assert confirmed.status_code == 201, confirmed.get_json()

    # the office booking by phone gets the same question
    office = quarter.staff(quarter.coordinator)
    by_phone = office.post("/api/v1/requests", ride(tomorrow_at(11),
                                                    resident_id=quarter.residents[0].id))
    assert by_phone.status_code == 409
    assert by_phone.get_json()["error"]["code"] == "likely_duplicate"


def test_a_resident_books_at_most_ten_times_in_ten_minutes(quarter: Quarter) -> None:
    resident = quarter.resident(1)
    answers = [resident.post("/api/v1/requests", ride(tomorrow_at(7 + k // 2, 30 * (k % 2))))
               for k in range(10)]
    assert [a.status_code for a in answers] == [201] * 10, [a.get_json() for a in answers]
    too_many = resident.post("/api/v1/requests", ride(tomorrow_at(13)))
    assert too_many.status_code == 429
    err = too_many.get_json()["error"]
    assert err["code"] == "too_many_requests"
    assert err["message"].startswith("Sie haben in kurzer Zeit sehr viele Fahrten gebucht.")
    assert int(too_many.headers["Retry-After"]) > 0
    first_id = answers[0].get_json()["request"]["id"]
    again = resident.post(f"/api/v1/requests/{first_id}/again",
                          {"time": tomorrow_at(16).isoformat()})
    assert again.status_code == 429  # one count for both ways of booking
    assert _count(quarter.app) == 10
    # the office is not limited, nor is another resident
    office = quarter.staff(quarter.coordinator)
    by_phone = office.post("/api/v1/requests", ride(tomorrow_at(13),
                                                    resident_id=quarter.residents[1].id))
    assert by_phone.status_code == 201, by_phone.get_json()
    assert quarter.resident(0).post("/api/v1/requests",
                                    ride(tomorrow_at(13))).status_code == 201
