"""Notification settings (issue 13): each person chooses channels in order and quiet hours; a
resident names a caregiver who gets copies, with her consent recorded. The resident and the
volunteer set their own in the app, the quarter office a resident's on the board; the stored
values are read back through the API, and a wrong value gets a message in the page language.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import NewContext
from tests.browser.conftest import address
from tests.browser.conftest import api_get
from tests.browser.conftest import csrf_post
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login

pytestmark = pytest.mark.browser

I18N = Path(__file__).resolve().parents[2] / "pwa" / "static" / "i18n"
DE = json.loads((I18N / "de.json").read_text(encoding="utf-8"))
EN = json.loads((I18N / "en.json").read_text(encoding="utf-8"))
OFFICE = "koordination.eving@example.org"


def _office(new_context: NewContext, **kw: Any) -> BrowserContext:
    ctx = new_context(**kw)
    staff_login(ctx, OFFICE)
    return ctx


def _new_resident(office: BrowserContext, first: str, last: str) -> dict[str, Any]:
    """A resident of Eving no other test knows (one server for all browser tests)."""
    person: dict[str, Any] = csrf_post(office, "/api/v1/residents", {
        "first_name": first, "last_name": last, "phone": "+4923198765",
        "home": address(office, "Evinger Platz")})["person"]
    return person


def _order(page: Page, p: str) -> list[str]:
    return [str(x) for x in page.locator(f"#{p}channels > li").evaluate_all(
        "(rows) => rows.map((r) => r.dataset.channel)")]


def _row(page: Page, p: str, channel: str) -> Locator:
    return page.locator(f"#{p}channels > li[data-channel='{channel}']")


def test_a_resident_chooses_channels_quiet_hours_and_caregiver_copies(
        new_context: NewContext, artifacts: Path) -> None:
    office = _office(new_context)
    me = _new_resident(office, "Notburga", "Klingelhöfer")
    code = csrf_post(office, f"/api/v1/residents/{me['id']}/login-code", {})["code"]
    resident = new_context()
    csrf_post(resident, "/api/v1/auth/code", {"code": code})
    page = resident.new_page()
    page.goto("/app/resident?lang=de")
    expect(page.locator("#greeting")).to_contain_text("Notburga")

    page.get_by_role("button", name=DE["notify.heading"], exact=True).click()
    panel = page.locator("#notify")
    expect(page.locator("#nt-channels[data-loaded]")).to_be_visible()
    expect(page.locator("#nt-quiet-from")).to_have_accessible_name(DE["notify.quiet_from"])
    # nothing chosen yet: the server's order, every channel ticked
    assert _order(page, "nt-") == ["push", "sms", "email"]
    expect(page.locator("#nt-ch-push")).to_be_checked()
    # no app message; e-mail before SMS (moved up with its arrow, the focus stays on it)
    page.locator("#nt-ch-push").uncheck()
    email_up = DE["notify.move_up"].format(channel=DE["notify.ch_email"])
    panel.get_by_role("button", name=email_up).click()
    assert _order(page, "nt-") == ["push", "email", "sms"]
    expect(page.locator("#nt-channels-live")).to_have_text(
        DE["notify.moved"].format(channel=DE["notify.ch_email"], pos=2))
    expect(_row(page, "nt-", "email").locator("[data-up]")).to_be_focused()
    expect(_row(page, "nt-", "email").locator("[data-pos]")).to_have_text("1.")
    page.locator("#nt-quiet-from").fill("22:00")
    page.locator("#nt-quiet-until").fill("07:00")
    panel.get_by_label(DE["notify.caregiver_name"]).fill("Petra Klingelhöfer")
    page.locator("#nt-cg-phone").fill("+49 171 555 0101")
    expect(page.locator("#nt-cg-consent")).to_have_text(DE["notify.consent_none"])
    panel.get_by_label(DE["notify.consent_own"]).check()
    panel.get_by_role("button", name=DE["notify.save"]).click()
    expect(page.locator("#nt-saved")).to_contain_text(DE["notify.saved"])
    expect(page.locator("#nt-saved")).to_contain_text("1. E-Mail, 2. SMS")
    expect(page.locator("#nt-cg-consent")).to_contain_text("in der App")
    shot(page, artifacts, "notify-resident-de")

    stored = api_get(resident, "/api/v1/me/notifications")["notifications"]
    assert stored["channels"] == ["email", "sms"]
    assert (stored["quiet_from"], stored["quiet_until"]) == ("22:00", "07:00")
    caregiver = stored["caregiver"]
    assert caregiver["name"] == "Petra Klingelhöfer"
    assert caregiver["phone"] == "+491715550101"  # as the API wants it: no spaces
    assert caregiver["copies"] is True
    assert caregiver["consent_at"]
    assert caregiver["consent_recorded_by"] == me["id"]  # she gave it herself, in the app

    # kept after a reload
    page.reload()
    page.get_by_role("button", name=DE["notify.heading"], exact=True).click()
    expect(page.locator("#nt-channels[data-loaded]")).to_be_visible()
    expect(panel.get_by_label(DE["notify.caregiver_name"])).to_have_value("Petra Klingelhöfer")
    assert _order(page, "nt-") == ["email", "sms", "push"]
    expect(page.locator("#nt-ch-push")).not_to_be_checked()
    expect(page.locator("#nt-ch-email")).to_be_checked()
    expect(page.locator("#nt-quiet-from")).to_have_value("22:00")
    expect(page.locator("#nt-quiet-until")).to_have_value("07:00")
    expect(panel.get_by_label(DE["notify.consent_own"])).to_be_checked()

    # quiet hours without an end: the server's words next to the empty field
    until = page.locator("#nt-quiet-until")
    until.fill("")
    panel.get_by_role("button", name=DE["notify.save"]).click()
    error = page.locator("#nt-quiet-until-error")
    expect(error).to_have_text("Beginn und Ende angeben.")
    expect(until).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#nt-form-error")).to_have_text(
        "Bitte Beginn und Ende der Ruhezeit angeben.")
    # ... and in English on an English page
    page.locator("#lang-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    panel.get_by_role("button", name=EN["notify.save"]).click()
    expect(error).to_have_text(EN["notify.error_quiet"])
    stored = api_get(resident, "/api/v1/me/notifications")["notifications"]
    assert (stored["quiet_from"], stored["quiet_until"]) == ("22:00", "07:00")  # unchanged
    # no channel at all is said before anything is sent
    page.locator("#nt-ch-email").uncheck()
    page.locator("#nt-ch-sms").uncheck()
    panel.get_by_role("button", name=EN["notify.save"]).click()
    expect(page.locator("#nt-channels-error")).to_have_text(EN["notify.need_channel"])


def test_a_volunteer_chooses_her_channels_and_quiet_hours(new_context: NewContext) -> None:
    office = _office(new_context)
    email = "hannelore.ruhig@example.org"
    csrf_post(office, "/api/v1/volunteers", {  # neither drives nor walks: gets no offers
        "first_name": "Hannelore", "last_name": "Ruhig", "email": email,
        "password": "ruhig-ruhig-ruhig", "home": address(office, "Evinger Platz"),
        "drives": False, "escorts_on_foot": False})
    volunteer = new_context()
    who = csrf_post(volunteer, "/api/v1/auth/login",
                    {"email": email, "password": "ruhig-ruhig-ruhig"})
    assert who["person"]["role"] == "volunteer"
    page = volunteer.new_page()
    page.goto("/app/volunteer?lang=de")
    panel = page.locator("#notify")
    expect(page.locator("#nt-channels[data-loaded]")).to_be_visible()
    expect(panel.locator("#nt-cg-name")).to_have_count(0)  # copies are for residents only
    page.locator("#nt-ch-email").uncheck()
    panel.get_by_role("button", name=DE["notify.move_down"].format(
        channel=DE["notify.ch_push"])).click()
    page.locator("#nt-quiet-from").fill("20:00")
    page.locator("#nt-quiet-until").fill("06:30")
    panel.get_by_role("button", name=DE["notify.save"]).click()
    expect(page.locator("#nt-saved")).to_contain_text(DE["notify.saved"])
    stored = api_get(volunteer, "/api/v1/me/notifications")["notifications"]
    assert stored["channels"] == ["sms", "push"]
    assert (stored["quiet_from"], stored["quiet_until"]) == ("20:00", "06:30")
    assert "caregiver" not in stored


def test_the_office_sets_a_residents_notifications_on_the_board(
        new_context: NewContext, artifacts: Path) -> None:
    office = _office(new_context, viewport={"width": 1366, "height": 900}, is_mobile=False,
                     has_touch=False)
    coordinator_id = api_get(office, "/api/v1/me")["person"]["id"]
    waltraud = _new_resident(office, "Waltraud", "Ohnehandy")
    page = office.new_page()
    page.goto("/app/board?lang=de")
    page.locator("#people-q").fill("Ohnehandy")
    row = page.locator(f"#people-list > li[data-person-id='{waltraud['id']}']")
    row.get_by_role("button", name=DE["board.edit_profile"]).click()
    panel = page.locator("#profile-panel")
    expect(panel).to_be_visible()
    expect(page.locator("#pn-channels[data-loaded]")).to_be_visible()
    expect(page.locator("#pn-loading")).to_be_hidden()

    # she has no smartphone: SMS only, quiet at night, copies to her son by e-mail
    page.locator("#pn-ch-push").uncheck()
    page.locator("#pn-ch-email").uncheck()
    page.locator("#pn-quiet-from").fill("21:30")
    page.locator("#pn-quiet-until").fill("08:00")
    panel.get_by_label(DE["notify.caregiver_name"]).fill("Klaus Ohnehandy")
    page.locator("#pn-cg-email").fill("klaus.ohnehandy@example.org")
    panel.get_by_label(DE["notify.consent_office"]).check()
    with page.expect_response(lambda r: r.url.endswith(
            f"/api/v1/residents/{waltraud['id']}/notifications")
            and r.request.method == "PUT") as put:
        panel.get_by_role("button", name=DE["board.save"]).click()
    assert put.value.ok, put.value.text()
    msg = page.locator("#profile-msg")
    expect(msg).to_contain_text(DE["board.profile_saved"])
    expect(msg).to_contain_text(DE["notify.saved_office"])
    expect(page.locator("#pn-cg-consent")).to_contain_text("vom Quartiersbüro")
    shot(page, artifacts, "notify-board-de")

    stored = api_get(office, f"/api/v1/residents/{waltraud['id']}/notifications")
    prefs = stored["notifications"]
    assert prefs["channels"] == ["sms"]
    assert (prefs["quiet_from"], prefs["quiet_until"]) == ("21:30", "08:00")
    assert prefs["caregiver"]["email"] == "klaus.ohnehandy@example.org"
    assert prefs["caregiver"]["copies"] is True
    assert prefs["caregiver"]["consent_recorded_by"] == coordinator_id

    # a wrong phone number for the copies: said at the field, nothing stored
    phone = page.locator("#pn-cg-phone")
    phone.fill("0171 12")
    panel.get_by_role("button", name=DE["board.save"]).click()
    expect(page.locator("#pn-cg-phone-error")).to_contain_text("Ländervorwahl")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(msg).to_contain_text(DE["notify.not_saved"])
    prefs = api_get(office, f"/api/v1/residents/{waltraud['id']}/notifications")["notifications"]
    assert prefs["caregiver"]["phone"] is None
