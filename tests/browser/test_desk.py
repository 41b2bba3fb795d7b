"""The coordinator board as a dispatch desk (issue 12, item 4), at 1366×900:

- a request being offered is shown once, on its trip, as offered; after acceptance its stops
  say so (not "geplant"); trip cards show their date and a print button for the day sheet;
- "Neu zuweisen" is labelled with the person and time and is gone once the ride is done;
- the desk edits and cancels a request;
- the resident register: search, a login code for any person in that person's row, profile
  editing; a new resident is in the register at once, and the result banner of a booking
  belongs to that person only;
- refusal reasons in the page's language (item 7).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.browser.conftest import address
from tests.browser.conftest import api_get
from tests.browser.conftest import csrf_patch
from tests.browser.conftest import csrf_post
from tests.browser.conftest import make_context
from tests.browser.conftest import resident_named
from tests.browser.conftest import serious_violations
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login

pytestmark = pytest.mark.browser

I18N = Path(__file__).resolve().parents[2] / "pwa" / "static" / "i18n"
CAT = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in I18N.glob("*.json")}
DE = CAT["de"]
DESK = {"width": 1366, "height": 900}


class Desk:
    """The coordinator's board page and her API session, shared by the module's tests."""

    def __init__(self, browser: Browser, live_server: LiveServer) -> None:
        self.browser, self.live_server = browser, live_server
        self.ctx = ctx = self.context(viewport=DESK, is_mobile=False, has_touch=False)
        staff_login(ctx, "koordination.eving@example.org")
        self.page = ctx.new_page()
        self.page.goto("/app/board?lang=de")
        expect(self.page.locator("#volunteer-list > li").first).to_be_visible()
        expect(self.page.locator("#people-list > li").first).to_be_visible()

    def context(self, **kw: Any) -> BrowserContext:
        return make_context(self.browser, self.live_server, **kw)

    def resident(self, first_name: str) -> dict[str, Any]:
        return resident_named(self.ctx, first_name)

    def book(self, first_name: str, days: int, hhmm: str, to: str = "Evinger Platz") -> int:
        person = self.resident(first_name)
        when = f"{(date.today() + timedelta(days=days)).isoformat()}T{hhmm}:00"
        req = csrf_post(self.ctx, "/api/v1/requests", {
            "kind": "ride", "pickup": person["resident"]["home"],
            "dropoff": address(self.ctx, to), "time": when, "resident_id": person["id"]})
        return int(req["request"]["id"])

    def wait(self, request_id: int, states: set[str], timeout_s: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            r: dict[str, Any] = api_get(self.ctx, f"/api/v1/requests/{request_id}")["request"]
            if r["state"] in states or time.monotonic() > deadline:
                return r
            time.sleep(0.3)


@pytest.fixture(scope="module")
def desk(browser: Browser, live_server: LiveServer) -> Iterator[Desk]:
    made = Desk(browser, live_server)
    yield made
    made.ctx.close()


def _trip_of(page: Page, request_id: int) -> Any:
    return page.locator("#board-trips > li[data-trip-id]").filter(
        has=page.locator(f"li[data-request-id='{request_id}']"))


def test_an_offered_request_is_shown_once_on_its_dated_trip_and_follows_its_state(
        desk: Desk, artifacts: Path) -> None:
    page = desk.page
    rid = desk.book("Elfriede", 3, "09:30")
    offered = desk.wait(rid, {"offered"})
    assert offered["state"] == "offered", offered

    trip = _trip_of(page, rid)
    expect(trip).to_have_count(1)
    expect(page.locator(f"#unassigned-list > li[data-request-id='{rid}']")).to_have_count(0)
    day = (date.today() + timedelta(days=3))
    expect(trip.locator(".trip-day")).to_have_attribute("datetime", day.isoformat())
    expect(trip.locator(".trip-day")).to_contain_text(f"{day.day}.")
    states = trip.locator(f"li[data-request-id='{rid}'] .stop-state")
    expect(states).to_have_count(2)
    expect(states.first).to_have_text(f"({DE['board_state.offered']})")

    # the print button opens the driver's day sheet (not under /api/v1)
    trip_id = trip.get_attribute("data-trip-id")
    link = trip.locator(f"a[href='/print/trips/{trip_id}']")
    expect(link).to_have_text(DE["board.print"])
    sheet = desk.ctx.request.get(f"/print/trips/{trip_id}")
    assert sheet.ok, sheet.text()
    assert "Tagesplan" in sheet.text()
    assert "Elfriede" in sheet.text()

    # each request of a trip is a group named by the person and the time; while only offered
    # it can be given to anyone ("Zuweisen"), once accepted to someone else ("Neu zuweisen")
    group = trip.locator(f"fieldset.trip-request[data-request-id='{rid}']")
    expect(group.locator("legend")).to_contain_text("Elfriede")
    expect(group.get_by_role("button", name=DE["board.assign"], exact=True)).to_be_visible()

    # the volunteer accepts: the stops say so at once, never "(geplant)"
    volunteer = desk.context()
    try:
        name = offered["offered_to"]["first_name"].lower()
        staff_login(volunteer, f"{name}.eving@example.org")
        offer = next(o for o in api_get(volunteer, "/api/v1/offers")["offers"]
                     if o["request"]["id"] == rid)
        csrf_post(volunteer, f"/api/v1/offers/{offer['id']}/accept", {})
    finally:
        volunteer.close()
    expect(states.first).to_have_text(f"({DE['board_state.accepted']})")
    expect(group.get_by_role("button", name=DE["board.reassign"])).to_be_visible()
    expect(group.get_by_label(DE["board.reassign_to"])).to_be_visible()
    expect(trip).not_to_contain_text(f"({DE['stop_status.planned']})")
    page.locator(f"fieldset.trip-request[data-request-id='{rid}']").scroll_into_view_if_needed()
    shot(page, artifacts, "desk-trip-accepted-de")

    # done: no re-assigning, editing or cancelling of a finished ride
    stops = {s["kind"]: s["id"] for t in api_get(desk.ctx, "/api/v1/board?quarter=eving")["trips"]
             for s in t["stops"] if s["request_id"] == rid}
    csrf_post(desk.ctx, f"/api/v1/stops/{stops['pickup']}/picked_up", {})
    csrf_post(desk.ctx, f"/api/v1/stops/{stops['dropoff']}/dropped_off", {})
    expect(states.last).to_have_text(f"({DE['stop_status.done']})")
    expect(page.locator(f"fieldset.trip-request[data-request-id='{rid}']")).to_have_count(0)

    # the day picker shows that day's trips only
    page.locator("#board-day").fill(day.isoformat())
    expect(page.locator("#board-trips > li[data-trip-id]").first).to_be_visible()
    days = page.locator("#board-trips > li[data-trip-id]").evaluate_all(
        "(els) => els.map((el) => el.dataset.day)")
    assert set(days) == {day.isoformat()}
    page.locator("#board-day").fill("")


def test_the_desk_edits_and_cancels_a_request(desk: Desk) -> None:
    page = desk.page
    rid = desk.book("Hüseyin", 4, "11:00", to="Evinger Berg 2")
    desk.wait(rid, {"offered", "unservable"})
    page.locator(f"[data-edit='{rid}']").first.click()
    panel = page.locator("#request-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("h2")).to_contain_text("Hüseyin")
    expect(page.locator("#ed-time")).to_have_value("11:00")
    page.locator("#ed-time").select_option("11:30")
    page.locator("#ed-notes").fill("Bitte zweimal klingeln")
    # he now needs his wheelchair: only Mehmet's car has a wheelchair place
    wheelchair = panel.get_by_label(DE["need.wheelchair"], exact=True)
    expect(wheelchair).not_to_be_checked()
    wheelchair.check()
    # and he is fetched at his daughter's: another pick-up from the address list
    expect(page.locator("#ed-pickup")).not_to_have_value("")
    page.locator("#ed-pickup").fill("")
    _pick(page, "#ed-pickup", "Evinger Berg", "Evinger Berg 1")
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/requests/{rid}")
                              and r.request.method == "PATCH", timeout=60_000) as edited:
        panel.get_by_role("button", name=DE["board.save"]).click()
    assert edited.value.ok, edited.value.text()
    stored = api_get(desk.ctx, f"/api/v1/requests/{rid}")["request"]
    assert stored["time"].endswith("T11:30:00")
    assert stored["notes"] == "Bitte zweimal klingeln"
    assert stored["mobility_aids"] == ["wheelchair"]
    assert stored["pickup"]["address"].startswith("Evinger Berg 1"), stored["pickup"]
    stored = desk.wait(rid, {"offered", "unservable"})
    if stored["state"] == "offered":
        assert stored["offered_to"]["first_name"] == "Mehmet", stored
    else:  # Mehmet's day is full: the board says it is the wheelchair
        assert stored["reason"]["code"] in {"no_wheelchair_place_free",
                                            "no_wheelchair_vehicle"}, stored
    expect(page.locator("#edit-msg")).to_contain_text(DE["board.saved"].split(".")[0])
    assert serious_violations(page) == []

    desk.wait(rid, {"offered", "unservable"})
    page.locator(f"[data-cancel='{rid}']").first.click()
    expect(panel.locator("#cancel-confirm")).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/requests/{rid}/cancel"),
                              timeout=60_000) as cancelled:
        panel.get_by_role("button", name=DE["board.cancel_yes"]).click()
    assert cancelled.value.ok, cancelled.value.text()
    assert api_get(desk.ctx, f"/api/v1/requests/{rid}")["request"]["state"] == "cancelled"
    expect(panel).to_be_hidden()
    expect(page.locator(f"#main [data-request-id='{rid}']")).to_have_count(0)


def _pick(page: Page, field: str, typed: str, choice: str) -> None:
    page.locator(field).press_sequentially(typed, delay=30)
    page.locator(f"{field}-list > li").filter(
        has_text=re.compile(f"^{re.escape(choice)}")).first.click()


def test_register_new_resident_at_once_codes_per_person_and_profile_editing(
        desk: Desk, artifacts: Path) -> None:
    page = desk.page
    form = page.locator("#phone-form")
    page.locator("#ph-resident").select_option("new")
    page.locator("#ph-first").fill("Hiltraud")
    page.locator("#ph-last").fill("Neumann")
    _pick(page, "#ph-home", "Evinger Berg", "Evinger Berg 1")
    _pick(page, "#ph-dropoff", "Evinger Pl", "Evinger Platz")
    form.get_by_label(DE["booking.other_day"]).check()
    page.locator("#ph-date").fill((date.today() + timedelta(days=5)).isoformat())
    page.locator("#ph-time").select_option("14:00")
    form.get_by_label(DE["booking.purpose"]).select_option(label=DE["purpose.pharmacy"])
    with page.expect_response(lambda r: r.url.endswith("/api/v1/requests")
                              and r.request.method == "POST", timeout=60_000) as booked:
        form.get_by_role("button", name=DE["board.book"]).click()
    assert booked.value.status == 201, booked.value.text()
    resident_id = booked.value.json()["request"]["resident"]["id"]
    assert json.loads(booked.value.request.post_data or "{}")["purpose"] == "pharmacy"
    assert booked.value.json()["request"]["purpose"] == "pharmacy"

    # in the register and the person choice at once, without a reload
    row = page.locator(f"#people-list > li[data-person-id='{resident_id}']")
    expect(row).to_contain_text("Hiltraud Neumann")
    expect(page.locator("#ph-resident")).to_have_value(str(resident_id))
    # the banner's code button names her, and is gone as soon as another person is chosen
    banner = page.locator("#phone-result")
    expect(banner.locator(f"[data-code-for='{resident_id}']")).to_contain_text("Hiltraud")
    page.locator("#ph-resident").select_option(label="Elfriede S")
    expect(banner).to_be_hidden()
    expect(banner.locator("button")).to_have_count(0)

    # search by first or last name, in any case; nobody found says so
    search = page.locator("#people-q")
    for typed in ("Hiltr", "neuMANN"):
        search.fill(typed)
        expect(page.locator("#people-list > li")).to_have_count(1)
        expect(row).to_be_visible()
    search.fill("Niemand Sonst")
    expect(page.locator("#people-list > li")).to_have_count(0)
    expect(page.locator("#people-empty")).to_be_visible()
    search.fill("Hiltr")
    expect(page.locator("#people-list > li")).to_have_count(1)
    row.get_by_role("button", name=DE["board.make_code"]).click()
    expect(row.locator(".login-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    page.locator("#people-q").fill("")
    expect(page.locator("#people-list .login-code")).to_have_count(1)

    # profile editing
    row.get_by_role("button", name=DE["board.edit_profile"]).click()
    panel = page.locator("#profile-panel")
    expect(panel).to_be_visible()
    page.locator("#pf-phone").fill("0231 777888")
    panel.get_by_label(DE["need.walker"], exact=True).check()
    panel.get_by_label(DE["need.wheelchair"], exact=True).check()
    panel.get_by_label("Türkçe").check()
    page.locator("#pf-same").select_option("hard")
    page.locator("#pf-notes").fill("Hund im Haus")
    shot(page, artifacts, "desk-profile-edit-de")
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/residents/{resident_id}")
                              and r.request.method == "PATCH", timeout=60_000) as saved:
        panel.get_by_role("button", name=DE["board.save"]).click()
    assert saved.value.ok, saved.value.text()
    expect(row.locator("a[href='tel:0231777888']")).to_be_visible()
    person = next(r for r in api_get(desk.ctx, "/api/v1/residents?q=Hiltraud")["residents"]
                  if r["id"] == resident_id)
    search.fill("777888")  # by the new phone number
    expect(page.locator("#people-list > li")).to_have_count(1)
    expect(row).to_be_visible()
    search.fill("")
    assert person["phone"] == "0231 777888"
    assert sorted(person["resident"]["mobility_aids"]) == ["walker", "wheelchair"]
    assert "tr" in person["resident"]["languages"]
    assert person["resident"]["same_gender"] == "hard"
    assert person["resident"]["notes"] == "Hund im Haus"
    assert serious_violations(page) == []
    page.locator("#profile-close").click()
    # opened again, the panel shows what is stored
    row.get_by_role("button", name=DE["board.edit_profile"]).click()
    expect(panel.get_by_label(DE["need.wheelchair"], exact=True)).to_be_checked()
    expect(panel.get_by_label(DE["need.walker"], exact=True)).to_be_checked()
    expect(panel.get_by_label(DE["need.cane"], exact=True)).not_to_be_checked()
    expect(page.locator("#pf-same")).to_have_value("hard")
    expect(page.locator("#pf-phone")).to_have_value("0231 777888")
    page.locator("#profile-close").click()


def test_the_register_search_finds_people_beyond_the_first_page(desk: Desk) -> None:
    """The desk loads the first 50 names of its quarter; a search asks the server for the rest
    (Marten's desk, so the other tests' Eving register stays short)."""
    office = desk.context(viewport=DESK, is_mobile=False, has_touch=False)
    try:
        staff_login(office, "koordination.marten@example.org")
        home = api_get(office, "/api/v1/residents")["residents"][0]["resident"]["home"]
        for i in range(50):
            csrf_post(office, "/api/v1/residents", {
                "first_name": f"Nachbarin {i:02d}", "last_name": "Aaberg", "home": home})
        csrf_post(office, "/api/v1/residents", {
            "first_name": "Walburga", "last_name": "Zyska", "phone": "0231 999000",
            "home": home})
        page = office.new_page()
        page.goto("/app/board?lang=de")
        people = page.locator("#people-list > li")
        expect(people.first).to_be_visible()
        assert people.count() == 50
        expect(people.filter(has_text="Walburga")).to_have_count(0)
        page.locator("#people-q").fill("zysk")
        expect(people).to_have_count(1)
        expect(people.first).to_contain_text("Walburga Zyska")
        expect(people.first.locator("a[href='tel:0231999000']")).to_be_visible()
    finally:
        office.close()


def test_a_refusal_reason_is_shown_in_the_page_language(desk: Desk) -> None:
    """The API sends a stable reason code beside its German text; English shows English, and
    a German sentence on an Arabic page is set apart so its full stop stays where it belongs."""
    rid = desk.book("Gertrud", 6, "10:15")
    desk.wait(rid, {"offered", "unservable"})
    page = desk.page
    switch = """async (lang) => (await import("/static/js/app.js")).setLanguage(lang,
        {save: false})"""
    page.evaluate(switch, "en")
    try:
        expect(page.locator("html")).to_have_attribute("lang", "en")
        card = page.locator(f"#unassigned-list > li[data-request-id='{rid}'], "
                            f"#board-trips fieldset.trip-request[data-request-id='{rid}']")
        card.locator("select").select_option(label="Jolanta")
        with page.expect_response(lambda r: r.url.endswith(f"/requests/{rid}/assign"),
                                  timeout=60_000) as refused:
            card.locator("button[data-assign]").click()
        assert refused.value.status == 422
        reason = refused.value.json()["error"]["details"]["reason"]
        expect(card.locator(".assign [role=status]")).to_have_text(CAT["en"][f"reason.{reason}"])
        for lang in ("ar", "tr", "pl"):
            got = page.evaluate("""async ([lang, reason]) => {
                const app = await import("/static/js/app.js");
                await app.setLanguage(lang, {save: false});
                const err = new app.ApiError(422, {error: {code: "unservable",
                    message: "Das geht nicht.", details: {reason}}});
                app.toast(app.serverMessage(new app.ApiError(409, {error: {
                    code: "offer_taken", message: "Dieses Angebot ist nicht mehr offen."}})));
                const toast = [...document.querySelectorAll(".toast")].pop();
                return [app.serverMessage(err), toast.textContent, toast.dir];
            }""", [lang, reason])
            assert got == [CAT[lang][f"reason.{reason}"], CAT[lang]["server.offer_taken"], "auto"]
    finally:
        page.evaluate(switch, "de")
    expect(page.locator("html")).to_have_attribute("lang", "de")


def test_place_suggestions_name_their_street_and_district(desk: Desk) -> None:
    """A doctor or pharmacy in the suggestions shows where it is, not only its name."""
    page = desk.page
    field = page.locator("#ph-dropoff")
    field.fill("")
    field.press_sequentially("Apotheke", delay=30)
    detail = page.locator("#ph-dropoff-list > li .detail").first
    expect(detail).to_have_text(re.compile(r"^\S.* · \S.*$"))
    hit = api_get(desk.ctx, "/api/v1/addresses?q=Apotheke")["results"][0]
    assert hit["street"]
    assert hit["district"]
    field.fill("")


def test_a_resident_made_or_changed_at_one_desk_appears_at_the_other_without_reload(
        desk: Desk) -> None:
    """Two coordinators: what one records reaches the other's register and phone form live."""
    other = Desk(desk.browser, desk.live_server)
    try:
        page = other.page
        person = csrf_post(desk.ctx, "/api/v1/residents", {
            "first_name": "Gisela", "last_name": "Zweitplatz", "phone": "0231 444001",
            "home": address(desk.ctx, "Evinger Berg 1")})["person"]
        row = page.locator(f"#people-list > li[data-person-id='{person['id']}']")
        expect(row).to_contain_text("Gisela Zweitplatz", timeout=5_000)
        expect(page.locator(f"#ph-resident option[value='{person['id']}']")).to_have_count(1)

        # a new phone number, changed at the first desk, is the one the other desk calls
        csrf_patch(desk.ctx, f"/api/v1/residents/{person['id']}", {"phone": "0231 444002"})
        expect(row.locator("a[href='tel:0231444002']")).to_be_visible(timeout=5_000)
        expect(row.locator("a[href='tel:0231444001']")).to_have_count(0)
    finally:
        other.ctx.close()


def test_each_volunteer_s_week_shows_her_shifts_and_trips_per_day(
        desk: Desk, browser: Browser, live_server: LiveServer) -> None:
    """The office sees who is on duty on which day of the coming week, live."""
    page = desk.page
    volunteer = make_context(browser, live_server)
    try:
        staff_login(volunteer, "jolanta.eving@example.org")
        me = api_get(volunteer, "/api/v1/me")
        day = date.today() + timedelta(days=4)
        start = f"{day.isoformat()}T13:15:00"
        shift = csrf_post(volunteer, "/api/v1/me/shifts", {
            "starts_at": start, "ends_at": f"{day.isoformat()}T17:45:00"})
        item = page.locator(f"#volunteer-list > li[data-volunteer-id='{me['person']['id']}']")
        week = item.locator("details.week")
        week.locator("summary").click()
        line = week.locator(f"li[data-day='{day.isoformat()}']")
        expect(line).to_contain_text("13:15–17:45", timeout=5_000)  # pushed, no reload
        expect(line.locator(".trips")).to_have_text(DE["board.trip_count"].format(n=0))
        # still open after the board is drawn again
        page.locator("#board-day").fill(date.today().isoformat())
        expect(week).to_have_attribute("open", "")
        assert serious_violations(page) == []
        page.locator("#board-day").fill("")  # all days again, for the module's other tests
        shift_id = shift["shift"]["id"]
        token = volunteer.request.get("/api/v1/auth/csrf").json()["csrf_token"]
        assert volunteer.request.delete(f"/api/v1/me/shifts/{shift_id}",
                                        headers={"X-CSRFToken": token}).ok
    finally:
        volunteer.close()


def test_a_refusal_about_time_can_be_overridden_with_a_reason(desk: Desk) -> None:
    """Past the end of every shift: refused; "Trotzdem zuweisen" with a reason assigns it."""
    page = desk.page
    page.locator("#board-day").fill("")  # all days
    rid = desk.book("Elfriede", 6, "18:58")
    card = page.locator(f"#unassigned-list > li[data-request-id='{rid}']")
    expect(card).to_have_count(1, timeout=30_000)
    card.get_by_label(DE["board.volunteer"]).select_option(label="Anna")
    with page.expect_response(lambda r: r.url.endswith(f"/requests/{rid}/assign")) as refused:
        card.get_by_role("button", name=DE["board.assign"]).click()
    assert refused.value.status == 422
    assert refused.value.json()["error"]["details"]["forceable"] is True
    force = card.get_by_role("button", name=DE["board.force"])
    expect(force).to_be_visible()
    expect(card).to_contain_text(DE["board.force_hint"])
    # no reason, no override: nothing is sent, the reason field asks for one
    assigns: list[str] = []
    page.on("request", lambda r: assigns.append(r.url) if r.url.endswith(
        f"/requests/{rid}/assign") else None)
    force.click()
    expect(card.get_by_label(DE["board.force_reason"])).to_be_focused()
    card.get_by_label(DE["board.force_reason"]).fill("  ")
    force.click()
    expect(card.get_by_label(DE["board.force_reason"])).to_be_focused()
    assert assigns == []
    assert desk.wait(rid, {"unservable", "planned", "requested"}, 1)["state"] != "accepted"
    card.get_by_label(DE["board.force_reason"]).fill("Am Telefon so vereinbart")
    with page.expect_response(lambda r: r.url.endswith(f"/requests/{rid}/assign")) as forced:
        force.click()
    assert forced.value.ok, forced.value.text()
    assert json.loads(forced.value.request.post_data or "{}")["force_reason"] == \
        "Am Telefon so vereinbart"
    assert desk.wait(rid, {"accepted"})["state"] == "accepted"
    expect(page.locator(f"#unassigned-list > li[data-request-id='{rid}']")).to_have_count(0)
    assert serious_violations(page) == []
    csrf_post(desk.ctx, f"/api/v1/requests/{rid}/cancel", {})  # the day stays free for others
