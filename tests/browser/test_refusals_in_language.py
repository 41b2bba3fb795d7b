"""Real refusals of the live server, shown in the person's language (de, en, tr, ar, pl).

The server answers in German and sends a stable code (and each field's code and parameters)
beside its words; the page shows the text of its own language from the translation files.
Nothing is made up here: a wrong login code, a booking too far ahead (through the form) and
an offer that the same volunteer already accepted on another device are refused by the server;
the texts expected are read from the translation files, never copied into the test.
"""

from __future__ import annotations

import json
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from dispatch.field_messages import FIELD_MESSAGES
from dispatch.pwa_views import LANGUAGES
from dispatch.services.booking import MAX_DAYS_AHEAD
from tests.browser.conftest import NewContext
from tests.browser.conftest import address
from tests.browser.conftest import api_get
from tests.browser.conftest import csrf_patch
from tests.browser.conftest import csrf_post
from tests.browser.conftest import resident_named
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login
from tests.browser.test_live_flow import login_resident
from tests.browser.test_volunteer_work import _wait

pytestmark = pytest.mark.browser

I18N = Path(__file__).resolve().parents[2] / "pwa" / "static" / "i18n"
CATALOGUES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in I18N.glob("*.json")}
DE = CATALOGUES["de"]
ALL = list(LANGUAGES)
assert sorted(ALL) == sorted(["de", "en", "tr", "ar", "pl"])
FAR_AHEAD_RESIDENTS = {"de": "Hedwig", "en": "Ingrid", "tr": "Zeynep", "ar": "Amal",
                       "pl": "Halina"}


def _page_speaks(page: Page, lang: str) -> None:
    """The page is in ``lang``; Arabic right to left, the others left to right."""
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")


def _not_german(lang: str, shown: str, *german: str) -> None:
    if lang != "de":
        for words in german:
            assert words not in shown, f"{lang}: the German text {words!r} is shown: {shown!r}"


@pytest.mark.parametrize("lang", ALL)
def test_a_wrong_login_code_is_refused_in_the_page_language(
        new_context: NewContext, lang: str, artifacts: Path) -> None:
    ctx = new_context(lang=lang)
    page = ctx.new_page()
    page.goto(f"/login?lang={lang}")
    _page_speaks(page, lang)
    page.locator("#code-input").fill("ZZZZ2222")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/code")) as answer:
        page.locator("#code-form [type=submit]").click()
    assert answer.value.status == 401, answer.value.text()
    error = answer.value.json()["error"]
    assert error["code"] == "login_failed", error
    shown = page.locator("#code-error")
    expect(shown).to_be_visible()
    expect(shown).to_have_text(CATALOGUES[lang]["login.code_wrong"])
    expect(page.locator("#code-input")).to_have_attribute("aria-invalid", "true")
    _not_german(lang, shown.inner_text(), DE["login.code_wrong"], error["message"])
    shot(page, artifacts, f"refusal-login-code-{lang}")


@pytest.mark.parametrize("lang", ALL)
def test_a_booking_too_far_ahead_is_refused_in_the_page_language(
        new_context: NewContext, lang: str, artifacts: Path) -> None:
    """The form lets a resident choose any later day; the server plans MAX_DAYS_AHEAD days.
    A new resident per language: every attempt counts against a resident's booking limit."""
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    first = FAR_AHEAD_RESIDENTS[lang]
    csrf_post(coordinator, "/api/v1/residents", {
        "first_name": first, "last_name": "Fernbuchung",
        "home": address(coordinator, "Evinger Berg 1")})
    page = login_resident(new_context(lang=lang), coordinator, first)
    page.goto(f"/app/resident?lang={lang}")
    _page_speaks(page, lang)
    page.locator("#act-ride").click()
    page.locator("#dropoff").press_sequentially("Evinger Pl", delay=30)
    page.locator("#dropoff-list > li", has_text="Evinger Platz").first.click()
    page.locator("[name='day'][value='date']").check()
    far = date.today() + timedelta(days=MAX_DAYS_AHEAD + 30)
    page.locator("#date").fill(far.isoformat())
    page.locator("#time").select_option("10:00")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/requests")
                              and r.request.method == "POST", timeout=60_000) as answer:
        page.locator("#booking button[type=submit]").click()
    assert answer.value.status == 422, answer.value.text()
    error = answer.value.json()["error"]
    assert error["code"] == "invalid_input", error
    assert error["field_codes"]["time"] == {"code": "days_ahead",
                                            "params": {"max": str(MAX_DAYS_AHEAD)}}, error

    under_time = page.locator("#time-error")
    expect(under_time).to_be_visible()
    expect(under_time).to_have_text(
        CATALOGUES[lang]["field.days_ahead"].format(max=MAX_DAYS_AHEAD))
    expect(page.locator("#time")).to_have_attribute("aria-invalid", "true")
    message = page.locator("#booking [data-form-error]")
    expect(message).to_be_visible()
    # German pages show the server's own sentence, the others the text of its code
    expect(message).to_have_text(
        error["message"] if lang == "de" else CATALOGUES[lang]["server.invalid_input"])
    german_field = FIELD_MESSAGES["days_ahead"].format(max=MAX_DAYS_AHEAD)
    assert error["fields"]["time"] == german_field
    _not_german(lang, page.locator("#booking").inner_text(), german_field, error["message"])
    shot(page, artifacts, f"refusal-days-ahead-{lang}")


@pytest.mark.parametrize("lang", ALL)
def test_an_offer_accepted_on_another_device_is_refused_in_the_page_language(
        new_context: NewContext, lang: str, artifacts: Path) -> None:
    """The volunteer's phone still shows an offer that her tablet accepted a moment ago (its
    live push has not arrived: the phone's socket is disconnected); tapping "accept" there is
    refused by the server (409 offer_taken) and said in her language."""
    coordinator = new_context()
    staff_login(coordinator, "koordination.eving@example.org")
    hueseyin = resident_named(coordinator, "Hüseyin")
    day = date.today() + timedelta(days=6 + ALL.index(lang))  # one day per language
    rid = csrf_post(coordinator, "/api/v1/requests", {
        "kind": "ride", "pickup": hueseyin["resident"]["home"],
        "dropoff": address(coordinator, "Evinger Platz"), "time": f"{day.isoformat()}T11:40:00",
        "resident_id": hueseyin["id"], "confirm_duplicate": True})["request"]["id"]
    try:
        offered = _wait(coordinator, rid, {"offered"})
        assert offered["state"] == "offered", (offered.get("reason"), offered)
        email = f"{offered['offered_to']['first_name'].lower()}.eving@example.org"
        phone, tablet = new_context(lang=lang), new_context()
        staff_login(phone, email)
        staff_login(tablet, email)
        try:
            page = phone.new_page()
            page.goto(f"/app/volunteer?lang={lang}")
            _page_speaks(page, lang)
            expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=30_000)
            offer_id = next(o["id"] for o in api_get(tablet, "/api/v1/offers")["offers"]
                            if o["request"]["id"] == rid)
            card = page.locator(f"#offer-list > li[data-offer-id='{offer_id}']")
            expect(card).to_have_count(1, timeout=30_000)
            page.evaluate("import('/static/js/app.js').then((app) => app.socket.disconnect())")
            expect(page.locator("body")).to_have_attribute("data-live", "off")

            csrf_post(tablet, f"/api/v1/offers/{offer_id}/accept", {})
            with page.expect_response(lambda r: r.url.endswith(f"/offers/{offer_id}/accept"),
                                      timeout=60_000) as answer:
                card.locator(f"[data-accept='{offer_id}']").click()
            assert answer.value.status == 409, answer.value.text()
            error = answer.value.json()["error"]
            assert error["code"] == "offer_taken", error
            toast = page.locator("#toasts .toast-error").last
            expect(toast).to_have_text(CATALOGUES[lang]["volunteer.taken"])
            _not_german(lang, toast.inner_text(), DE["volunteer.taken"], error["message"])
            expect(card).to_have_count(0)  # gone from the phone's offers
            shot(page, artifacts, f"refusal-offer-taken-{lang}")
        finally:
            csrf_patch(phone, "/api/v1/me", {"ui_language": "de"})
    finally:
        csrf_post(coordinator, f"/api/v1/requests/{rid}/cancel", {})
