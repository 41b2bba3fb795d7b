"""Browser tests: Debian's Chromium, driven by Playwright, against a real server on loopback.

One server per session (``python wsgi.py`` in a subprocess on a migrated and seeded SQLite
database); it can be stopped and started again on the same port for the offline test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import Playwright
from playwright.sync_api import expect
from playwright.sync_api import sync_playwright

from tests.live import LiveServer
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
VENDOR = ROOT / "pwa" / "static" / "vendor"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu",
    "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
STAFF_PASSWORD = "demo-demo"

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
                         check=False)
    if res.returncode != 0:
        pytest.fail(f"{what} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, installed by ``scripts/ensure_chromium.sh`` when missing."""
    if not os.path.exists(CHROMIUM):
        res = subprocess.run(["bash", str(ROOT / "scripts" / "ensure_chromium.sh")],
                             capture_output=True, text=True, timeout=900, check=False)
        if res.returncode != 0 or not os.path.exists(CHROMIUM):
            pytest.fail(f"Chromium could not be installed:\n{res.stdout}\n{res.stderr}")
    return CHROMIUM


@pytest.fixture(scope="session")
def vendor_assets() -> Path:
    """The npm libraries copied into pwa/static/vendor (``scripts/install_assets.sh``)."""
    needed = [VENDOR / "leaflet" / "leaflet.js", VENDOR / "socket.io" / "socket.io.min.js",
              VENDOR / "axe-core" / "axe.min.js", VENDOR / "chart.js" / "chart.umd.min.js"]
    if not all(p.is_file() for p in needed):
        if shutil.which("npm") is None:
            pytest.fail("npm is needed to install the front-end libraries (Makefile node-assets)")
        _run(["bash", "scripts/install_assets.sh"], dict(os.environ), "scripts/install_assets.sh")
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        pytest.fail(f"front-end libraries missing after install: {missing}")
    return VENDOR


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory,
                vendor_assets: Path) -> Iterator[LiveServer]:
    """A real server on a free loopback port, on a fresh migrated and seeded SQLite database."""
    tmp = tmp_path_factory.mktemp("browser-server")
    env = {**os.environ,
           "PORT": str(free_port()),
           "DATABASE_URL": f"sqlite:///{tmp / 'dispatch.sqlite3'}",
           "SECRET_KEY": "browser-test-secret",
           "FLASK_APP": "wsgi:app",
           "PYTHONUNBUFFERED": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("REDIS_URL", None)
    flask = str(Path(sys.executable).with_name("flask"))
    _run([flask, "db", "upgrade"], env, "flask db upgrade")
    _run([flask, "demo", "seed"], env, "flask demo seed")
    server = LiveServer(env, tmp / "server.log")
    try:
        server.start(timeout_s=600)  # a fresh machine builds the street graph first
    except (RuntimeError, TimeoutError) as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium: str) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


NewContext = Callable[..., BrowserContext]


def make_context(browser: Browser, live_server: LiveServer, *, lang: str = "de",
                 **kw: Any) -> BrowserContext:
    """A phone-size browser context (390×844, touch) on the live server."""
    opts: dict[str, Any] = {"viewport": PHONE, "device_scale_factor": 1, "is_mobile": True,
                            "has_touch": True, "base_url": live_server.url,
                            "locale": {"ar": "ar", "de": "de-DE"}.get(lang, lang),
                            "timezone_id": "Europe/Berlin", "service_workers": "allow"}
    opts.update(kw)
    ctx = browser.new_context(**opts)
    ctx.set_default_timeout(30_000)  # a booking on a busy two-core machine can take 15 s
    return ctx


@pytest.fixture
def new_context(browser: Browser, live_server: LiveServer) -> Iterator[NewContext]:
    """Make phone-size contexts for one test; all are closed afterwards."""
    made: list[BrowserContext] = []

    def make(**kw: Any) -> BrowserContext:
        made.append(make_context(browser, live_server, **kw))
        return made[-1]

    yield make
    for ctx in made:
        ctx.close()


def csrf_post(ctx: BrowserContext, path: str, body: dict[str, Any],
              method: str = "POST") -> dict[str, Any]:
    """Send JSON through the context's cookie jar with a fresh CSRF token; fail on an error."""
    token = ctx.request.get("/api/v1/auth/csrf").json()["csrf_token"]
    resp = ctx.request.fetch(path, method=method, data=json.dumps(body), timeout=60_000,
                             headers={"Content-Type": "application/json", "X-CSRFToken": token})
    assert resp.ok, f"{method} {path}: {resp.status} {resp.text()}"
    data: dict[str, Any] = resp.json()
    return data


def csrf_patch(ctx: BrowserContext, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """PATCH JSON like :func:`csrf_post`."""
    return csrf_post(ctx, path, body, method="PATCH")


def staff_login(ctx: BrowserContext, email: str) -> dict[str, Any]:
    """Log a staff member in through the API (same cookie jar as the context's pages)."""
    return csrf_post(ctx, "/api/v1/auth/login", {"email": email, "password": STAFF_PASSWORD})


def shot(page: Page, artifacts: Path, name: str) -> None:
    """A phone-size screenshot of the visible screen."""
    page.screenshot(path=str(artifacts / f"{name}.png"))


def api_get(ctx: BrowserContext, path: str) -> Any:
    resp = ctx.request.get(path)
    assert resp.ok, f"GET {path}: {resp.status} {resp.text()}"
    return resp.json()


def resident_named(coordinator: BrowserContext, first_name: str) -> dict[str, Any]:
    """The resident ``first_name`` of the coordinator's quarter, found by the register's search
    (the plain list holds only the first 50 names, and other tests add residents)."""
    residents = api_get(coordinator, f"/api/v1/residents?q={first_name}")["residents"]
    person: dict[str, Any] = next(r for r in residents if r["first_name"] == first_name)
    return person


def resident_login_code(coordinator: BrowserContext, first_name: str) -> str:
    """A one-time login code for the demo resident ``first_name`` (made by the coordinator)."""
    person = resident_named(coordinator, first_name)
    code: str = csrf_post(coordinator, f"/api/v1/residents/{person['id']}/login-code", {})["code"]
    return code


def address(ctx: BrowserContext, text: str) -> dict[str, Any]:
    """The first hit of the offline address search, as a booking place."""
    hit = api_get(ctx, f"/api/v1/addresses?q={text}")["results"][0]
    return {"address": hit["label"], "lat": hit["lat"], "lon": hit["lon"]}


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN_AXE = """async (tags) => {
    const r = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                       resultTypes: ["violations"]});
    return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + " :: " + n.failureSummary)}));
}"""


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core (the npm file, as the app serves it: the page's CSP allows only its own
    scripts) on the whole document."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        origin = page.evaluate("location.origin")
        page.add_script_tag(url=f"{origin}/static/vendor/axe-core/axe.min.js")
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE, AXE_TAGS)
    return [v for v in found if v["impact"] in ("serious", "critical")]
