"""Acceptance (3): axe-core finds no serious or critical violation on any view, in German and
Arabic; plus large text, large tap targets and reflow at 200 % zoom. Saves phone screenshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterator
from datetime import datetime
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
from tests.browser.conftest import csrf_post
from tests.browser.conftest import make_context
from tests.browser.conftest import resident_login_code
from tests.browser.conftest import serious_violations
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login

pytestmark = pytest.mark.browser

class Views:
    """Logged-in contexts for each role, with a little data so every part of a page shows."""

    def __init__(self, new_context: Callable[..., BrowserContext]) -> None:
        self.anonymous = new_context()
        self.coordinator = new_context()
        staff_login(self.coordinator, "koordination.eving@example.org")
        self.volunteer = new_context()
        staff_login(self.volunteer, "mehmet.eving@example.org")
        self.resident = new_context()
        code = resident_login_code(self.coordinator, "Hüseyin")
        csrf_post(self.resident, "/api/v1/auth/code", {"code": code})
        me = self.resident.request.get("/api/v1/me").json()["person"]
        when = (datetime.now() + timedelta(days=2)).replace(hour=11, minute=0, second=0,
                                                            microsecond=0)
        csrf_post(self.resident, "/api/v1/requests", {
            "kind": "ride", "pickup": me["resident"]["home"],
            "dropoff": address(self.resident, "Evinger Platz"),
            "time_mode": "arrive_by", "time": when.isoformat(timespec="seconds")})

    def open(self, ctx: BrowserContext, path: str, lang: str) -> Page:
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        sep = "&" if "?" in path else "?"
        page.goto(f"{path}{sep}lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        return page


def _settle(page: Page, view: str) -> None:
    """Wait until the live data of the view is on the page."""
    if view.startswith("resident"):
        expect(page.locator("#trip-list > li").first).to_be_visible()
    elif view == "volunteer":
        expect(page.locator("#greeting")).to_contain_text("Mehmet")
        expect(page.locator("#map .leaflet-control-zoom-in")).to_be_visible()
    elif view.startswith("board"):
        expect(page.locator("#volunteer-list > li").first).to_be_visible()
        expect(page.locator("#map .leaflet-control-zoom-in")).to_be_visible()


def _open_notifications(page: Page) -> None:
    """The resident's notification settings, loaded, with a consent note and a field error."""
    page.locator("#act-notify").click()
    expect(page.locator("#nt-channels[data-loaded]")).to_be_visible()
    page.locator("#nt-quiet-from").fill("22:00")
    page.locator("#nt-quiet-until").fill("")
    page.locator("#notify-form button[type=submit]").click()
    expect(page.locator("#nt-quiet-until-error")).to_be_visible()


VIEWS = [
    ("landing", "anonymous", "/"),
    ("login", "anonymous", "/login"),
    ("offline", "anonymous", "/offline"),
    ("resident", "resident", "/app/resident"),
    ("resident-booking", "resident", "/app/resident"),
    ("resident-notifications", "resident", "/app/resident"),
    ("volunteer", "volunteer", "/app/volunteer"),
    ("board", "coordinator", "/app/board"),
    ("board-week", "coordinator", "/app/board"),
    ("board-request", "coordinator", "/app/board"),
    ("board-profile", "coordinator", "/app/board"),
]


def _open_board_panel(page: Page, view: str) -> None:
    """The desk's panels: a volunteer's week, a request to edit, a resident's profile."""
    if view == "board-week":
        expect(page.locator("body[data-synced=on]")).to_be_attached()
        page.locator("#volunteer-list details.week summary").first.click()
        expect(page.locator("#volunteer-list details.week[open]").first).to_be_visible()
    elif view == "board-request":
        page.locator("[data-edit]").first.click()
        expect(page.locator("#edit-form")).to_be_visible()
    elif view == "board-profile":
        page.locator("#people-list [data-profile]").first.click()
        expect(page.locator("#profile-panel")).to_be_visible()


@pytest.fixture(scope="module")
def views(browser: Browser, live_server: LiveServer) -> Iterator[Views]:
    """One set of logged-in contexts (and one booking) for the whole module."""
    made: list[BrowserContext] = []

    def make(**kw: Any) -> BrowserContext:
        made.append(make_context(browser, live_server, **kw))
        return made[-1]

    yield Views(make)
    for ctx in made:
        ctx.close()


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_axe_finds_no_serious_violation_on_any_view(views: Views, lang: str,
                                                    artifacts: Path) -> None:
    problems: dict[str, list[dict[str, Any]]] = {}
    for view, role, path in VIEWS:
        page = views.open(getattr(views, role), path, lang)
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
        _settle(page, view)
        if view == "resident-booking":
            page.locator("#act-ride").click()
            expect(page.locator("#booking")).to_be_visible()
            page.locator("#dropoff").fill("Evinger")
            expect(page.locator("#dropoff-list > li").first).to_be_visible()
        if view == "resident-notifications":
            _open_notifications(page)
        if view.startswith("board-"):
            _open_board_panel(page, view)
        shot(page, artifacts, f"{view}-{lang}")
        found = serious_violations(page)
        if found:
            problems[view] = found
    assert not problems, f"axe-core ({lang}): {problems}"


SIZES_JS = """() => {
    const visible = (el) => {
        const r = el.getBoundingClientRect();
        const s = getComputedStyle(el);
        return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && !el.closest("[hidden]");
    };
    const small = [];
    const targets = document.querySelectorAll(
        "button, a.btn, .brand, select, input:not([type=radio]):not([type=checkbox]), textarea, " +
        "label.radio, label.switch, .leaflet-bar a, .suggestion");
    for (const el of targets) {
        if (!visible(el) || el.closest(".skip-link")) continue;
        const r = el.getBoundingClientRect();
        if (r.height < 48 || r.width < 48) {
            const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
            small.push(`${el.tagName}#${el.id}.${el.className} ${size}`);
        }
    }
    const texts = [...document.querySelectorAll("p, li, label, dd, dt, button, input, select, a")]
        .filter(visible).filter((el) => !el.closest(".leaflet-container"));
    const fonts = texts.map((el) => parseFloat(getComputedStyle(el).fontSize));
    const tiny = texts.filter((el) => parseFloat(getComputedStyle(el).fontSize) < 18)
        .map((el) => `${el.tagName}#${el.id}.${el.className}`).slice(0, 5);
    const wide = [...document.querySelectorAll("body *")].filter(visible)
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                        || el.getBoundingClientRect().left < -1)
        .map((el) => `${el.tagName}#${el.id}.${el.className}`).slice(0, 5);
    return {small, tiny, wide, minFont: Math.min(...fonts),
            body: getComputedStyle(document.body).fontSize,
            overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth};
}"""


@pytest.mark.parametrize("zoom", [1, 2])
def test_large_text_large_targets_and_reflow_at_200_percent(views: Views, zoom: int,
                                                            artifacts: Path) -> None:
    """At 390×844 and at 200 % zoom (the same screen, half the CSS pixels): text ≥ 18 px,
    targets ≥ 48 px, and nothing wider than the screen (no sideways scrolling)."""
    viewport = {"width": 390 // zoom, "height": 844 // zoom}
    failures = {}
    for view, role, path in VIEWS:
        ctx = getattr(views, role)
        page = views.open(ctx, path, "de")
        page.set_viewport_size(viewport)
        _settle(page, view)
        if view == "resident-booking":
            page.locator("#act-ride").click()
        if view == "resident-notifications":
            _open_notifications(page)
        if view.startswith("board-"):
            _open_board_panel(page, view)
        m = page.evaluate(SIZES_JS)
        if m["small"] or m["minFont"] < 18 or m["body"] != "18px" or m["overflow"] > 0:
            failures[view] = m
        if zoom == 2:
            shot(page, artifacts, f"{view}-de-zoom200")
        page.set_viewport_size({"width": 390, "height": 844})
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)


def test_the_axe_check_itself_catches_a_planted_problem(views: Views) -> None:
    """The harness can fail: an unlabelled field and grey-on-white text are reported."""
    page = views.open(views.anonymous, "/login", "de")
    page.evaluate("""() => {
        const p = document.createElement("p");
        p.textContent = "kaum lesbar";
        p.style.color = "#bbbbbb";
        document.querySelector("main").append(p, document.createElement("input"));
    }""")
    found = {v["id"] for v in serious_violations(page)}
    assert {"color-contrast", "label"} <= found, found
    page.reload()
