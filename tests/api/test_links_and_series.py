"""One-click links without log-in, weekly standing rides, the printable day sheet, OpenAPI."""

from __future__ import annotations

from datetime import timedelta

from dispatch.pwa_views import catalogue
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def test_caregiver_cancels_with_a_signed_link(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    rid = resident.post("/api/v1/requests", ride(tomorrow_at(9))).get_json()["request"]["id"]
    links = resident.post(f"/api/v1/requests/{rid}/links").get_json()
    anonymous = quarter.app.test_client()
    path = links["cancel"].split("localhost", 1)[1]
    shown = anonymous.get(path).get_json()
    assert shown["action"] == "cancel"
    assert shown["request"]["id"] == rid
    res = anonymous.post(path)
    assert res.status_code == 200
    assert res.get_json()["request"]["state"] == "cancelled"
    again = anonymous.post(path)  # a link works once
    assert again.status_code == 410
    assert "schon benutzt" in again.get_json()["error"]["message"]
    forged = anonymous.post(path[:-3] + "abc")
    assert forged.status_code == 410
    assert "ungültig" in forged.get_json()["error"]["message"]


def test_weekly_standing_ride_is_booked_four_weeks_ahead(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    res = resident.post("/api/v1/requests", ride(tomorrow_at(9), repeat_weekly=True))
    series = res.get_json()["request"]["series_id"]
    assert series
    rows = resident.get("/api/v1/requests").get_json()["requests"]
    times = sorted(r["time"] for r in rows if r["series_id"] == series)
    assert times == [(tomorrow_at(9) + timedelta(weeks=w)).isoformat() for w in range(4)]


def test_day_sheet_prints_the_trip(quarter: Quarter) -> None:
    quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(9)))
    sheets = []
    for v in quarter.volunteers:
        api = quarter.staff(v)
        offers = api.get("/api/v1/offers").get_json()["offers"]
        if offers:
            api.post(f"/api/v1/offers/{offers[0]['id']}/accept")
            trip = api.get("/api/v1/trips/today").get_json()["trips"][0]
            sheets.append(api.get(f"/print/trips/{trip['id']}"))
    assert len(sheets) == 1
    html = sheets[0].get_data(as_text=True)
    assert "Tagesplan" in html
    assert "Abholen" in html
    assert "Evinger Straße 209" in html or "Teststraße" in html


def test_day_sheet_is_in_the_reader_s_language_with_aids_in_words_and_the_phone_when_held(
        quarter: Quarter) -> None:
    """Polish for a Polish reader; "walker" printed as the word; the resident's number only
    once the volunteer holds the ride (before, the row says it is not accepted yet); data is
    escaped."""
    office = quarter.staff(quarter.coordinator)
    assert office.patch(f"/api/v1/residents/{quarter.residents[0].id}",
                        {"phone": "0231 424242"}).status_code == 200
    booked = quarter.resident(0).post("/api/v1/requests", ride(
        tomorrow_at(9), mobility_aids=["walker"], notes="<b>bitte klingeln</b>"))
    assert booked.status_code == 201, booked.get_json()
    holder, offer = next((api, offers[0]) for api in map(quarter.staff, quarter.volunteers)
                         if (offers := api.get("/api/v1/offers").get_json()["offers"]))
    trip = holder.get("/api/v1/trips/today").get_json()["trips"][0]

    before = office.get(f"/print/trips/{trip['id']}?lang=de").get_data(as_text=True)
    assert "Abholen (noch nicht angenommen)" in before
    assert "424242" not in before
    assert holder.post(f"/api/v1/offers/{offer['id']}/accept").status_code == 200

    sheet = holder.get(f"/print/trips/{trip['id']}?lang=pl")
    html = sheet.get_data(as_text=True)
    assert '<html lang="pl" dir="ltr">' in html
    assert catalogue("pl")["sheet.title"] in html
    assert catalogue("pl")["stop.pickup"] in html
    assert catalogue("de")["sheet.title"] not in html
    assert catalogue("pl")["need.walker"] in html  # the walker, in words
    assert "walker" not in html
    assert "0231 424242" in html
    assert catalogue("pl")["sheet.not_accepted"] not in html
    assert "<b>bitte" not in html
    assert "&lt;b&gt;bitte klingeln&lt;/b&gt;" in html
    arabic = holder.get(f"/print/trips/{trip['id']}?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in arabic


def test_openapi_document_comes_from_the_schemas(quarter: Quarter) -> None:
    doc = quarter.app.test_client().get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/requests" in doc["paths"]
    body = doc["paths"]["/api/v1/requests"]["post"]["requestBody"]
    schema_ref = body["content"]["application/json"]["schema"]["$ref"]
    name = schema_ref.rsplit("/", 1)[1]
    assert {"kind", "pickup", "dropoff", "time"} <= set(doc["components"]["schemas"][name][
        "required"])
