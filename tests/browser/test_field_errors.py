"""A refused field says what is wrong in the person's language, at the field it is about.

The server answers in German and sends each field's code and parameters beside the words
(``dispatch.field_messages``); the page shows ``field.<code>`` of its own language. The bodies
are changed on their way out (``page.route``) to what a form cannot produce, so the real server
refuses them.
"""

from __future__ import annotations

import json
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from playwright.sync_api import Route
from playwright.sync_api import expect

from dispatch.field_messages import FIELD_MESSAGES
from tests.browser.conftest import NewContext
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login
from tests.browser.test_live_flow import elfriede_speaking
from tests.browser.test_live_flow import fill_booking_in_any_language
from tests.browser.test_live_flow import scroll_to

pytestmark = pytest.mark.browser

I18N = Path(__file__).resolve().parents[2] / "pwa" / "static" / "i18n"
CATALOGUES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in I18N.glob("*.json")}


def _say(lang: str, code: str, **params: object) -> str:
    text: str = CATALOGUES[lang][f"field.{code}"]
    return text.format(**params)


def _rewrite_booking(page: Page, change: dict[str, Any]) -> None:
    """Send the next booking with ``change`` applied to its body."""
    def handle(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        route.continue_(post_data=json.dumps({**body, **change}))
    page.route("**/api/v1/requests", handle, times=1)


def _submit(page: Page, lang: str) -> None:
    with page.expect_response(lambda r: r.url.endswith("/api/v1/requests")
                              and r.request.method == "POST") as answer:
        page.locator("#booking button[type=submit]").click()
    assert answer.value.status == 422, answer.value.text()
    codes = answer.value.json()["error"]["field_codes"]
    assert codes, "the API sends a code beside each field's German words"


@pytest.mark.parametrize("lang", ["en", "ar", "tr"])
def test_a_refused_field_is_explained_in_the_page_language(
        new_context: NewContext, lang: str, artifacts: Path) -> None:
    with elfriede_speaking(new_context, lang) as page:
        fill_booking_in_any_language(page)

        # refused by the schema: too many people, too long a note
        _rewrite_booking(page, {"passengers": 9, "notes": "x" * 600})
        _submit(page, lang)
        for field, text in (("passengers", _say(lang, "passengers", min=1, max=4)),
                            ("notes", _say(lang, "note_length", max=500))):
            under = page.locator(f"#{field}-error")
            expect(under).to_have_text(text)
            expect(under).to_be_visible()
            expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
        german = FIELD_MESSAGES["passengers"].format(min=1, max=4)
        assert german not in page.locator("#booking").inner_text()
        message = page.locator("#booking [data-form-error]")
        expect(message).to_have_text(CATALOGUES[lang]["server.validation_error"])
        expect(message).to_have_attribute("dir", "auto")
        scroll_to(message)
        shot(page, artifacts, f"field-errors-1-schema-{lang}")

        # refused by a rule of the service: a time in the past, shown under the time
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        _rewrite_booking(page, {"time": f"{yesterday}T10:00:00"})
        _submit(page, lang)
        under_time = page.locator("#time-error")
        expect(under_time).to_be_visible()
        expect(under_time).to_have_text(_say(lang, "future_time"))
        expect(page.locator("#time")).to_have_attribute("aria-invalid", "true")
        shot(page, artifacts, f"field-errors-2-rule-{lang}")


def test_the_office_reads_a_refused_profile_field_in_german_at_its_label(
        new_context: NewContext) -> None:
    """German pages keep the server's own words; a field without a place of its own is named."""
    office = new_context()
    staff_login(office, "koordination.eving@example.org")
    page = office.new_page()
    page.goto("/app/board?lang=de")
    page.locator("#people-q").fill("Elfriede")
    row = page.locator("#people-list li", has_text="Elfriede").first
    row.get_by_role("button", name=CATALOGUES["de"]["board.edit_profile"]).click()
    expect(page.locator("#pf-first")).to_have_value("Elfriede")

    def long_name(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        route.continue_(post_data=json.dumps({**body, "last_name": "y" * 81}))
    page.route("**/api/v1/residents/*", long_name, times=1)
    with page.expect_response(lambda r: r.request.method == "PATCH") as answer:
        page.locator("#profile-form button[type=submit]").click()
    assert answer.value.status == 422, answer.value.text()
    label = page.locator("label[for=pf-last]").inner_text().strip().rstrip(":*")
    expect(page.locator("#profile-msg")).to_contain_text(
        f"{label}: {FIELD_MESSAGES['too_long'].format(max=80)}")
