"""Links that leave the app: the office calls a volunteer from the board (``tel:`` with the
number stored for her), and a volunteer's open stop opens the phone's navigation app at the
stop's own coordinates (``geo:``), for the pick-up and for the drop-off."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from dispatch.services.demo import VOLUNTEERS
from dispatch.services.demo import demo_phone
from tests.browser.conftest import NewContext
from tests.browser.conftest import address
from tests.browser.conftest import api_get
from tests.browser.conftest import csrf_post
from tests.browser.conftest import resident_named
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login
from tests.browser.test_live_flow import scroll_to
from tests.browser.test_volunteer_work import _wait
from tests.live import LiveServer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "pwa" / "static" / "i18n"
DE = json.loads((I18N / "de.json").read_text(encoding="utf-8"))
GEO = re.compile(r"geo:(-?\d+\.\d+),(-?\d+\.\d+)\?q=(-?\d+\.\d+),(-?\d+\.\d+)\((.*)\)")


def _stored_phones(live_server: LiveServer) -> dict[str, tuple[int, str]]:
    """E-mail -> (id, phone) of every person, read from the live server's own database."""
    path = live_server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT email, id, phone FROM people WHERE email IS NOT NULL")
        return {email: (pid, phone) for email, pid, phone in rows}


def test_the_board_calls_each_volunteer_at_the_number_stored_for_her(
        new_context: NewContext, live_server: LiveServer, artifacts: Path) -> None:
    office = new_context()
    staff_login(office, "koordination.eving@example.org")
    page = office.new_page()
    page.goto("/app/board?lang=de")
    expect(page.locator("#volunteer-list > li").first).to_be_visible(timeout=30_000)
    stored_phones = _stored_phones(live_server)
    eving = sorted(p.stem for p in (ROOT / "config" / "quarters").glob("*.toml")).index("eving")
    for vi, (first, *_) in enumerate(VOLUNTEERS):
        pid, stored = stored_phones[f"{first.lower()}.eving@example.org"]
        assert stored == demo_phone(eving, vi), (first, stored)  # the seed's number
        item = page.locator(f"#volunteer-list > li[data-volunteer-id='{pid}']")
        expect(item).to_have_count(1)
        call = item.locator("a[href^='tel:']")
        expect(call).to_have_count(1)
        expect(call).to_have_attribute("href", "tel:" + re.sub(r"[^\d+]", "", stored))
        expect(call.locator(".phone")).to_have_text(stored)  # the number as people write it
        expect(call).to_contain_text(first)
        expect(call.locator(".phone")).to_have_attribute("dir", "ltr")
    scroll_to(page.locator("#volunteer-list"))
    shot(page, artifacts, "board-volunteer-tel-de")


def _stop_of(trips: list[dict[str, Any]], request_id: int, kind: str) -> dict[str, Any]:
    return next(s for t in trips for s in t["stops"]
                if s["request_id"] == request_id and s["kind"] == kind)


def test_each_open_stop_navigates_to_its_own_coordinates(
        new_context: NewContext, artifacts: Path) -> None:
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    elfriede = resident_named(coordinator, "Elfriede")
    pickup, dropoff = address(coordinator, "Evinger Straße 209"), address(coordinator,
                                                                           "Delta Apotheke")
    day = date.today() + timedelta(days=3)
    rid = csrf_post(coordinator, "/api/v1/requests", {
        "kind": "ride", "pickup": pickup, "dropoff": dropoff,
        "time": f"{day.isoformat()}T09:20:00", "resident_id": elfriede["id"],
        "confirm_duplicate": True})["request"]["id"]
    try:
        offered = _wait(coordinator, rid, {"offered"})
        assert offered["state"] == "offered", (offered.get("reason"), offered)
        volunteer = new_context()
        staff_login(volunteer, f"{offered['offered_to']['first_name'].lower()}.eving@example.org")
        page = volunteer.new_page()
        page.goto("/app/volunteer?lang=de")
        offer_id = next(o["id"] for o in api_get(volunteer, "/api/v1/offers")["offers"]
                        if o["request"]["id"] == rid)
        offer = page.locator(f"#offer-list > li[data-offer-id='{offer_id}']")
        expect(offer).to_have_count(1, timeout=30_000)
        offer.get_by_role("button", name=DE["volunteer.accept"]).click()
        stops = page.locator(f"#stop-list > li[data-request-id='{rid}']")
        expect(stops).to_have_count(2)

        trips = api_get(volunteer, "/api/v1/trips/today")["trips"]
        for kind, place in (("pickup", pickup), ("dropoff", dropoff)):
            stop = _stop_of(trips, rid, kind)
            # the stop is where the ride was booked to start and end
            assert stop["lat"] == pytest.approx(place["lat"], abs=1e-5), (stop, place)
            assert stop["lon"] == pytest.approx(place["lon"], abs=1e-5), (stop, place)
            nav = page.locator(f"#stop-list > li[data-stop-id='{stop['id']}'] a[data-nav]")
            expect(nav).to_have_text(DE["volunteer.navigate"])
            href = nav.get_attribute("href") or ""
            m = GEO.fullmatch(href)
            assert m, href
            lat, lon, q_lat, q_lon, label = m.groups()
            for shown, stored in ((lat, stop["lat"]), (lon, stop["lon"]),
                                  (q_lat, stop["lat"]), (q_lon, stop["lon"])):
                assert float(shown) == pytest.approx(stored, abs=1e-5), (kind, href, stop)
            assert unquote(label) == stop["address"] == place["address"], (href, stop)
        scroll_to(stops.first)
        shot(page, artifacts, "volunteer-navigation-links-de")
    finally:
        csrf_post(coordinator, f"/api/v1/requests/{rid}/cancel", {})
