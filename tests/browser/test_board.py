"""The coordinator board: phone bookings (known and new residents), login codes, assignment
by hand with the reason shown when it is not possible."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import NewContext
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login

pytestmark = pytest.mark.browser

DE = json.loads((Path(__file__).resolve().parents[2] / "pwa/static/i18n/de.json")
                .read_text(encoding="utf-8"))


def pick_address(page: Page, field: str, typed: str, choice: str) -> None:
    page.locator(field).press_sequentially(typed, delay=30)
    page.locator(f"{field}-list > li", has_text=choice).first.click()
    expect(page.locator(field)).to_have_value(choice)


@pytest.fixture
def board(new_context: NewContext) -> Page:
    ctx = new_context()
    staff_login(ctx, "koordination.eving@example.org")
    page = ctx.new_page()
    page.goto("/app/board?lang=de")
    expect(page.locator("#volunteer-list > li").first).to_be_visible()
    expect(page.locator("#ph-resident option")).not_to_have_count(1)  # residents loaded
    return page


def test_phone_booking_for_a_new_resident_with_a_login_code(board: Page,
                                                            artifacts: Path) -> None:
    page = board
    phone = page.locator("#phone")  # the register's profile form has the same labels
    expect(page.locator("[data-new-resident]")).to_be_visible()
    phone.get_by_label(DE["board.first_name"]).fill("Wilhelmine")
    phone.get_by_label(DE["board.last_name"]).fill("Probe")
    phone.get_by_label(DE["board.phone"], exact=True).fill("0231 123456")
    pick_address(page, "#ph-home", "Evinger Berg", "Evinger Berg 1")
    expect(page.locator("#phone [data-home-address]").first).to_contain_text("Evinger Berg 1")
    pick_address(page, "#ph-dropoff", "Evinger Pl", "Evinger Platz")
    page.locator("#phone").get_by_label(DE["booking.tomorrow"]).check()
    page.locator("#ph-time").select_option("15:00")
    # what the planner and the volunteer must know about her (issue item 1); a new resident's
    # wishes are her profile's, so the ride's own wishes are not asked
    new = page.locator("[data-new-resident]")
    expect(phone.locator("[data-ride-wishes]")).to_be_hidden()
    new.get_by_label(DE["board.gender"], exact=True).select_option("f")
    new.get_by_label("Türkçe").check()
    new.get_by_label(DE["board.same_gender"]).select_option("soft")
    new.get_by_label(DE["board.help_at_door"]).check()
    page.locator("#phone").get_by_label(DE["need.walker"], exact=True).check()
    shot(page, artifacts, "board-phone-booking-de")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/residents")
                              and r.request.method == "POST", timeout=60_000) as created:
        page.get_by_role("button", name=DE["board.book"]).click()
    assert created.value.status == 201, created.value.text()
    profile = created.value.json()["person"]["resident"]
    assert profile["mobility_aids"] == ["walker"]
    assert sorted(profile["languages"]) == ["de", "tr"]
    assert profile["same_gender"] == "soft"
    assert profile["help_at_door"] is True
    assert created.value.json()["person"]["gender"] == "f"
    result = page.locator("#phone-result")
    expect(result).to_contain_text(DE["board.booked"].split(".")[0])
    result.get_by_role("button",
                       name=DE["board.make_code_for"].format(name="Wilhelmine Probe")).click()
    expect(result.locator(".login-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    shot(page, artifacts, "board-login-code-de")
    # the new request is on the board (live), under her name
    expect(page.locator("#main").get_by_text("Wilhelmine").first).to_be_visible()


def test_phone_booking_for_a_known_resident_and_assignment_by_hand(board: Page) -> None:
    page = board
    page.get_by_label(DE["board.resident"], exact=True).select_option(label="Elfriede S")
    expect(page.locator("[data-new-resident]")).to_be_hidden()
    expect(page.locator("#phone [data-home-address]").first).to_contain_text("Evinger")
    pick_address(page, "#ph-dropoff", "Evinger Berg", "Evinger Berg 2")
    page.locator("#phone").get_by_label(DE["booking.other_day"]).check()
    # a day no other browser test books Elfriede on (the files share the demo people)
    page.locator("#ph-date").fill(_in_days(8))
    page.locator("#ph-time").select_option("09:00")
    # her walker is known (profile) and ticked; the coordinator adds a companion and a note
    phone = page.locator("#phone")
    expect(phone.get_by_label(DE["need.walker"], exact=True)).to_be_checked()
    expect(phone.get_by_label(DE["need.wheelchair"], exact=True)).not_to_be_checked()
    # her wishes (German; a woman preferred) are filled in from her profile for this ride
    wishes = phone.locator("[data-ride-wishes]")
    expect(wishes).to_be_visible()
    expect(wishes.get_by_label(DE["lang.de"])).to_be_checked()
    expect(wishes.get_by_label(DE["lang.tr"])).not_to_be_checked()
    expect(wishes.get_by_label(DE["board.same_gender"])).to_have_value("soft")
    phone.get_by_label(DE["booking.passengers"]).select_option("2")
    phone.get_by_label(DE["booking.notes"]).fill("Rollator, 2. Etage, bitte klingeln")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/requests")
                              and r.request.method == "POST", timeout=60_000) as booked:
        page.get_by_role("button", name=DE["board.book"]).click()
    assert booked.value.status == 201, booked.value.text()
    request_id = booked.value.json()["request"]["id"]
    sent = json.loads(booked.value.request.post_data or "{}")
    assert sent["mobility_aids"] == ["walker"]
    assert sent["passengers"] == 2
    assert (sent["languages"], sent["same_gender"]) == (["de"], "soft")
    stored = booked.value.json()["request"]
    assert stored["mobility_aids"] == ["walker"]
    assert stored["notes"] == "Rollator, 2. Etage, bitte klingeln"

    # the request is shown once: on the trip it is offered on, or (unservable) as unassigned
    card = page.locator(f"#unassigned-list > li[data-request-id='{request_id}'], "
                        f"#board-trips fieldset.trip-request[data-request-id='{request_id}']")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Elfriede")
    expect(card.locator(".needs")).to_contain_text(DE["need.walker"])
    expect(card.locator(".note")).to_have_text("Rollator, 2. Etage, bitte klingeln")
    # Jolanta does not drive: the board says why it cannot be done
    card.get_by_label(DE["board.volunteer"]).select_option(label="Jolanta")
    with page.expect_response(lambda r: r.url.endswith(f"/requests/{request_id}/assign"),
                              timeout=60_000) as r1:
        card.get_by_role("button", name=DE["board.assign"]).click()
    assert r1.value.status == 422
    reason = r1.value.json()["error"]["message"]
    expect(card.locator(".assign [role=status]")).to_have_text(reason)
    # Anna can: the request moves to her trip
    card.get_by_label(DE["board.volunteer"]).select_option(label="Anna")
    with page.expect_response(lambda r: r.url.endswith(f"/requests/{request_id}/assign"),
                              timeout=60_000) as r2:
        card.get_by_role("button", name=DE["board.assign"]).click()
    assert r2.value.ok, r2.value.text()
    trip = page.locator("#board-trips > li[data-trip-id]").filter(
        has_text=DE["board.trip_of"].format(name="Anna")).filter(
        has=page.locator(f"li[data-request-id='{request_id}']"))
    expect(trip).to_have_count(1)


def _in_days(days: int) -> str:
    from datetime import date
    from datetime import timedelta

    return (date.today() + timedelta(days=days)).isoformat()


def test_map_labels_show_data_as_text_never_as_html(board: Page) -> None:
    """A name or address that looks like HTML is shown as text in the map's tooltip."""
    label = '<img src=x onerror="window.__xss = 1"><b>Evinger Straße 209</b>'
    got = board.evaluate("""async (label) => {
        const { addPoint } = await import("/static/js/map.js");
        const div = document.createElement("div");
        div.style.height = "200px";
        document.body.append(div);
        const map = window.L.map(div).setView([51.5505, 7.4635], 15);
        map.dispatchLayers = { points: window.L.layerGroup().addTo(map) };
        const marker = addPoint(map, 51.5505, 7.4635, label);
        marker.openTooltip();
        await new Promise((done) => setTimeout(done, 300));
        const tip = marker.getTooltip().getElement();
        return { text: tip.textContent, elements: tip.querySelectorAll("img, b").length,
                 xss: window.__xss || 0 };
    }""", label)
    assert got == {"text": label, "elements": 0, "xss": 0}
