"""Offline (issue 12, item 5): with no connection the address search still finds the quarter's
addresses (kept on the phone), a booking is queued with its own Idempotency-Key and its
owner, a replay after a lost answer books nothing twice, a cancellation is queued too, and
the person sees what waits to be sent."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import NewContext
from tests.browser.conftest import address
from tests.browser.conftest import csrf_post
from tests.browser.conftest import serious_violations
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login
from tests.browser.test_live_flow import login_resident
from tests.browser.test_live_flow import scroll_to

pytestmark = pytest.mark.browser

I18N = Path(__file__).resolve().parents[2] / "pwa" / "static" / "i18n"
DE = json.loads((I18N / "de.json").read_text(encoding="utf-8"))


def _book_to_evinger_platz(page: Page, time: str) -> None:
    """Book a ride to Evinger Platz tomorrow with the form (the address found offline too)."""
    page.get_by_role("button", name=DE["resident.book_ride"], exact=True).click()
    page.locator("#dropoff").press_sequentially("Evnger Pl", delay=30)  # a typo, too
    choice = page.locator("#dropoff-list > li").filter(
        has=page.locator(".label", has_text=re.compile(r"^Evinger Platz$")))
    expect(choice.first).to_be_visible()
    choice.first.click()
    expect(page.locator("#dropoff")).to_have_value("Evinger Platz")
    page.get_by_label(DE["booking.tomorrow"]).check()
    page.get_by_label(DE["booking.time"], exact=True).select_option(time)
    page.get_by_label(DE["booking.purpose"]).select_option(label=DE["purpose.doctor"])
    page.get_by_role("button", name=DE["booking.submit"]).click()


def _ready_offline(ctx: BrowserContext, coordinator: BrowserContext, first_name: str) -> Page:
    """The resident logs in; the service worker controls the page and keeps the address list."""
    with ctx.expect_event(
            "response", lambda r: r.url.endswith("/api/v1/addresses/all") and r.ok,
            timeout=60_000):
        page = login_resident(ctx, coordinator, first_name)
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=30_000)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/addresses/all") and r.ok,
                              timeout=60_000):
        page.reload()
    expect(page.locator("#greeting")).to_contain_text(first_name)
    return page


def _queued(page: Page) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = page.evaluate(
        "JSON.parse(localStorage.getItem('dispatch.outbox') || '[]')")
    return items


def _request_ids(ctx: BrowserContext) -> set[int]:
    return {r["id"] for r in ctx.request.get("/api/v1/requests").json()["requests"]}


def test_offline_search_queue_with_idempotency_key_and_queued_cancel(
        new_context: NewContext, artifacts: Path) -> None:
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    csrf_post(coordinator, "/api/v1/residents", {
        "first_name": "Frieda", "last_name": "Offline",
        "home": address(coordinator, "Evinger Berg 1")})
    resident = new_context()
    with resident.expect_event(
            "response", lambda r: r.url.endswith("/api/v1/addresses/all") and r.ok,
            timeout=60_000):
        page = login_resident(resident, coordinator, "Frieda")
    me = resident.request.get("/api/v1/me").json()["person"]
    before = {r["id"] for r in resident.request.get("/api/v1/requests").json()["requests"]}
    # the service worker controls the page, so it can answer the kept list offline
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=30_000)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/addresses/all") and r.ok,
                              timeout=60_000):
        page.reload()
    expect(page.locator("#greeting")).to_contain_text("Frieda")

    resident.set_offline(True)
    expect(page.locator("#net-status")).to_be_visible()
    _book_to_evinger_platz(page, "16:00")
    expect(page.locator("#trip-list > li.pending")).to_have_count(1)
    queued = page.evaluate("JSON.parse(localStorage.getItem('dispatch.outbox'))")
    assert len(queued) == 1
    item = queued[0]
    assert item["kind"] == "booking"
    assert item["body"]["purpose"] == "doctor"
    assert item["person"] == me["id"]
    assert re.fullmatch(r"[0-9a-f-]{36}", item["key"]), item
    status = page.locator("#queued-status")
    expect(status).to_be_visible()
    expect(status).to_contain_text("Evinger Platz")
    shot(page, artifacts, "offline-queued-de")

    # the first send reached the server but its answer was lost (sent here from outside the
    # offline page, with the item's key): the replay when the connection returns books nothing
    token = resident.request.get("/api/v1/auth/csrf").json()["csrf_token"]
    first = resident.request.post("/api/v1/requests", data=json.dumps(item["body"]),
                                  headers={"Content-Type": "application/json",
                                           "X-CSRFToken": token, "Idempotency-Key": item["key"]},
                                  timeout=60_000)
    assert first.status == 201, first.text()
    booked_id = first.json()["request"]["id"]
    assert first.json()["request"]["purpose"] == "doctor"
    with page.expect_request(lambda r: r.url.endswith("/api/v1/requests")
                             and r.method == "POST", timeout=60_000) as replay:
        resident.set_offline(False)
    assert replay.value.headers.get("idempotency-key") == item["key"]
    expect(page.locator("#trip-list > li.pending")).to_have_count(0, timeout=30_000)
    after = {r["id"] for r in resident.request.get("/api/v1/requests").json()["requests"]}
    assert after - before == {booked_id}, "booked exactly once"
    expect(status).to_be_hidden()

    # a cancellation without a connection waits on the phone and is sent later
    card = page.locator(f"#trip-list > li[data-request-id='{booked_id}']")
    expect(card).to_be_visible()
    resident.set_offline(True)
    card.get_by_role("button", name=DE["resident.cancel"]).click()
    card.get_by_role("button", name=DE["resident.cancel_yes"]).click()
    expect(card.locator("[data-queued-cancel]")).to_have_text(DE["resident.cancel_queued"])
    expect(status).to_contain_text(DE["offline.queued_cancel"])
    resident.set_offline(False)
    page.evaluate("import('/static/js/app.js').then((app) => app.flushOutbox())")
    expect(card.locator("[data-queued-cancel]")).to_have_count(0, timeout=30_000)
    state = resident.request.get(f"/api/v1/requests/{booked_id}").json()["request"]["state"]
    assert state == "cancelled"
    assert page.evaluate("localStorage.getItem('dispatch.outbox')") == "[]"


def test_queued_items_stay_with_their_person_across_log_out_and_log_in(
        new_context: NewContext, artifacts: Path) -> None:
    """One phone, two residents: A's booking queued offline is A's. A is warned before logging
    out would drop it; B, logging in on the same browser, neither sees nor sends it; B's log-out
    keeps it; A, back with a new code, sends it; A's own log-out drops it after the warning, and a
    log-out without a connection ends the session on the server once there is one again."""
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    for first in ("Adelheid", "Berthold"):
        csrf_post(coordinator, "/api/v1/residents", {
            "first_name": first, "last_name": "Outbox",
            "home": address(coordinator, "Evinger Berg 1")})
    phone = new_context()
    page = _ready_offline(phone, coordinator, "Adelheid")
    adelheid = phone.request.get("/api/v1/me").json()["person"]
    before = _request_ids(phone)
    page.add_script_tag(url=f"{page.evaluate('location.origin')}/static/vendor/axe-core/axe.min.js")

    phone.set_offline(True)
    _book_to_evinger_platz(page, "16:00")
    expect(page.locator("#trip-list > li.pending")).to_have_count(1)
    (item,) = _queued(page)
    assert item["person"] == adelheid["id"]

    # A taps "Abmelden": told what would be lost, in large buttons; she stays
    page.get_by_role("button", name=DE["common.logout"]).click()
    box = page.locator("#logout-confirm")
    expect(box).to_be_visible()
    unsent = box.locator("#logout-unsent")
    expect(unsent).to_be_visible()
    expect(unsent.locator(".unsent-head")).to_have_text(DE["logout.unsent"].format(n=1))
    expect(unsent.locator("li")).to_have_count(1)
    expect(unsent.locator("li")).to_contain_text("Evinger Platz")
    expect(unsent.locator(".unsent-lost")).to_have_text(DE["logout.unsent_lost"])
    stay = box.get_by_role("button", name=DE["logout.no"])
    expect(stay).to_be_focused()
    for button in (stay, box.get_by_role("button", name=DE["logout.yes"])):
        size = button.bounding_box()
        assert size is not None
        assert size["height"] >= 56, size  # btn-lg: 4rem
    scroll_to(box)
    shot(page, artifacts, "logout-unsent-de")
    assert serious_violations(page) == []
    stay.click()
    expect(box).to_be_hidden()
    assert _queued(page) == [item]

    # A leaves the phone without logging out; B logs in with her own code on the same browser
    page.close()
    phone.set_offline(False)
    posts: list[str] = []
    phone.on("request", lambda r: posts.append(r.url) if r.method == "POST"
             and r.url.endswith("/api/v1/requests") else None)
    bpage = login_resident(phone, coordinator, "Berthold")
    expect(bpage.locator("body")).to_have_attribute("data-live", "on", timeout=30_000)
    bpage.evaluate("import('/static/js/app.js').then((app) => app.flushOutbox())")
    expect(bpage.locator("#trip-list > li.pending")).to_have_count(0)
    expect(bpage.locator("#queued-status")).to_be_hidden()
    expect(bpage.locator("#trip-list")).not_to_contain_text("Evinger Platz")
    assert posts == [], "B's page sent A's booking"
    assert _request_ids(phone) == set(), "nothing booked for B"
    assert _queued(bpage) == [item]

    # B logs out (asked about her code, nothing about A's booking): A's booking stays
    bpage.get_by_role("button", name=DE["common.logout"]).click()
    expect(bpage.locator("#logout-confirm")).to_be_visible()
    expect(bpage.locator("#logout-unsent")).to_be_hidden()
    bpage.get_by_role("button", name=DE["logout.yes"]).click()
    bpage.wait_for_url(re.compile(r"/$"))
    assert _queued(bpage) == [item], "B's log-out dropped A's booking"
    assert posts == []

    # A comes back with a new code: her booking is sent now, once, as hers
    with phone.expect_event("request", lambda r: r.url.endswith("/api/v1/requests")
                            and r.method == "POST", timeout=60_000) as sent:
        apage = _ready_offline(phone, coordinator, "Adelheid")
    assert sent.value.headers.get("idempotency-key") == item["key"]
    expect(apage.locator("#trip-list > li.pending")).to_have_count(0, timeout=30_000)
    assert len(_request_ids(phone) - before) == 1
    assert _queued(apage) == []

    # her own unsent booking goes when she logs out anyway, after the warning
    phone.set_offline(True)
    _book_to_evinger_platz(apage, "17:00")
    # the same day and place as the ride just sent: the form asks first
    apage.locator("#booking-duplicate").get_by_role(
        "button", name=DE["booking.duplicate_anyway"]).click()
    expect(apage.locator("#trip-list > li.pending")).to_have_count(1)
    apage.get_by_role("button", name=DE["common.logout"]).click()
    expect(apage.locator("#logout-unsent li")).to_have_count(1)
    apage.get_by_role("button", name=DE["logout.yes"]).click()
    apage.wait_for_url(re.compile(r"/$"))
    assert _queued(apage) == []
    # logged out without a connection: the server is told as soon as the app has one again
    phone.set_offline(False)
    apage.goto("/?lang=de")
    apage.wait_for_function("() => !localStorage.getItem('dispatch.logout_pending')",
                            timeout=30_000)
    assert phone.request.get("/api/v1/me").status == 401, "still logged in on the server"
