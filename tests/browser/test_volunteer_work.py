"""The volunteer's face (issue 12, item 8): offers are kept apart from accepted work (no stop
buttons for a ride that is only offered), an accepted ride can be handed back after a
question, each open stop has a navigation link, and the map names its streets."""

from __future__ import annotations

import json
import time
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NewContext
from tests.browser.conftest import address
from tests.browser.conftest import api_get
from tests.browser.conftest import csrf_post
from tests.browser.conftest import resident_named
from tests.browser.conftest import serious_violations
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login
from tests.browser.test_live_flow import scroll_to

pytestmark = pytest.mark.browser

I18N = Path(__file__).resolve().parents[2] / "pwa" / "static" / "i18n"
DE = json.loads((I18N / "de.json").read_text(encoding="utf-8"))
PASSWORD = "karte-karte-karte"


def _wait(ctx: Any, request_id: int, states: set[str], timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        r: dict[str, Any] = api_get(ctx, f"/api/v1/requests/{request_id}")["request"]
        if r["state"] in states or time.monotonic() > deadline:
            return r
        time.sleep(0.3)


def test_offers_apart_from_accepted_work_hand_back_navigation_and_street_names(
        new_context: NewContext, artifacts: Path) -> None:
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    elfriede = resident_named(coordinator, "Elfriede")
    when = f"{(date.today() + timedelta(days=2)).isoformat()}T15:30:00"
    rid = csrf_post(coordinator, "/api/v1/requests", {
        "kind": "ride", "pickup": elfriede["resident"]["home"],
        "dropoff": address(coordinator, "Evinger Platz"), "time": when,
        "resident_id": elfriede["id"]})["request"]["id"]
    offered = _wait(coordinator, rid, {"offered"})
    assert offered["state"] == "offered", (offered.get("reason"), offered)
    name = offered["offered_to"]["first_name"]

    volunteer = new_context()
    staff_login(volunteer, f"{name.lower()}.eving@example.org")
    # the API's trips still carry the offered stops (the plan), the page does not show them
    assert any(s["request_id"] == rid for t in api_get(volunteer, "/api/v1/trips/today")["trips"]
               for s in t["stops"])
    page = volunteer.new_page()
    page.goto("/app/volunteer?lang=de")
    offer = page.locator("#offer-list > li[data-offer-id]").filter(has_text="Elfriede")
    expect(offer).to_have_count(1, timeout=30_000)
    expect(page.locator("#stops-h")).to_have_text(DE["volunteer.today"])
    expect(page.locator(f"#stop-list > li[data-request-id='{rid}']")).to_have_count(0)

    offer.get_by_role("button", name=DE["volunteer.accept"]).click()
    stops = page.locator(f"#stop-list > li[data-request-id='{rid}']")
    expect(stops).to_have_count(2)
    pickup = stops.filter(has_text=DE["stop.pickup"])
    nav = pickup.locator("a[data-nav]")
    expect(nav).to_have_text(DE["volunteer.navigate"])
    assert (nav.get_attribute("href") or "").startswith("geo:51.")
    # the map names the streets
    expect(page.locator("#map .street-label").first).to_be_attached(timeout=30_000)
    labels = page.locator("#map .street-label").all_text_contents()
    assert any("Straße" in x or "Berg" in x or "Platz" in x for x in labels), labels[:10]

    # a stop report without a connection waits on the phone, is shown, and is sent later
    dropoff = stops.filter(has_text=DE["stop.dropoff"])
    volunteer.set_offline(True)
    dropoff.get_by_role("button", name=DE["stop_action.arrived"]).click()
    expect(dropoff.locator("[data-queued-stop]")).to_have_text(DE["volunteer.stop_queued"])
    expect(dropoff.get_by_role("button", name=DE["stop_action.arrived"])).to_have_count(0)
    expect(page.locator("#queued-status")).to_be_visible()
    volunteer.set_offline(False)
    page.evaluate("import('/static/js/app.js').then((app) => app.flushOutbox())")
    expect(dropoff.locator("[data-queued-stop]")).to_have_count(0, timeout=30_000)
    expect(dropoff.locator(".state")).to_have_text(DE["stop_status.arrived"])

    scroll_to(pickup)
    pickup.get_by_role("button", name=DE["volunteer.hand_back"]).click()
    expect(pickup.locator(".confirm")).to_contain_text(DE["volunteer.hand_back_question"])
    shot(page, artifacts, "volunteer-hand-back-de")
    assert serious_violations(page) == []
    with page.expect_response(lambda r: r.url.endswith(f"/requests/{rid}/hand-back"),
                              timeout=60_000) as handed:
        pickup.get_by_role("button", name=DE["volunteer.hand_back_yes"]).click()
    assert handed.value.ok, handed.value.text()
    expect(page.locator(f"#stop-list > li[data-request-id='{rid}']")).to_have_count(0)
    after = api_get(coordinator, f"/api/v1/requests/{rid}")["request"]
    assert (after["volunteer"] or {}).get("first_name") != name

    # a time on duty can be taken back
    page.locator("#shift-date").fill((date.today() + timedelta(days=9)).isoformat())
    page.locator("#shift-from").fill("18:00")
    page.locator("#shift-to").fill("19:00")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/me/shifts")
                              and r.request.method == "POST", timeout=60_000) as added:
        page.get_by_role("button", name=DE["volunteer.shift_add"]).click()
    shift_id = added.value.json()["shift"]["id"]
    item = page.locator(f"#shift-list > li[data-shift-id='{shift_id}']")
    item.get_by_role("button", name=DE["volunteer.shift_delete"]).click()
    expect(item).to_have_count(0)
    assert shift_id not in {x["id"] for x in api_get(volunteer, "/api/v1/me/shifts")["shifts"]}


VISIBLE_LABELS_JS = """() => {
    const box = document.getElementById("map").getBoundingClientRect();
    return [...document.querySelectorAll("#map .street-label")]
        .filter((el) => getComputedStyle(el).visibility === "visible"
                && getComputedStyle(el).display !== "none")
        .map((el) => {
            const r = el.getBoundingClientRect();
            return {name: el.textContent, left: r.left - box.left, top: r.top - box.top,
                    right: r.right - box.left, bottom: r.bottom - box.top};
        });
}"""


def _settled_labels(page: Any) -> list[dict[str, Any]]:
    """The street names shown on the map once the view stops changing (two equal reads)."""
    last: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now: list[dict[str, Any]] = page.evaluate(VISIBLE_LABELS_JS)
        if now and now == last:
            return now
        last = now
        page.wait_for_timeout(700)
    return last


def _overlapping(labels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(a["name"], b["name"]) for i, a in enumerate(labels) for b in labels[i + 1:]
            if a["left"] < b["right"] and b["left"] < a["right"]
            and a["top"] < b["bottom"] and b["top"] < a["bottom"]]


def _own_volunteer_with_a_trip(new_context: NewContext) -> tuple[str, Any, int]:
    """A volunteer of the test's own (the demo volunteers' trips are shared with other tests)
    with one ride, assigned by the office. Returns her e-mail, the office and the ride."""
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    email = f"hedwig.karte.{time.time_ns()}@example.org"
    hedwig = csrf_post(coordinator, "/api/v1/volunteers", {
        "first_name": "Hedwig", "last_name": "Karte", "email": email, "password": PASSWORD,
        "home": address(coordinator, "Evinger Platz"), "quarter": "eving",
        "vetted_until": (date.today() + timedelta(days=365)).isoformat()})["person"]
    day = (date.today() + timedelta(days=3)).isoformat()
    own = new_context()
    csrf_post(own, "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    csrf_post(own, "/api/v1/me/shifts", {"starts_at": f"{day}T07:00:00",
                                         "ends_at": f"{day}T19:00:00"})
    own.close()
    resident = csrf_post(coordinator, "/api/v1/residents", {
        "first_name": "Karla", "last_name": "Karte", "quarter": "eving",
        "home": address(coordinator, "Evinger Berg 1")})["person"]
    rid = csrf_post(coordinator, "/api/v1/requests", {
        "kind": "ride", "pickup": resident["resident"]["home"],
        "dropoff": address(coordinator, "Evinger Platz"), "time": f"{day}T13:00:00",
        "resident_id": resident["id"]})["request"]["id"]
    assigned = csrf_post(coordinator, f"/api/v1/requests/{rid}/assign",
                         {"volunteer_id": hedwig["id"]})["request"]
    assert assigned["state"] == "accepted", assigned
    return email, coordinator, rid


@pytest.mark.parametrize("with_trip", [False], ids=["whole-quarter"])
def test_the_volunteer_map_names_streets_at_its_first_view_without_clutter(
        new_context: NewContext, artifacts: Path, with_trip: bool) -> None:
    """At the page's own view on a 390×844 phone (the whole quarter, or fitted to the
    volunteer's trip) the map shows street names, none over another, none outside the map;
    still none over another when zoomed in."""
    email, office, ride = _own_volunteer_with_a_trip(new_context) if with_trip else (
        "jolanta.eving@example.org", None, None)
    volunteer = new_context()
    staff_login(volunteer, email)
    page = volunteer.new_page()
    page.goto("/app/volunteer?lang=de")
    expect(page.locator("#map .street-label").first).to_be_attached(timeout=30_000)
    if with_trip:  # the view is fitted to the trip, not to the whole quarter (zoom 12)
        expect(page.locator("#stop-list > li")).to_have_count(2)
        page.wait_for_function("() => Number(document.getElementById('map').dataset.zoom) > 12",
                               timeout=30_000)
        # both stops of her trip lie inside the map's view
        inside = page.evaluate("""() => {
            const box = document.getElementById("map").getBoundingClientRect();
            return [...document.querySelectorAll("#map .leaflet-overlay-pane .leaflet-interactive")]
                .map((el) => el.getBoundingClientRect())
                .filter((r) => r.width < 40 && r.height < 40)  // the points, not the route
                .map((r) => r.left >= box.left && r.right <= box.right
                     && r.top >= box.top && r.bottom <= box.bottom);
        }""")
        assert inside == [True, True], inside
    shown = page.locator("#map .street-label").filter(visible=True)
    expect(shown.first).to_be_visible()
    labels = _settled_labels(page)
    # nor over a stop on the map
    stops = page.evaluate("""() => {
        const box = document.getElementById("map").getBoundingClientRect();
        return [...document.querySelectorAll("#map .leaflet-interactive")].map((el) => {
            const r = el.getBoundingClientRect();
            return {name: "stop", left: r.left - box.left, top: r.top - box.top,
                    right: r.right - box.left, bottom: r.bottom - box.top};
        });
    }""")
    assert [p for p in _overlapping(labels + stops) if p.count("stop") == 1] == []
    zoom = page.locator("#map").get_attribute("data-zoom")
    assert labels, f"no street name visible at the first view (zoom {zoom})"
    assert _overlapping(labels) == []
    width, height = page.locator("#map").evaluate("(el) => [el.clientWidth, el.clientHeight]")
    assert all(x["left"] >= 0 and x["top"] >= 0 and x["right"] <= width + 4
               and x["bottom"] <= height + 4 for x in labels), labels
    # not a wall of text: the names cover a small part of the map
    covered = sum((x["right"] - x["left"]) * (x["bottom"] - x["top"]) for x in labels)
    assert covered < 0.25 * width * height, (covered, width * height, len(labels))
    scroll_to(page.locator("#map"))
    shot(page, artifacts, f"volunteer-map-names-{'trip' if with_trip else 'quarter'}-de")

    page.locator("#map .leaflet-control-zoom-in").click()
    expect(shown.first).to_be_visible()
    zoomed = _settled_labels(page)
    assert zoomed
    assert _overlapping(zoomed) == []
    if office is not None:  # her ride ends with the test
        csrf_post(office, f"/api/v1/requests/{ride}/cancel", {})
