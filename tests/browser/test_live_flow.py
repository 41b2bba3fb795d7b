"""Acceptance (1): a resident books on a phone, a volunteer's page gets the offer live and
accepts, the resident's page shows the update live, the coordinator board shows the trip.
Also: a booking made offline is kept on the phone, shown as pending, and sent when the
connection returns."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import NewContext
from tests.browser.conftest import csrf_patch
from tests.browser.conftest import csrf_post
from tests.browser.conftest import resident_login_code
from tests.browser.conftest import serious_violations
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login

pytestmark = pytest.mark.browser

I18N = Path(__file__).resolve().parents[2] / "pwa" / "static" / "i18n"
CATALOGUES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in I18N.glob("*.json")}
DE = CATALOGUES["de"]


def mark_page(page: Page) -> None:
    """Put a marker into the page's JS world; it survives live updates but not a reload."""
    page.evaluate("window.__noReload = true")


def scroll_to(locator: Locator) -> None:
    """Scroll a live list item into view (the list may be re-drawn by a push meanwhile)."""
    for _ in range(10):
        try:
            locator.scroll_into_view_if_needed(timeout=1_000)
            return
        except PlaywrightError:
            time.sleep(0.2)
    locator.scroll_into_view_if_needed()


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__noReload === true"), "the page was reloaded"


@pytest.fixture
def only_anna_drives(new_context: NewContext) -> Iterator[None]:
    """Mehmet (the other driver) is unavailable during the test, so the offer goes to Anna."""
    mehmet = new_context()
    staff_login(mehmet, "mehmet.eving@example.org")

    def set_available(on: bool) -> None:
        token = mehmet.request.get("/api/v1/auth/csrf").json()["csrf_token"]
        resp = mehmet.request.put("/api/v1/me/availability", data=json.dumps({"available": on}),
                                  headers={"Content-Type": "application/json",
                                           "X-CSRFToken": token})
        assert resp.ok, resp.text()

    set_available(False)
    yield
    set_available(True)


def login_resident(ctx: BrowserContext, coordinator: BrowserContext, first_name: str) -> Page:
    """The resident opens the link with the one-time code from the coordinator."""
    code = resident_login_code(coordinator, first_name)
    page = ctx.new_page()
    page.goto(f"/login?code={code}&lang=de")
    page.wait_for_url(re.compile(r"/app/resident"))  # after the load: the new page's scripts run
    expect(page.locator("#greeting")).to_contain_text(first_name)
    return page


def fill_booking(page: Page, destination: str) -> None:
    """Book with the big button: from home, to an address from the autocomplete, tomorrow."""
    page.get_by_role("button", name=DE["resident.book_ride"], exact=True).click()
    expect(page.locator("#booking")).to_be_visible()
    expect(page.locator("[data-home-address]").first).to_contain_text("Evinger")
    page.locator("#dropoff").press_sequentially(destination[:9], delay=30)
    page.locator("#dropoff-list > li", has_text=destination).first.click()
    expect(page.locator("#dropoff")).to_have_value(destination)
    page.get_by_label(DE["booking.tomorrow"]).check()
    page.get_by_label(DE["booking.time"], exact=True).select_option("10:00")
    page.get_by_label(DE["time_mode.pickup_after"]).check()


@contextmanager
def elfriede_speaking(new_context: NewContext, lang: str) -> Iterator[Page]:
    """Elfriede logged in with a code from the office, her page in ``lang``; afterwards her
    language is German again (``?lang=`` stores it) for the other tests."""
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    resident = new_context(lang=lang)
    page = login_resident(resident, coordinator, "Elfriede")
    try:
        page.goto(f"/app/resident?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        yield page
    finally:
        csrf_patch(resident, "/api/v1/me", {"ui_language": "de"})


def fill_booking_in_any_language(page: Page) -> None:
    """The ride form by its fields, not its words: from home to Evinger Platz, tomorrow 10:00."""
    page.locator("#act-ride").click()
    page.locator("#dropoff").press_sequentially("Evinger Pl", delay=30)
    page.locator("#dropoff-list > li", has_text="Evinger Platz").first.click()
    page.locator("[name='day'][value='tomorrow']").check()
    page.locator("#time").select_option("10:00")


def test_booking_offer_and_acceptance_flow_live_to_every_face(
        new_context: NewContext, only_anna_drives: None, artifacts: Path) -> None:
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    board = coordinator.new_page()
    board.goto("/app/board?lang=de")
    expect(board.locator("#volunteer-list > li").first).to_be_visible()
    expect(board.locator("body")).to_have_attribute("data-live", "on")
    mark_page(board)

    volunteer = new_context()
    staff_login(volunteer, "anna.eving@example.org")
    vpage = volunteer.new_page()
    vpage.goto("/app/volunteer?lang=de")
    expect(vpage.locator("#greeting")).to_have_text(DE["volunteer.hello"].format(name="Anna"))
    switch = vpage.get_by_role("switch", name=DE["volunteer.available_now"])
    expect(switch).to_be_checked()
    switch.uncheck()
    expect(vpage.locator("#avail-status")).to_have_text(DE["volunteer.status_unavailable"])
    switch.check()
    expect(vpage.locator("#avail-status")).to_have_text(DE["volunteer.status_available"])
    me = volunteer.request.get("/api/v1/me").json()["person"]
    assert me["volunteer"]["available"] is True
    expect(vpage.locator("body")).to_have_attribute("data-live", "on")
    mark_page(vpage)

    resident = new_context()
    rpage = login_resident(resident, coordinator, "Elfriede")
    shot(rpage, artifacts, "flow-1-resident-home-de")
    fill_booking(rpage, "Evinger Platz")
    shot(rpage, artifacts, "flow-2-resident-booking-de")
    with rpage.expect_response(lambda r: r.url.endswith("/api/v1/requests")
                               and r.request.method == "POST", timeout=60_000) as booked:
        rpage.get_by_role("button", name=DE["booking.submit"]).click()
    assert booked.value.status == 201, booked.value.text()
    request_id = booked.value.json()["request"]["id"]
    card = rpage.locator(f"#trip-list > li[data-request-id='{request_id}']")
    expect(card).to_contain_text("Evinger Platz")
    expect(rpage.locator("#booking")).to_be_hidden()
    expect(rpage.locator("body")).to_have_attribute("data-live", "on")
    mark_page(rpage)

    # the volunteer's page receives the offer live, with a running countdown
    offer = vpage.locator("#offer-list > li[data-offer-id]").filter(has_text="Evinger Platz") \
        .filter(has_text=DE["time.tomorrow"]).filter(has_text="10:00").filter(has_text="Elfriede")
    expect(offer).to_be_visible(timeout=30_000)
    countdown = offer.locator(".countdown-time")
    expect(countdown).to_have_text(re.compile(r"\d+:\d\d"))
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=5_000)
    expect(offer).to_contain_text("Elfriede")
    shot(vpage, artifacts, "flow-3-volunteer-offer-de")
    assert serious_violations(vpage) == []
    offer.get_by_role("button", name=DE["volunteer.accept"]).click()
    expect(offer).to_have_count(0)
    stops = vpage.locator(f"#stop-list > li[data-request-id='{request_id}']")
    expect(stops).to_have_count(2)
    expect(stops.first).to_contain_text("Elfriede")
    expect(stops.first.get_by_role("button", name=DE["stop_action.arrived"])).to_be_visible()
    scroll_to(vpage.locator("#stops-h"))
    shot(vpage, artifacts, "flow-4-volunteer-today-de")
    # the map draws the street network and the route (no tile server)
    expect(vpage.locator("#map path[stroke='#5c5c5c']").first).to_be_attached()
    expect(vpage.locator("#map path[stroke='#00497a']").first).to_be_attached()
    scroll_to(vpage.locator("#map-h"))
    shot(vpage, artifacts, "flow-4b-volunteer-map-de")
    assert_not_reloaded(vpage)

    # the resident's page shows the update live: state, volunteer's first name, pick-up time
    expect(card.locator(".state")).to_have_text(DE["status.accepted"].format(name="Anna"))
    expect(card.locator(".volunteer-name")).to_have_text("Anna")
    expect(card.locator(".planned-pickup")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    expect(rpage.locator("#trips-live")).to_contain_text("Anna")
    scroll_to(card)
    shot(rpage, artifacts, "flow-5-resident-accepted-de")
    assert serious_violations(rpage) == []
    assert_not_reloaded(rpage)

    # the volunteer reports the stops; the resident's card follows live
    pickup = stops.filter(has_text=DE["stop.pickup"])
    pickup.get_by_role("button", name=DE["stop_action.arrived"]).click()
    # "arrived" at the pick-up: waiting at the door, no longer "on the way"
    expect(card.locator(".state")).to_have_text(DE["status.at_door"].format(name="Anna"))
    expect(pickup.locator(".state")).to_have_text(DE["stop_status.arrived"])
    pickup.get_by_role("button", name=DE["stop_action.picked_up"]).click()
    expect(card.locator(".state")).to_have_text(DE["status.picked_up"].format(name="Anna"))
    expect(pickup.get_by_role("button")).to_have_count(0)

    # the coordinator board shows the trip, live
    trip = board.locator("#board-trips > li[data-trip-id]").filter(
        has_text=DE["board.trip_of"].format(name="Anna")).filter(
        has=board.locator(f"li[data-request-id='{request_id}']"))
    expect(trip).to_have_count(1)
    expect(trip).to_contain_text("Evinger Platz")
    expect(trip).to_contain_text("Elfriede")
    scroll_to(trip)
    shot(board, artifacts, "flow-6-board-de")
    assert serious_violations(board) == []
    assert_not_reloaded(board)

    dropoff = stops.filter(has_text=DE["stop.dropoff"])
    dropoff.get_by_role("button", name=DE["stop_action.dropped_off"]).click()
    expect(card.locator(".state")).to_have_text(DE["status.completed"])
    assert_not_reloaded(rpage)
    assert_not_reloaded(vpage)


def test_offline_booking_is_kept_shown_pending_and_sent_when_back_online(
        new_context: NewContext, artifacts: Path) -> None:
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    resident = new_context()
    page = login_resident(resident, coordinator, "Gertrud")
    before = resident.request.get("/api/v1/requests").json()["requests"]

    fill_booking(page, "Evinger Berg")
    page.get_by_role("switch", name=DE["booking.return"]).check()
    page.get_by_label(DE["booking.return_after"]).select_option("90")
    resident.set_offline(True)
    expect(page.locator("#net-status")).to_be_visible()
    page.get_by_role("button", name=DE["booking.submit"]).click()
    pending = page.locator("#trip-list > li.pending")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text(DE["offline.pending"])
    expect(pending).to_contain_text("Evinger Berg")
    queued = page.evaluate("JSON.parse(localStorage.getItem('dispatch.outbox'))")
    assert len(queued) == 1
    assert queued[0]["body"]["dropoff"]["address"] == "Evinger Berg"
    assert queued[0]["body"]["return_after_minutes"] == 90
    shot(page, artifacts, "offline-booking-pending-de")

    # still kept after the phone reloads the app with no connection
    page.reload()
    expect(page.locator("#trip-list > li.pending")).to_have_count(1)

    resident.set_offline(False)
    expect(page.locator("#trip-list > li.pending")).to_have_count(0, timeout=30_000)
    expect(page.locator("#trip-list > li[data-request-id]")).to_have_count(len(before) + 2)
    after = resident.request.get("/api/v1/requests").json()["requests"]
    new = [r for r in after if r["id"] not in {b["id"] for b in before}]
    assert len(new) == 2, "the booking and its return trip"
    outbound = next(r for r in new if r["return_of"] is None)
    assert outbound["return_id"] in {r["id"] for r in new}
    sent = page.locator(f"#trip-list > li[data-request-id='{outbound['id']}']")
    expect(sent).to_contain_text("Evinger Berg")
    expect(sent).to_contain_text(DE["resident.return_booked"])
    shot(page, artifacts, "offline-booking-sent-de")
    assert page.evaluate("localStorage.getItem('dispatch.outbox')") == "[]"


def test_cancel_and_book_again(new_context: NewContext) -> None:
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    resident = new_context()
    page = login_resident(resident, coordinator, "Hüseyin")
    me = resident.request.get("/api/v1/me").json()["person"]
    # his own language (stored with his account) comes first; switching is stored for next time
    own = me["ui_language"]
    expect(page.locator("html")).to_have_attribute("lang", own)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/me")
                              and r.request.method == "PATCH") as patch:
        page.locator(".lang-switch").get_by_label(CATALOGUES[own]["common.language"]).select_option("pl")
    assert patch.value.ok
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("#greeting")).to_have_text(
        CATALOGUES["pl"]["resident.hello"].format(name="Hüseyin"))
    page.goto("/app/resident")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    assert resident.request.get("/api/v1/me").json()["person"]["ui_language"] == "pl"
    page.locator(".lang-switch").get_by_label(CATALOGUES["pl"]["common.language"]).select_option("de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    hit = resident.request.get("/api/v1/addresses?q=Evinger Markt").json()["results"][0]
    created = csrf_post(resident, "/api/v1/requests", {
        "kind": "ride_escort", "pickup": me["resident"]["home"],
        "dropoff": {"address": hit["label"], "lat": hit["lat"], "lon": hit["lon"]},
        "time_mode": "arrive_by", "time": _in_days(3, "09:30")})["request"]
    page.reload()
    expect(page.locator("body[data-synced=on]")).to_be_attached()  # no re-draw under the tap
    card = page.locator(f"#trip-list > li[data-request-id='{created['id']}']")
    expect(card).to_be_visible()

    card.locator("[data-again]").click()  # asks first
    with page.expect_response(lambda r: r.url.endswith(f"/requests/{created['id']}/again"),
                              timeout=60_000) as again_resp:
        card.locator("[data-again-yes]").click()
    assert again_resp.value.status == 201, again_resp.value.text()
    new_id = again_resp.value.json()["request"]["id"]
    expect(page.locator(f"#trip-list > li[data-request-id='{new_id}']")).to_be_visible()
    again = resident.request.get(f"/api/v1/requests/{new_id}").json()["request"]
    assert again["dropoff"]["address"] == hit["label"]
    assert again["time"][11:16] == "09:30"
    assert again["time"][:10] > created["time"][:10]  # a later day, same hour

    # the list is re-drawn live (the new ride gets planned): tap again if the card moved
    yes = card.get_by_role("button", name=DE["resident.cancel_yes"])
    for _ in range(5):
        card.locator("[data-cancel]").click()
        try:
            expect(yes).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            continue
    yes.click()
    expect(card.locator(".state")).to_have_text(DE["status.cancelled"])
    state = resident.request.get(f"/api/v1/requests/{created['id']}").json()["request"]["state"]
    assert state == "cancelled"


def _in_days(days: int, hhmm: str) -> str:
    from datetime import date
    from datetime import timedelta

    day = date.today() + timedelta(days=days)
    return f"{day.isoformat()}T{hhmm}:00"
