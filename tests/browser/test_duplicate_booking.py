"""The server finds a booking the phone did not know was a repeat (booked by the office, the
places a few metres apart): the resident reads which ride is booked already and can book it
anyway with one tap."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import expect

from tests.browser.conftest import NewContext
from tests.browser.conftest import address
from tests.browser.conftest import api_get
from tests.browser.conftest import csrf_post
from tests.browser.conftest import staff_login
from tests.browser.test_live_flow import DE
from tests.browser.test_live_flow import fill_booking
from tests.browser.test_live_flow import fill_booking_in_any_language
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.browser
I18N = Path(__file__).resolve().parents[2] / "pwa" / "static" / "i18n"
CATALOGUES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in I18N.glob("*.json")}
HOME = {"address": "Evinger Straße 209", "lat": 51.55051, "lon": 7.46352}


def _booked_by_the_office(office: BrowserContext, first: str, last: str, when: datetime,
                          pickup: str, dropoff: str) -> dict[str, Any]:
    """A new resident of Evinger Straße 209 with a ride to Evinger Platz booked by the office
    (the places named ``pickup`` and ``dropoff``); the person."""
    staff_login(office, "koordination.eving@example.org")
    person: dict[str, Any] = csrf_post(office, "/api/v1/residents", {
        "first_name": first, "last_name": last, "quarter": "eving", "home": HOME})["person"]
    square = address(office, "Evinger Platz")
    csrf_post(office, "/api/v1/requests", {
        "kind": "ride", "resident_id": person["id"], "time_mode": "pickup_after",
        "time": when.isoformat(), "pickup": {**HOME, "address": pickup},
        "dropoff": {**square, "address": dropoff}})
    return person


def test_a_repeat_found_by_the_server_is_explained_and_can_be_booked_anyway(
        new_context: NewContext) -> None:
    office = new_context()
    # the office booked it by phone, with its own words for the places
    person = _booked_by_the_office(office, "Irmgard", "Test", tomorrow_at(10, 5),
                                   "Haustür", "Platz, Eingang Nord")
    code = csrf_post(office, f"/api/v1/residents/{person['id']}/login-code", {})["code"]
    resident = new_context()
    page = resident.new_page()
    page.goto(f"/login?code={code}&lang=de")
    page.wait_for_url(re.compile(r"/app/resident"))  # after the load: the new page's scripts run

    fill_booking(page, "Evinger Platz")
    page.get_by_role("button", name=DE["booking.submit"]).click()
    box = page.locator("#booking-duplicate")
    expect(box).to_be_visible()
    expect(box).to_contain_text("Diese Fahrt ist schon gebucht: ")
    expect(box).to_contain_text("um 10:05 Uhr von „Haustür“ nach „Platz, Eingang Nord“")
    assert len(api_get(resident, "/api/v1/requests")["requests"]) == 1

    with page.expect_response(lambda r: r.url.endswith("/api/v1/requests")
                              and r.request.method == "POST", timeout=60_000) as sent:
        box.get_by_role("button", name=DE["booking.duplicate_anyway"]).click()
    assert sent.value.status == 201
    assert sent.value.request.post_data_json["confirm_duplicate"] is True
    expect(page.locator("#trip-list > li[data-request-id]")).to_have_count(2)


def test_the_office_is_told_of_a_repeat_on_the_phone_and_can_book_it_anyway(
        new_context: NewContext) -> None:
    """On the board: the same ride again for a known resident is explained in the result
    banner; "book anyway" books it with one more tap."""
    office = new_context()
    person = _booked_by_the_office(office, "Hedwig", "Zweimal", tomorrow_at(11),
                                   HOME["address"], "Evinger Platz")
    page = office.new_page()
    page.goto("/app/board?lang=de")
    expect(page.locator(f"#ph-resident option[value='{person['id']}']")).to_be_attached()
    page.locator("#ph-resident").select_option(str(person["id"]))
    page.locator("#ph-dropoff").press_sequentially("Evinger Pl", delay=30)
    page.locator("#ph-dropoff-list > li", has_text="Evinger Platz").first.click()
    page.locator("#phone").get_by_label(DE["booking.tomorrow"]).check()
    page.locator("#ph-time").select_option("11:00")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/requests")
                              and r.request.method == "POST", timeout=60_000) as first:
        page.get_by_role("button", name=DE["board.book"]).click()
    assert first.value.status == 409
    banner = page.locator("#phone-result")
    expect(banner).to_contain_text("Diese Fahrt ist schon gebucht: ")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/requests")
                              and r.request.method == "POST", timeout=60_000) as again:
        banner.get_by_role("button", name=DE["booking.duplicate_anyway"]).click()
    assert again.value.status == 201, again.value.text()
    assert again.value.request.post_data_json["confirm_duplicate"] is True
    mine = [r for r in api_get(office, "/api/v1/requests")["requests"]
            if r["resident"]["id"] == person["id"]]
    assert len(mine) == 2


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_a_repeat_is_named_in_the_page_language(new_context: NewContext, lang: str) -> None:
    """Not only "already booked": when, from where and to where, in her language."""
    office = new_context()
    person = _booked_by_the_office(office, f"Ilse{lang}", "Test", tomorrow_at(10, 5),
                                   "Haustür", "Platz, Eingang Nord")
    code = csrf_post(office, f"/api/v1/residents/{person['id']}/login-code", {})["code"]
    page = new_context(lang=lang).new_page()
    page.goto(f"/login?code={code}&lang={lang}")
    page.wait_for_url(re.compile(r"/app/resident"))
    page.goto(f"/app/resident?lang={lang}")  # her language from now on (a new resident)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    fill_booking_in_any_language(page)
    page.locator("#booking button[type=submit]").click()
    box = page.locator("#booking-duplicate")
    expect(box).to_be_visible()
    start = CATALOGUES[lang]["booking.duplicate_of"].split("{when}")[0]
    expect(box).to_contain_text(start)
    expect(box).to_contain_text("10:05")
    expect(box).to_contain_text("Haustür")
    expect(box).to_contain_text("Platz, Eingang Nord")
    expect(box).not_to_contain_text("schon gebucht")
    # the demo volunteers' hours of the week are shared by the other tests
    for r in api_get(office, "/api/v1/requests")["requests"]:
        if (r.get("resident") or {}).get("id") == person["id"]:
            csrf_post(office, f"/api/v1/requests/{r['id']}/cancel", {})
