"""Residents are told what is true and can say what they need (issue items 1, 2, 3, 6, 9):

- the booking form sends wheelchair, companions and a note; the volunteer sees them on the offer
  and on the stop, and the resident's phone number only after accepting;
- one mapping (status.js) turns every request state into the resident's sentence, in all five
  languages: "offered" is not "Es fährt Anna", "unservable" is not green and gives the office's
  number;
- "Nochmal buchen" is a quiet button that asks first and warns of the same ride on the same day;
- the quarter office's number is a tel: link on every page; a resident is asked before logging
  out; "Anderer Tag" is not split on a 390 px phone.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from dispatch.domain.lifecycle import RequestState
from dispatch.services.demo import VOLUNTEERS
from dispatch.services.demo import demo_phone
from tests.browser.conftest import NewContext
from tests.browser.conftest import address
from tests.browser.conftest import api_get
from tests.browser.conftest import csrf_patch
from tests.browser.conftest import csrf_post
from tests.browser.conftest import serious_violations
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login
from tests.browser.test_live_flow import elfriede_speaking
from tests.browser.test_live_flow import login_resident
from tests.browser.test_live_flow import scroll_to

pytestmark = pytest.mark.browser

I18N = Path(__file__).resolve().parents[2] / "pwa" / "static" / "i18n"
CATALOGUES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in I18N.glob("*.json")}
DE = CATALOGUES["de"]
EVING_OFFICE_TEL = "tel:0231000001"
NOTE = "2. Etage, bitte klingeln"
PROFILE_NOTE = "Hund im Haus, bitte laut klingeln"
#: the demo volunteers with a wheelchair place in their car (one: Mehmet)
WHEELCHAIR_DRIVERS = [first for first, _last, _g, _langs, drives, _foot, _seats, places, _off
                      in VOLUNTEERS if drives and places > 0]


def _day(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def _wait_request(ctx: BrowserContext, request_id: int, states: set[str],
                  timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        r: dict[str, Any] = api_get(ctx, f"/api/v1/requests/{request_id}")["request"]
        if r["state"] in states or time.monotonic() > deadline:
            return r
        time.sleep(0.5)


def _new_resident(coordinator: BrowserContext, first_name: str, phone: str) -> dict[str, Any]:
    home = address(coordinator, "Evinger Berg 1")
    person: dict[str, Any] = csrf_post(coordinator, "/api/v1/residents", {
        "first_name": first_name, "last_name": "Test", "phone": phone, "home": home})["person"]
    return person


def _new_resident_logged_in(new_context: NewContext, first_name: str, phone: str
                            ) -> tuple[BrowserContext, BrowserContext, Page]:
    """The office records a new resident; the resident logs in with the code it hands over.
    Returns the coordinator's and the resident's contexts and the resident's page."""
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    _new_resident(coordinator, first_name, phone)
    resident = new_context()
    return coordinator, resident, login_resident(resident, coordinator, first_name)


def _volunteer_page(new_context: NewContext, first_name: str) -> tuple[BrowserContext, Page]:
    """The Eving volunteer ``first_name`` logged in, on her page (German)."""
    volunteer = new_context()
    staff_login(volunteer, f"{first_name.lower()}.eving@example.org")
    page = volunteer.new_page()
    page.goto("/app/volunteer?lang=de")
    return volunteer, page


def _booking_to_the_platz(page: Page, hhmm: str, days: int = 1) -> None:
    """The resident opens the booking form: to Evinger Platz, in ``days`` days at ``hhmm``."""
    page.get_by_role("button", name=DE["resident.book_ride"], exact=True).click()
    _pick(page, "#dropoff", "Evinger Pl", "Evinger Platz")
    if days == 1:
        page.get_by_label(DE["booking.tomorrow"]).check()
    else:
        page.get_by_label(DE["booking.other_day"]).check()
        page.locator("#date").fill(_day(days))
    page.get_by_label(DE["booking.time"], exact=True).select_option(hhmm)


def _send_booking(page: Page) -> int:
    """Send the booking form; the new request's id."""
    with page.expect_response(lambda r: r.url.endswith("/api/v1/requests")
                              and r.request.method == "POST", timeout=60_000) as booked:
        page.get_by_role("button", name=DE["booking.submit"]).click()
    assert booked.value.status == 201, booked.value.text()
    return int(booked.value.json()["request"]["id"])


def _pick(page: Page, field: str, typed: str, choice: str) -> None:
    page.locator(field).press_sequentially(typed, delay=30)
    page.locator(f"{field}-list > li").filter(has=page.locator(".label").filter(
        has_text=re.compile(f"^{re.escape(choice)}$"))).first.click()
    expect(page.locator(field)).to_have_value(choice)


def test_wheelchair_companion_and_note_reach_the_volunteer_and_the_phone_only_after_accepting(
        new_context: NewContext, artifacts: Path) -> None:
    coordinator, resident, page = _new_resident_logged_in(new_context, "Waltraud", "0231 555111")

    _booking_to_the_platz(page, "11:00")
    page.get_by_label(DE["need.wheelchair"], exact=True).check()
    page.get_by_label(DE["booking.passengers"]).select_option("2")
    page.get_by_label(DE["booking.notes"]).fill(NOTE)
    scroll_to(page.locator("#booking fieldset.needs"))
    shot(page, artifacts, "needs-1-resident-form-de")
    request_id = _send_booking(page)

    # stored as the API's own fields, not only as words in the note
    stored = _wait_request(resident, request_id, {"offered", "unservable"})
    assert stored["mobility_aids"] == ["wheelchair"]
    assert stored["passengers"] == 2
    assert stored["notes"] == NOTE
    assert stored["state"] == "offered", stored
    assert stored["volunteer"] is None  # not named before accepting, not even in the API
    volunteer_name = stored["offered_to"]["first_name"]
    # the planner sent the wheelchair ride to the only car with a wheelchair place
    assert len(WHEELCHAIR_DRIVERS) == 1, WHEELCHAIR_DRIVERS
    assert volunteer_name == WHEELCHAIR_DRIVERS[0], (
        f"a wheelchair ride offered to {volunteer_name}, who has no wheelchair place")

    # while only offered, the resident is not told who drives
    card = page.locator(f"#trip-list > li[data-request-id='{request_id}']")
    expect(card.locator(".state")).to_have_text(DE["status.offered"])
    expect(card).not_to_contain_text(volunteer_name)
    expect(card.locator(".volunteer-name")).to_have_count(0)
    expect(card.locator(".call-volunteer")).to_have_count(0)
    expect(card.locator("dd.needs")).to_have_text(DE["need.wheelchair"])
    expect(card.locator("dd.note")).to_have_text(NOTE)
    scroll_to(card)
    shot(page, artifacts, "needs-2-resident-offered-de")

    # the volunteer's offer card shows the needs and the note before accepting, no phone number
    volunteer, vpage = _volunteer_page(new_context, volunteer_name)
    offer = vpage.locator("#offer-list > li[data-offer-id]").filter(has_text=NOTE)
    expect(offer).to_have_count(1, timeout=30_000)
    expect(offer.locator(".needs")).to_contain_text(DE["need.wheelchair"])
    expect(offer.locator(".note")).to_have_text(NOTE)
    expect(offer.locator(".passengers")).to_contain_text("2")
    expect(offer).not_to_contain_text("555111")
    expect(offer.locator("a[href^='tel:']")).to_have_count(0)
    scroll_to(offer)
    shot(vpage, artifacts, "needs-3-volunteer-offer-de")
    assert serious_violations(vpage) == []
    # the volunteer can call the office
    expect(vpage.locator(f"footer a[href='{EVING_OFFICE_TEL}']")).to_be_visible()
    offers_before = api_get(volunteer, "/api/v1/offers")["offers"]
    assert all("resident_phone" not in json.dumps(o) and "555111" not in json.dumps(o)
               for o in offers_before)
    assert "555111" not in json.dumps(api_get(volunteer, "/api/v1/trips/today"))

    offer.get_by_role("button", name=DE["volunteer.accept"]).click()
    pickup = vpage.locator(f"#stop-list > li[data-request-id='{request_id}']").filter(
        has_text=DE["stop.pickup"])
    expect(pickup).to_have_count(1)
    expect(pickup.locator(".needs")).to_contain_text(DE["need.wheelchair"])
    expect(pickup.locator(".note")).to_have_text(NOTE)
    call = pickup.locator("a[href='tel:0231555111']")
    expect(call).to_be_visible()
    held = [s for t in api_get(volunteer, "/api/v1/trips/today")["trips"] for s in t["stops"]
            if s["request_id"] == request_id]
    assert {s.get("resident_phone") for s in held} == {"0231 555111"}
    expect(call).to_contain_text("0231 555111")
    scroll_to(pickup)
    shot(vpage, artifacts, "needs-4-volunteer-stop-phone-de")

    # now the resident is told who drives
    expect(card.locator(".state")).to_have_text(
        DE["status.accepted"].format(name=volunteer_name))
    expect(card.locator(".state")).to_have_attribute("data-tone", "ok")
    # and can call the volunteer while the volunteer holds the ride (the office too)
    call_volunteer = card.locator(".call-volunteer a[href^='tel:']")
    expect(call_volunteer).to_be_visible()
    expect(call_volunteer).to_contain_text(volunteer_name)
    phone = demo_phone(0, [v[0] for v in VOLUNTEERS].index(volunteer_name))  # Eving: first
    assert call_volunteer.get_attribute("href") == "tel:" + phone.replace(" ", "")
    scroll_to(card)
    shot(page, artifacts, "needs-5-resident-accepted-de")
    csrf_post(coordinator, f"/api/v1/requests/{request_id}/cancel", {})
    expect(call_volunteer).to_have_count(0)


OTHER_AID = "kleines Sauerstoffgerät"


def test_walker_cane_and_another_aid_reach_the_volunteer_s_offer(
        new_context: NewContext, artifacts: Path) -> None:
    """Walker and cane are ticked, another aid is written in; all of it is stored and is on the
    volunteer's offer before accepting (the other aid in words, beside the note)."""
    _coordinator, resident, page = _new_resident_logged_in(new_context, "Mechthild", "0231 555777")
    # a day no test adds volunteers of its own to (their log-ins are not the demo's)
    _booking_to_the_platz(page, "16:00", days=5)
    needs = page.locator("#booking fieldset.needs")
    needs.get_by_label(DE["need.walker"], exact=True).check()
    needs.get_by_label(DE["need.cane"], exact=True).check()
    needs.get_by_label(DE["booking.aid_other"], exact=True).fill(OTHER_AID)
    page.get_by_label(DE["booking.notes"]).fill(NOTE)
    request_id = _send_booking(page)
    stored = _wait_request(resident, request_id, {"offered", "unservable"})
    assert sorted(stored["mobility_aids"]) == ["cane", "walker"]
    assert stored["notes"] == f"{DE['need.other']}: {OTHER_AID}. {NOTE}"
    assert stored["state"] == "offered", stored

    _volunteer, vpage = _volunteer_page(new_context, stored["offered_to"]["first_name"])
    offer = vpage.locator("#offer-list > li[data-offer-id]").filter(has_text=OTHER_AID)
    expect(offer).to_have_count(1, timeout=30_000)
    expect(offer.locator(".needs")).to_contain_text(DE["need.walker"])
    expect(offer.locator(".needs")).to_contain_text(DE["need.cane"])
    expect(offer.locator(".note")).to_contain_text(OTHER_AID)
    expect(offer.locator(".note")).to_contain_text(NOTE)
    scroll_to(offer)
    shot(vpage, artifacts, "needs-7-volunteer-offer-walker-cane-other-de")


def _accepted_by_its_volunteer(new_context: NewContext, coordinator: BrowserContext,
                               request_id: int) -> tuple[BrowserContext, Page]:
    """The volunteer the ride is offered to accepts it on the page; returns her context and
    page (with the ride's pick-up on it)."""
    offered = _wait_request(coordinator, request_id, {"offered"})
    assert offered["state"] == "offered", offered
    volunteer, page = _volunteer_page(new_context, offered["offered_to"]["first_name"])
    offer = page.locator(f"#offer-list > li[data-request-id='{request_id}']")
    expect(offer).to_have_count(1, timeout=30_000)
    offer.get_by_role("button", name=DE["volunteer.accept"]).click()
    expect(page.locator(f"#stop-list > li[data-request-id='{request_id}']")).to_have_count(2)
    return volunteer, page


def _phone_held(volunteer: BrowserContext, page: Page, request_id: int, tel: str) -> bool:
    """Whether the volunteer's page or API still carries the resident's number for the ride."""
    stops = page.locator(f"#stop-list > li[data-request-id='{request_id}']")
    shown = stops.locator(f"a[href='{tel}']").count() > 0
    trips = api_get(volunteer, "/api/v1/trips/today")["trips"]
    sent = any(s.get("resident_phone") for t in trips for s in t["stops"]
               if s["request_id"] == request_id)
    return shown or sent


def test_the_resident_s_number_leaves_the_volunteer_with_the_ride(
        new_context: NewContext) -> None:
    """Her number is on the volunteer's stop while the volunteer holds the ride, and gone from
    page and API once it is handed back, given to another volunteer, or done."""
    coordinator, resident, _page = _new_resident_logged_in(new_context, "Liselotte",
                                                           "0231 555666")
    tel = "tel:0231555666"
    home = api_get(resident, "/api/v1/me")["person"]["resident"]["home"]
    platz = address(resident, "Evinger Platz")

    def book(hhmm: str) -> int:
        return int(csrf_post(resident, "/api/v1/requests", {
            "kind": "ride", "pickup": home, "dropoff": platz, "time_mode": "arrive_by",
            "time": f"{_day(4)}T{hhmm}:00"})["request"]["id"])

    rides = {why: book(hhmm) for why, hhmm in
             (("hand_back", "09:00"), ("reassign", "11:30"), ("done", "15:00"))}
    held = {why: _accepted_by_its_volunteer(new_context, coordinator, rid)
            for why, rid in rides.items()}
    for why, (volunteer, page) in held.items():
        pickup = page.locator(f"#stop-list > li[data-request-id='{rides[why]}']").filter(
            has_text=DE["stop.pickup"])
        expect(pickup.locator(f"a[href='{tel}']")).to_be_visible()
        assert _phone_held(volunteer, page, rides[why], tel)

    # handed back
    volunteer, page = held["hand_back"]
    csrf_post(volunteer, f"/api/v1/requests/{rides['hand_back']}/hand-back", {})
    expect(page.locator(f"#stop-list > li[data-request-id='{rides['hand_back']}']")) \
        .to_have_count(0, timeout=30_000)
    assert not _phone_held(volunteer, page, rides["hand_back"], tel)

    # given by the office to another volunteer
    volunteer, page = held["reassign"]
    holder = api_get(coordinator, f"/api/v1/requests/{rides['reassign']}")["request"]
    others = [v["id"] for v in api_get(coordinator, "/api/v1/board")["volunteers"]
              if v["id"] != holder["volunteer"]["id"]]
    token = coordinator.request.get("/api/v1/auth/csrf").json()["csrf_token"]
    answers = []
    for other in others:  # the first who may take it (some have no car, or no time)
        answers.append(coordinator.request.post(
            f"/api/v1/requests/{rides['reassign']}/assign", timeout=60_000,
            data={"volunteer_id": other, "force_reason": "Am Telefon so vereinbart"},
            headers={"X-CSRFToken": token}))
        if answers[-1].ok:
            break
    assert answers[-1].ok, [a.text() for a in answers]
    expect(page.locator(f"#stop-list > li[data-request-id='{rides['reassign']}']")) \
        .to_have_count(0, timeout=30_000)
    assert not _phone_held(volunteer, page, rides["reassign"], tel)

    # done: picked up and dropped off on the page
    volunteer, page = held["done"]
    stops = page.locator(f"#stop-list > li[data-request-id='{rides['done']}']")
    pickup, dropoff = stops.filter(has_text=DE["stop.pickup"]), stops.filter(
        has_text=DE["stop.dropoff"])
    for stop, actions in ((pickup, ("arrived", "picked_up")), (dropoff, ("arrived",
                                                                           "dropped_off"))):
        for action in actions:
            stop.get_by_role("button", name=DE[f"stop_action.{action}"]).click()
            expect(stop.get_by_role("button", name=DE[f"stop_action.{action}"])) \
                .to_have_count(0, timeout=30_000)
    assert _wait_request(coordinator, rides["done"], {"completed"})["state"] == "completed"
    expect(stops.locator(f"a[href='{tel}']")).to_have_count(0)
    assert not _phone_held(volunteer, page, rides["done"], tel)


def _set_language(page: Page, lang: str) -> None:
    """Switch the page's language with the menu (stored for the person, as a person does)."""
    with page.expect_response(lambda r: r.url.endswith("/api/v1/me")
                              and r.request.method == "PATCH", timeout=60_000):
        page.locator("#lang-select").select_option(lang)
    expect(page.locator("html")).to_have_attribute("lang", lang)


def test_the_profile_note_languages_and_same_gender_wish_reach_the_volunteer_before_accepting(
        new_context: NewContext, artifacts: Path) -> None:
    """The office writes in her profile what a volunteer should know; the volunteer reads it on
    the offer (before accepting) and on the stop, in the page's language."""
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    person = csrf_post(coordinator, "/api/v1/residents", {
        "first_name": "Irmgard", "last_name": "Test", "phone": "0231 555444", "gender": "f",
        "home": address(coordinator, "Evinger Berg 1")})["person"]
    profile = csrf_patch(coordinator, f"/api/v1/residents/{person['id']}", {
        "notes": PROFILE_NOTE, "languages": ["pl", "de"], "same_gender": "hard"})["person"]
    assert profile["resident"]["notes"] == PROFILE_NOTE
    request_id = csrf_post(coordinator, "/api/v1/requests", {
        "kind": "ride", "pickup": profile["resident"]["home"],
        "dropoff": address(coordinator, "Evinger Platz"), "time_mode": "pickup_after",
        "time": f"{_day(2)}T10:30:00", "resident_id": person["id"]})["request"]["id"]
    offered = _wait_request(coordinator, request_id, {"offered", "unservable"})
    assert offered["state"] == "offered", offered
    name = offered["offered_to"]["first_name"]
    assert name == "Anna", offered  # the only woman among the demo's drivers

    volunteer, page = _volunteer_page(new_context, name)
    try:
        # before accepting: the offer card says it all, without her phone number
        offer = page.locator("#offer-list > li[data-offer-id]").filter(has_text=PROFILE_NOTE)
        expect(offer).to_have_count(1, timeout=30_000)
        _expect_person_facts(offer, "de")
        expect(offer).not_to_contain_text("555444")
        scroll_to(offer)
        shot(page, artifacts, "needs-6-volunteer-offer-profile-de")
        assert serious_violations(page) == []
        _set_language(page, "ar")
        _expect_person_facts(offer, "ar")
        scroll_to(offer)
        shot(page, artifacts, "needs-6-volunteer-offer-profile-ar")
        assert serious_violations(page) == []
        _set_language(page, "de")

        offer.get_by_role("button", name=DE["volunteer.accept"]).click()
        pickup = page.locator(f"#stop-list > li.stop-pickup[data-request-id='{request_id}']")
        expect(pickup).to_have_count(1)
        expect(pickup).to_contain_text(DE["stop.pickup"])
        for lang in ("de", "en", "tr", "ar", "pl"):
            _set_language(page, lang)
            _expect_person_facts(pickup, lang)
        scroll_to(pickup)
        shot(page, artifacts, "needs-7-volunteer-stop-profile-pl")
    finally:
        csrf_patch(volunteer, "/api/v1/me", {"ui_language": "de"})
        # the demo volunteers' hours of the week are shared by the module's tests
        csrf_post(coordinator, f"/api/v1/requests/{request_id}/cancel", {})


def _expect_person_facts(card: Any, lang: str) -> None:
    """The profile's note, languages and same-gender wish, each under its label in ``lang``."""
    cat = CATALOGUES[lang]
    expect(card.locator("dd.profile-note")).to_have_text(PROFILE_NOTE)
    expect(card.locator("dd.languages")).to_have_text("Polski, Deutsch")
    expect(card.locator("dd.same-gender")).to_have_text(cat["volunteer.same_gender_hard"])
    labels = card.locator("dt")
    for key in ("volunteer.profile_note", "volunteer.languages", "volunteer.same_gender"):
        expect(labels.filter(has_text=re.compile(f"^{re.escape(cat[key])}$"))).to_have_count(1)
    for dd in ("dd.profile-note", "dd.languages", "dd.same-gender"):
        expect(card.locator(dd)).to_be_visible()


STATUS_JS = """async ({lang, states}) => {
    const app = await import("/static/js/app.js");
    const status = await import("/static/js/status.js");
    await app.setLanguage(lang, {save: false});
    const anna = {id: 1, first_name: "Anna"};
    const out = {};
    for (const state of states) {
        out[state] = status.residentStatus({state, kind: "ride", volunteer: anna}).text;
    }
    out.accepted_walk = status.residentStatus(
        {state: "accepted", kind: "escort_walk", volunteer: anna}).text;
    out.at_door = status.residentStatus(
        {state: "en_route", kind: "ride", volunteer: anna, pickup_arrived: true}).text;
    out.mapped = Object.keys(status.RESIDENT_STATUS);
    return out;
}"""


@pytest.mark.parametrize("lang", ["de", "en", "tr", "ar", "pl"])
def test_the_status_module_has_a_sentence_for_every_state(new_context: NewContext,
                                                          lang: str) -> None:
    ctx = new_context(lang=lang)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"/login?lang={lang}")
    states = [s.value for s in RequestState]
    texts = page.evaluate(STATUS_JS, {"lang": lang, "states": states})
    assert sorted(texts.pop("mapped")) == sorted(states)
    cat = CATALOGUES[lang]
    for key, text in texts.items():
        assert text, f"{lang}: no sentence for {key}"
        assert not text.startswith("["), f"{lang}: no sentence for {key}: {text}"
    assert not [e for e in errors if "missing translation" in e]
    # nobody is named while the ride is only requested, planned or offered
    for state in ("requested", "planned", "offered"):
        assert "Anna" not in texts[state], (lang, state, texts[state])
    assert texts["offered"] == cat["status.offered"]
    assert texts["accepted"] == cat["status.accepted"].format(name="Anna")
    assert texts["accepted_walk"] == cat["status.accepted_walk"].format(name="Anna")
    assert texts["at_door"] == cat["status.at_door"].format(name="Anna")
    assert texts["en_route"] != texts["at_door"]
    if lang == "de":
        assert texts["offered"].startswith("Wird angefragt")
        assert texts["accepted"] == "Es fährt Anna."
        assert texts["accepted_walk"] == "Es begleitet Sie Anna."
        assert texts["at_door"] == "Anna wartet vor der Tür."


def test_an_unservable_ride_says_so_in_red_with_the_office_number(
        new_context: NewContext, artifacts: Path) -> None:
    coordinator, resident, page = _new_resident_logged_in(new_context, "Ottilie", "0231 555222")
    me = api_get(resident, "/api/v1/me")["person"]
    # nobody is on duty at 21:30 (the demo's times on duty end at 19:00)
    created = csrf_post(resident, "/api/v1/requests", {
        "kind": "ride", "pickup": me["resident"]["home"],
        "dropoff": address(resident, "Evinger Markt"), "time_mode": "pickup_after",
        "time": f"{_day(2)}T21:30:00"})["request"]
    assert created["state"] == "unservable", created
    page.reload()
    card = page.locator(f"#trip-list > li[data-request-id='{created['id']}']")
    state = card.locator(".state")
    expect(state).to_have_text(DE["status.unservable"])
    expect(state).to_have_attribute("data-tone", "problem")
    expect(state).to_have_css("color", "rgb(164, 22, 26)")  # --danger, not green or blue
    expect(card).not_to_contain_text(DE["resident.booked"])
    expect(card).not_to_contain_text("null")
    expect(card.locator(".call-office")).to_contain_text(DE["status.call_office"])
    expect(card.locator(f".call-office a[href='{EVING_OFFICE_TEL}']")).to_contain_text(
        "0231 000001")
    scroll_to(card)
    shot(page, artifacts, "status-unservable-de")
    assert serious_violations(page) == []


def test_book_again_is_quiet_asks_first_and_warns_of_the_same_ride(
        new_context: NewContext, artifacts: Path) -> None:
    coordinator, resident, page = _new_resident_logged_in(new_context, "Hildegard", "0231 555333")
    me = api_get(resident, "/api/v1/me")["person"]
    markt = address(resident, "Evinger Markt")
    created = csrf_post(resident, "/api/v1/requests", {
        "kind": "ride", "pickup": me["resident"]["home"], "dropoff": markt,
        "time_mode": "arrive_by", "time": f"{_day(3)}T09:30:00",
        "return_after_minutes": 120})["request"]
    count = len(api_get(resident, "/api/v1/requests")["requests"])
    page.reload()
    card = page.locator(f"#trip-list > li[data-request-id='{created['id']}']")
    again = card.locator("[data-again]")
    expect(again).to_be_visible()
    # the return card tells the plan's pick-up time, not the first estimate
    ret = api_get(resident, f"/api/v1/requests/{created['return_id']}")["request"]
    assert ret["planned_pickup"], ret
    ret_card = page.locator(f"#trip-list > li[data-request-id='{ret['id']}']")
    # the estimate opens 15 min after the latest arrival and the appointment; the plan ties the
    # pick-up to the planned drop-off, which is never after the latest arrival: they differ
    assert ret["planned_pickup"][11:16] < ret["time"][11:16], ret
    expect(ret_card.locator("dd.when")).to_contain_text(ret["planned_pickup"][11:16])
    expect(ret_card.locator("dd.when")).not_to_contain_text(ret["time"][11:16])
    expect(card.locator("dd.return-info")).to_contain_text(ret["planned_pickup"][11:16])
    expect(ret_card.locator("[data-again]")).to_have_count(0)
    # not the most prominent button: quiet, no filled primary button on the card
    expect(again).to_have_class(re.compile(r"\bbtn-quiet\b"))
    expect(card.locator(".btn-primary")).to_have_count(0)
    expect(again).to_have_css("background-color", "rgba(0, 0, 0, 0)")

    # it asks first: outward (date and time) and return, nothing is booked yet
    again.click()
    box = card.locator(".again-confirm")
    expect(box).to_be_visible()
    next_week = date.fromisoformat(_day(3)) + timedelta(days=7)
    expect(box.locator("[data-again-out]")).to_contain_text("09:30")
    expect(box.locator("[data-again-out]")).to_contain_text(str(next_week.day))
    expect(box.locator("[data-again-out]")).to_contain_text(markt["address"])
    expect(box.locator("[data-again-return]")).to_have_text(
        DE["resident.again_return"].format(after=DE["booking.after_120"]))
    expect(box.locator(".duplicate")).to_have_count(0)
    scroll_to(box)
    shot(page, artifacts, "again-1-confirm-de")
    box.get_by_role("button", name=DE["resident.cancel_no"]).click()
    expect(box).to_have_count(0)
    assert len(api_get(resident, "/api/v1/requests")["requests"]) == count

    # the same ride on that day exists already: warned, and booked only when confirmed
    csrf_post(resident, "/api/v1/requests", {
        "kind": "ride", "pickup": me["resident"]["home"], "dropoff": markt,
        "time_mode": "arrive_by", "time": f"{next_week.isoformat()}T09:30:00"})
    count = len(api_get(resident, "/api/v1/requests")["requests"])
    page.reload()
    card.locator("[data-again]").click()
    box = card.locator(".again-confirm")
    expect(box.locator(".duplicate")).to_contain_text(DE["resident.duplicate"].split(":")[0])
    scroll_to(box)
    shot(page, artifacts, "again-2-duplicate-de")
    with page.expect_response(lambda r: r.url.endswith(f"/requests/{created['id']}/again"),
                              timeout=60_000) as resp:
        box.get_by_role("button", name=DE["resident.again_anyway"]).click()
    assert resp.value.status == 201, resp.value.text()
    assert len(api_get(resident, "/api/v1/requests")["requests"]) == count + 2  # with return

    # the booking form warns too before sending the same ride again
    page.get_by_role("button", name=DE["resident.book_ride"], exact=True).click()
    _pick(page, "#dropoff", "Evinger Markt", markt["address"])
    page.get_by_label(DE["booking.other_day"]).check()
    page.locator("#date").fill(_day(3))
    page.get_by_label(DE["booking.time"], exact=True).select_option("11:00")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST"
            and r.url.endswith("/api/v1/requests") else None)
    page.get_by_role("button", name=DE["booking.submit"]).click()
    warning = page.locator("#booking-duplicate")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(DE["resident.duplicate"].split(":")[0])
    shot(page, artifacts, "again-3-form-duplicate-de")
    assert posts == []
    with page.expect_response(lambda r: r.url.endswith("/api/v1/requests")
                              and r.request.method == "POST", timeout=60_000) as booked:
        warning.get_by_role("button", name=DE["booking.duplicate_anyway"]).click()
    assert booked.value.status == 201, booked.value.text()


WORDS_SPLIT_JS = """(el) => {
    // words of the label that are spread over two lines (a break inside a word)
    const node = [...el.childNodes].find(
        (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    const text = node.textContent;
    const broken = [];
    let i = 0;
    for (const word of text.split(/(\\s+)/)) {
        if (word.trim()) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + word.length);
            const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
            if (tops.size > 1) broken.push(word);
        }
        i += word.length;
    }
    return broken;
}"""


@pytest.mark.parametrize("lang", ["de", "en", "tr", "ar", "pl"])
def test_other_day_is_not_split_on_a_small_phone_and_the_office_number_is_on_the_page(
        new_context: NewContext, lang: str, artifacts: Path) -> None:
    with elfriede_speaking(new_context, lang) as page:
        _other_day_and_office(page, lang, artifacts)


def _other_day_and_office(page: Page, lang: str, artifacts: Path) -> None:
    page.locator("#act-ride").click()
    label = page.locator("[name='day'][value='date'] + span")
    expect(label).to_have_text(CATALOGUES[lang]["booking.other_day"])
    assert label.evaluate(WORDS_SPLIT_JS) == []
    scroll_to(label)
    if lang in ("de", "ar"):
        shot(page, artifacts, f"booking-other-day-{lang}")
    # only the own quarter office, as a tel: link
    own = page.locator(f"footer a[href='{EVING_OFFICE_TEL}']")
    expect(own).to_be_visible()
    expect(own).to_contain_text("0231 000001")
    expect(page.locator("footer a[href='tel:0231000000']")).to_be_hidden()
    if lang in ("de", "ar"):
        scroll_to(own)
        shot(page, artifacts, f"office-footer-{lang}")


def test_office_number_on_the_public_pages_and_a_resident_is_asked_before_logging_out(
        new_context: NewContext, artifacts: Path) -> None:
    anonymous = new_context()
    page = anonymous.new_page()
    for path in ("/", "/login", "/offline"):
        page.goto(f"{path}?lang=de")
        expect(page.locator(f"footer a[href='{EVING_OFFICE_TEL}']")).to_be_visible()
        expect(page.locator("footer a[href='tel:0231000000']")).to_be_visible()

    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    resident = new_context()
    rpage = login_resident(resident, coordinator, "Gertrud")

    # a pick-up outside her quarter is said at once (item 9), one inside is not
    outside = next(h for h in api_get(resident, "/api/v1/addresses?q=Martener&limit=30")["results"]
                   if h["quarter"] != "eving")
    inside = next(h for h in api_get(resident, "/api/v1/addresses?q=Evinger Berg")["results"]
                  if h["quarter"] == "eving")
    rpage.get_by_role("button", name=DE["resident.book_ride"], exact=True).click()
    rpage.get_by_label(DE["booking.from_other"]).check()
    warn = rpage.locator("#pickup-warn")
    _pick(rpage, "#pickup", "Martener", outside["label"])
    expect(warn).to_be_visible()
    expect(warn).to_have_text(DE["booking.pickup_outside"].format(quarter="Eving"))
    scroll_to(warn)
    shot(rpage, artifacts, "booking-pickup-outside-de")
    rpage.locator("#pickup").fill("")
    _pick(rpage, "#pickup", "Evinger Berg", inside["label"])
    expect(warn).to_be_hidden()
    rpage.get_by_role("button", name=DE["common.back"]).click()

    rpage.get_by_role("button", name=DE["common.logout"]).click()
    box = rpage.locator("#logout-confirm")
    expect(box).to_be_visible()
    expect(box).to_contain_text(DE["logout.explain"])
    expect(box.locator(f"a[href='{EVING_OFFICE_TEL}']")).to_be_visible()
    expect(rpage.get_by_role("button", name=DE["logout.no"])).to_be_focused()
    shot(rpage, artifacts, "logout-confirm-de")
    assert serious_violations(rpage) == []
    rpage.get_by_role("button", name=DE["logout.no"]).click()
    expect(box).to_be_hidden()
    assert resident.request.get("/api/v1/me").ok, "still logged in"
    rpage.get_by_role("button", name=DE["common.logout"]).click()
    rpage.get_by_role("button", name=DE["logout.yes"]).click()
    rpage.wait_for_url(re.compile(r"/$"))  # after the load: the new page's scripts run
    assert resident.request.get("/api/v1/me").status == 401

    # staff log out at once (no code to lose)
    staff = new_context()
    staff_login(staff, "anna.eving@example.org")
    vpage = staff.new_page()
    vpage.goto("/app/volunteer?lang=de")
    expect(vpage.locator("#greeting")).to_contain_text("Anna")
    vpage.get_by_role("button", name=DE["common.logout"]).click()
    vpage.wait_for_url(re.compile(r"/$"))  # after the load: the new page's scripts run


def test_the_booking_form_takes_her_wishes_from_the_profile_for_this_ride(
        new_context: NewContext, artifacts: Path) -> None:
    """Languages and the same-gender wish come from her profile; she may change them for one
    ride: the ride is booked with what the form said, and her profile stays as it was."""
    coordinator, resident, page = _new_resident_logged_in(new_context, "Leyla", "0231 555222")
    person = next(r for r in api_get(coordinator, "/api/v1/residents?q=Leyla")["residents"]
                  if r["first_name"] == "Leyla")
    csrf_patch(coordinator, f"/api/v1/residents/{person['id']}",
               {"languages": ["tr", "de"], "same_gender": "hard", "gender": "f"})
    page.reload()
    page.get_by_role("button", name=DE["resident.book_ride"], exact=True).click()
    wishes = page.locator("#booking [data-ride-wishes]")
    expect(wishes).to_be_visible()
    expect(wishes.get_by_label(DE["lang.tr"])).to_be_checked()
    expect(wishes.get_by_label(DE["lang.de"])).to_be_checked()
    expect(wishes.get_by_label(DE["lang.ar"])).not_to_be_checked()
    same = wishes.get_by_label(DE["board.same_gender"])
    expect(same).to_have_value("hard")
    scroll_to(wishes)
    shot(page, artifacts, "wishes-1-resident-form-de")

    # for this ride anyone may come, in German
    same.select_option("none")
    wishes.get_by_label(DE["lang.tr"]).uncheck()
    _pick(page, "#dropoff", "Evinger Pl", "Evinger Platz")
    page.get_by_label(DE["booking.tomorrow"]).check()
    page.get_by_label(DE["booking.time"], exact=True).select_option("12:00")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/requests")
                              and r.request.method == "POST", timeout=60_000) as booked:
        page.get_by_role("button", name=DE["booking.submit"]).click()
    assert booked.value.status == 201, booked.value.text()
    request_id = booked.value.json()["request"]["id"]
    stored = api_get(coordinator, f"/api/v1/requests/{request_id}")["request"]
    assert stored["resident"]["needs"]["languages"] == ["de"]
    assert stored["resident"]["needs"]["same_gender"] == "none"
    profile = next(r for r in api_get(coordinator, "/api/v1/residents?q=Leyla")["residents"]
                   if r["id"] == person["id"])["resident"]
    assert (profile["languages"], profile["same_gender"]) == (["tr", "de"], "hard")
    csrf_post(coordinator, f"/api/v1/requests/{request_id}/cancel", {})

    # the next booking starts again from the profile
    page.get_by_role("button", name=DE["resident.book_ride"], exact=True).click()
    expect(wishes.get_by_label(DE["lang.tr"])).to_be_checked()
    expect(wishes.get_by_label(DE["board.same_gender"])).to_have_value("hard")
