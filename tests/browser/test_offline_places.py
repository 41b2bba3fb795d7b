"""Offline place search: the phone keeps its quarter's addresses and places (GET
/addresses/all, kept by the service worker). With no connection a resident who types
"Apotheke" gets the quarter's pharmacies with their street and district, books one, the
booking waits on the phone and is stored with that pharmacy's coordinates once sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import NewContext
from tests.browser.conftest import api_get
from tests.browser.conftest import csrf_post
from tests.browser.conftest import serious_violations
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login
from tests.browser.test_offline_queue import _ready_offline

pytestmark = pytest.mark.browser

I18N = Path(__file__).resolve().parents[2] / "pwa" / "static" / "i18n"
DE = json.loads((I18N / "de.json").read_text(encoding="utf-8"))


def _resident_at_home(coordinator: BrowserContext, first: str, quarter: str) -> None:
    """A new resident living at the first address of ``quarter`` in its kept list."""
    entries = api_get(coordinator, f"/api/v1/addresses/all?quarter={quarter}")["results"]
    home = next(x for x in entries if x["kind"] == "address" and x["quarter"] == quarter)
    csrf_post(coordinator, "/api/v1/residents", {
        "first_name": first, "last_name": "Offlineapotheke",
        "home": {"address": home["label"], "lat": home["lat"], "lon": home["lon"]}})


def _pharmacies(ctx: BrowserContext) -> list[dict[str, Any]]:
    """The pharmacies of the person's quarter, as the server gives them to keep."""
    entries = api_get(ctx, "/api/v1/addresses/all")["results"]
    return [x for x in entries if x["kind"] == "pharmacy"]


def _search_offline(page: Page, text: str) -> Any:
    page.get_by_role("button", name=DE["resident.book_ride"], exact=True).click()
    expect(page.locator("#booking")).to_be_visible()
    page.locator("#dropoff").press_sequentially(text, delay=30)
    options = page.locator("#dropoff-list > li.suggestion:not(.none)")
    expect(options.first).to_be_visible()
    return options


def _shows_each_with_street_and_district(options: Any, places: list[dict[str, Any]]) -> None:
    labels = [x.strip() for x in options.locator(".label").all_text_contents()]
    for place in places:
        assert place["street"], place
        assert place["district"], place
        item = options.filter(has=options.page.locator(".label", has_text=place["label"]))
        assert place["label"] in labels, (place["label"], labels)
        expect(item.first.locator(".detail")).to_have_text(
            f"{place['street']} · {place['district']}")


def test_offline_the_resident_finds_a_pharmacy_books_it_and_it_is_stored_with_its_place(
        new_context: NewContext, artifacts: Path) -> None:
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    _resident_at_home(coordinator, "Apollonia", "eving")
    resident = new_context()
    page = _ready_offline(resident, coordinator, "Apollonia")
    before = {r["id"] for r in api_get(resident, "/api/v1/requests")["requests"]}
    pharmacies = _pharmacies(resident)
    assert 3 <= len(pharmacies) <= 8, [p["label"] for p in pharmacies]
    delta = next(p for p in pharmacies if p["label"] == "Delta Apotheke")

    page.add_script_tag(url=f"{page.evaluate('location.origin')}/static/vendor/axe-core/axe.min.js")

    resident.set_offline(True)
    expect(page.locator("#net-status")).to_be_visible()
    options = _search_offline(page, "Apotheke")
    # every pharmacy of the quarter, each with the street and district it lies in
    _shows_each_with_street_and_district(options, pharmacies)
    expect(options).to_have_count(len(pharmacies))
    # chosen with the keyboard: the street and district stay readable on the highlight
    page.locator("#dropoff").press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    assert serious_violations(page) == []
    shot(page, artifacts, "offline-places-apotheke-de")

    options.filter(has=page.locator(".label", has_text="Delta Apotheke")).first.click()
    expect(page.locator("#dropoff")).to_have_value("Delta Apotheke")
    page.get_by_label(DE["booking.tomorrow"]).check()
    page.get_by_label(DE["booking.time"], exact=True).select_option("15:00")
    page.get_by_role("button", name=DE["booking.submit"]).click()
    pending = page.locator("#trip-list > li.pending")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("Delta Apotheke")
    (queued,) = page.evaluate("JSON.parse(localStorage.getItem('dispatch.outbox'))")
    assert queued["body"]["dropoff"] == {"address": "Delta Apotheke", "lat": delta["lat"],
                                         "lon": delta["lon"]}

    resident.set_offline(False)
    page.evaluate("import('/static/js/app.js').then((app) => app.flushOutbox())")
    expect(pending).to_have_count(0, timeout=30_000)
    new = [r for r in api_get(resident, "/api/v1/requests")["requests"] if r["id"] not in before]
    assert len(new) == 1, new
    stored = new[0]["dropoff"]
    assert stored["address"] == "Delta Apotheke"
    assert stored["lat"] == pytest.approx(delta["lat"], abs=1e-6), (stored, delta)
    assert stored["lon"] == pytest.approx(delta["lon"], abs=1e-6), (stored, delta)
    expect(page.locator(f"#trip-list > li[data-request-id='{new[0]['id']}']")).to_contain_text(
        "Delta Apotheke")
    csrf_post(resident, f"/api/v1/requests/{new[0]['id']}/cancel", {})


def test_offline_a_pharmacy_without_the_word_in_its_name_is_found_too(
        new_context: NewContext, artifacts: Path) -> None:
    """Marten's pharmacy "An der Wasserburg": online the server finds it by its kind; the list
    kept on the phone must carry the kind's search words, or offline it would be missing."""
    coordinator = new_context()
    staff_login(coordinator, "koordination.marten@example.org")
    _resident_at_home(coordinator, "Wilhelmine", "marten")
    resident = new_context()
    page = _ready_offline(resident, coordinator, "Wilhelmine")
    pharmacies = _pharmacies(resident)
    nameless = [p for p in pharmacies if "apotheke" not in p["label"].lower()]
    assert nameless, [p["label"] for p in pharmacies]
    online = api_get(resident, "/api/v1/addresses?q=Apotheke%20Marten&limit=30")["results"]
    assert {p["label"] for p in nameless} <= {x["label"] for x in online}

    resident.set_offline(True)
    expect(page.locator("#net-status")).to_be_visible()
    options = _search_offline(page, "Apotheke")
    _shows_each_with_street_and_district(options, pharmacies)
    shot(page, artifacts, "offline-places-apotheke-marten-de")
