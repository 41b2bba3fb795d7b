"""Acceptance (4) the manifest and service worker are recognised; (2) the app shell loads with
the server stopped after a first visit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from dispatch.pwa_views import SHELL_PAGES
from tests.browser.conftest import LiveServer
from tests.browser.conftest import NewContext
from tests.browser.conftest import shot

pytestmark = pytest.mark.browser

DE = json.loads((Path(__file__).resolve().parents[2] / "pwa/static/i18n/de.json")
                .read_text(encoding="utf-8"))


def _wait_for_worker(page: Page) -> dict[str, str]:
    """Wait until the service worker is active (its install step has cached the shell)."""
    info: dict[str, str] = page.evaluate("""async () => {
        const reg = await navigator.serviceWorker.ready;
        const sw = reg.active;
        if (sw.state !== "activated") {
            await new Promise((resolve) => sw.addEventListener("statechange", () => {
                if (sw.state === "activated") resolve();
            }));
        }
        return {scope: reg.scope, script: sw.scriptURL, state: sw.state};
    }""")
    return info


def test_manifest_and_service_worker_are_recognised(new_context: NewContext,
                                                    live_server: LiveServer) -> None:
    ctx = new_context()
    page = ctx.new_page()
    page.goto("/login")
    worker = _wait_for_worker(page)
    assert worker["scope"] == f"{live_server.url}/"
    assert worker["script"] == f"{live_server.url}/sw.js"
    assert worker["state"] == "activated"
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null"), \
        "the page is not controlled by the service worker after a reload"

    cdp = ctx.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == f"{live_server.url}/manifest.webmanifest"
    assert manifest["errors"] == [], manifest["errors"]
    data = json.loads(manifest["data"])
    assert data["display"] == "standalone"
    installability = cdp.send("Page.getInstallabilityErrors")
    # Playwright's contexts are incognito profiles, where Chromium never offers to install;
    # every other installability check (manifest, icons, worker, secure origin) must pass.
    errors = [e["errorId"] for e in installability["installabilityErrors"]]
    assert [e for e in errors if e != "in-incognito"] == [], installability

    cached = page.evaluate("""async () => {
        const names = await caches.keys();
        const shell = names.find((n) => n.startsWith("shell-"));
        const cache = await caches.open(shell);
        return (await cache.keys()).map((r) => new URL(r.url).pathname);
    }""")
    for path in (*SHELL_PAGES, "/static/js/app.js", "/static/css/app.css",
                 "/static/i18n/ar.json", "/static/vendor/leaflet/leaflet.js",
                 "/static/vendor/socket.io/socket.io.min.js", "/static/icons/icon-192.png"):
        assert path in cached, f"{path} not in the service worker's shell cache"


def test_app_shell_loads_with_the_server_stopped(new_context: NewContext,
                                                 live_server: LiveServer,
                                                 artifacts: Path) -> None:
    ctx = new_context()
    page = ctx.new_page()
    page.goto("/login")
    _wait_for_worker(page)

    live_server.stop()
    try:
        headings = {
            "/app/resident": "resident.heading",
            "/app/volunteer": "volunteer.heading",
            "/app/board": "board.heading",
            "/login": "login.heading",
        }
        for path, key in headings.items():
            page.goto(path)
            expect(page.locator("h1")).to_have_text(DE[key])
            expect(page.locator("link[rel=manifest]")).to_have_count(1)
            # the page's own scripts and styles came from the cache too
            assert page.evaluate("getComputedStyle(document.body).fontSize") == "18px"
            assert page.evaluate("document.documentElement.lang") == "de"
        # the resident can still start a booking with no server
        page.goto("/app/resident")
        expect(page.locator("#net-status")).to_be_visible()
        page.get_by_role("button", name=DE["resident.book_ride"]).click()
        expect(page.locator("#booking")).to_be_visible()
        shot(page, artifacts, "offline-resident-shell-de")

        # a page that was never cached: the friendly offline page
        page.goto("/app/never-visited")
        expect(page.locator("h1")).to_have_text(DE["offline.heading"])
        expect(page.get_by_role("link", name=DE["offline.to_resident"])).to_be_visible()
        shot(page, artifacts, "offline-page-de")
    finally:
        live_server.start()
    page.goto("/login")
    expect(page.locator("#net-status")).to_be_hidden()
