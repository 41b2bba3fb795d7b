"""Data that looks like HTML is shown as text on every face, and a booking whose answer was
lost on the way back is stored once when the phone's queue sends it again.

The first test writes an HTML or script payload into every free-text field a person can set
(resident: names, phone, home, caregiver; volunteer: names, phone, e-mail, home; booking:
pick-up, drop-off, note), then opens every face in Chromium (the resident's page, the
volunteer's offers and trips with their map labels, the board with its map, the printed day
sheet, the log-in page's greeting). On each it checks that no payload ran (``window.__xss``),
that no element of a payload was built, that the page's CSP saw no inline script or handler
(which would mean HTML from data reached the DOM; the CSP would only have blocked it), and
that the payload's text is on the screen.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import date
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import Route
from playwright.sync_api import expect

from tests.browser.conftest import NewContext
from tests.browser.conftest import api_get
from tests.browser.conftest import csrf_post
from tests.browser.conftest import staff_login
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.browser

IMG = '<img src=x onerror="window.__xss=1">'
SVG = '"><svg onload="window.__xss=2">'
SCRIPT = "<script>window.__xss=3</script>"
#: one payload per field, each with a word of its own so the test can find it on the screen
FIELDS = {
    "resident_first": f"Rita{IMG}", "resident_last": f"Roth{SVG}", "resident_phone": SVG[:40],
    "home": f"Evinger Str.{SCRIPT}", "caregiver_name": f"Carla{IMG}",
    "caregiver_email": '"<svg/onload=window.__xss=4>"@example.org',
    "volunteer_first": f"Vera{SVG}", "volunteer_last": f"Voss{IMG}", "volunteer_phone": IMG,
    "volunteer_email": '"<svg/onload=window.__xss=5>"@example.org',
    "volunteer_home": f"Bergstr.{IMG}", "pickup": f"Abholung{SVG}", "dropoff": f"Praxis{IMG}",
    "notes": f"Klingeln{SCRIPT}{IMG}",
}
PASSWORD = "ein sehr langes Passwort"
EVING = {"lat": 51.55051, "lon": 7.46352}  # Evinger Straße 209
DEMO_DRIVERS = ["anna.eving@example.org", "mehmet.eving@example.org",
                "jolanta.eving@example.org"]

#: Count CSP violations of inline code (an injected handler or script) from the first line on.
WATCH_CSP = """
window.__inline = [];
document.addEventListener("securitypolicyviolation", (e) => {
  if (e.blockedURI === "inline" || e.violatedDirective.startsWith("script-src"))
    window.__inline.push(e.violatedDirective + " " + (e.sample || ""));
});
"""
#: What a payload would have built had it been parsed as HTML.
INJECTED = """() => ({
  xss: window.__xss === undefined ? null : window.__xss,
  elements: document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload]').length,
  inline: window.__inline || [],
  text: document.body.innerText,
})"""


def _set_available(ctx: BrowserContext, on: bool) -> None:
    token = ctx.request.get("/api/v1/auth/csrf").json()["csrf_token"]
    res = ctx.request.put("/api/v1/me/availability", data=json.dumps({"available": on}),
                          headers={"Content-Type": "application/json", "X-CSRFToken": token})
    assert res.ok, res.text()


@pytest.fixture
def only_vera_drives(new_context: NewContext) -> Iterator[None]:
    """The demo drivers of Eving are away during the test: the offers go to the new volunteer."""
    demo = []
    for email in DEMO_DRIVERS:
        ctx = new_context()
        staff_login(ctx, email)
        _set_available(ctx, False)
        demo.append(ctx)
    yield
    for ctx in demo:
        _set_available(ctx, True)


def _open(ctx: BrowserContext, path: str) -> Page:
    page = ctx.new_page()
    page.add_init_script(WATCH_CSP)
    page.goto(path)
    return page


def _clean(page: Page, face: str, *visible: str) -> str:
    """No payload ran or was built on the page; each of ``visible`` is on the screen."""
    for text in visible:  # (pages fill in after their data has come)
        expect(page.locator("body")).to_contain_text(text, use_inner_text=True)
    got = page.evaluate(INJECTED)
    assert got["xss"] is None, f"{face}: a payload ran ({got['xss']})"
    assert got["elements"] == 0, f"{face}: {got['elements']} element(s) built from data"
    assert got["inline"] == [], f"{face}: inline code reached the page: {got['inline']}"
    for text in visible:
        assert text in got["text"], f"{face}: {text!r} not shown as text"
    return str(got["text"])


def _tooltips(page: Page, face: str, *wanted: str) -> list[str]:
    """Open every map point's label; the labels' text (each checked for built elements).

    The mouse-over is sent to each point itself: a pointer would hit whichever point lies on
    top at that spot (other tests' trips share the addresses). The map may be drawn again
    when the server's snapshot lands, so the points are read again until a label holds each
    of ``wanted`` (or 10 s have passed).
    """
    expect(page.locator("body[data-synced=on]")).to_be_attached()
    points = page.locator(".leaflet-overlay-pane path.leaflet-interactive")
    page.locator("#map").scroll_into_view_if_needed()
    deadline = time.monotonic() + 10
    while True:
        expect(points.first).to_be_attached()
        labels: list[str] = []
        for k in range(points.count()):
            points.nth(k).dispatch_event("mouseover")
            labels += page.locator(".leaflet-tooltip:not(.street-label)").all_inner_texts()
            points.nth(k).dispatch_event("mouseout")
        _clean(page, f"{face} map")
        if all(any(w in x for x in labels) for w in wanted) or time.monotonic() > deadline:
            return labels
        page.wait_for_timeout(250)


def test_html_in_every_free_text_field_is_shown_as_text_on_every_face(
        new_context: NewContext, only_vera_drives: None) -> None:
    office = new_context()
    staff_login(office, "koordination.eving@example.org")
    f = FIELDS
    vera = csrf_post(office, "/api/v1/volunteers", {
        "first_name": f["volunteer_first"], "last_name": f["volunteer_last"],
        "email": f["volunteer_email"], "password": PASSWORD, "phone": f["volunteer_phone"],
        "home": {"address": f["volunteer_home"], "lat": 51.5480, "lon": 7.4650},
        "vetted_until": (date.today() + timedelta(days=365)).isoformat(),
        "quarter": "eving"})["person"]
    rita = csrf_post(office, "/api/v1/residents", {
        "first_name": f["resident_first"], "last_name": f["resident_last"],
        "phone": f["resident_phone"], "home": {"address": f["home"], **EVING},
        "caregiver_name": f["caregiver_name"], "caregiver_email": f["caregiver_email"],
        "quarter": "eving"})["person"]
    volunteer = new_context()
    csrf_post(volunteer, "/api/v1/auth/login", {"email": f["volunteer_email"],
                                                "password": PASSWORD})
    csrf_post(volunteer, "/api/v1/me/shifts", {"starts_at": tomorrow_at(7).isoformat(),
                                               "ends_at": tomorrow_at(18).isoformat()})
    booked = []
    for hour in (9, 12):
        booked.append(csrf_post(office, "/api/v1/requests", {
            "kind": "ride", "resident_id": rita["id"], "time_mode": "pickup_after",
            "time": tomorrow_at(hour).isoformat(), "notes": f["notes"],
            "pickup": {"address": f["pickup"], **EVING},
            "dropoff": {"address": f["dropoff"], "lat": 51.5449, "lon": 7.4627}})["request"])
    assert [b["state"] for b in booked] == ["offered", "offered"], booked
    assert all(b["offered_to"]["id"] == vera["id"] for b in booked), booked

    # the volunteer's offers: names, places and the note of the resident
    vpage = _open(volunteer, "/app/volunteer?lang=de")
    expect(vpage.locator("#offer-list > li")).to_have_count(2)
    _clean(vpage, "volunteer offers", f["pickup"], f["dropoff"], f["notes"],
           f["resident_first"])
    offer_id = next(o["id"] for o in api_get(volunteer, "/api/v1/offers")["offers"]
                    if o["request"]["id"] == booked[0]["id"])
    csrf_post(volunteer, f"/api/v1/offers/{offer_id}/accept", {})
    # ... and the trip with its stops and map labels
    vpage.reload()
    expect(vpage.locator("#offer-list > li")).to_have_count(1)
    expect(vpage.locator("#stop-list > li[data-stop-id]").first).to_be_visible()
    _clean(vpage, "volunteer trips", f["pickup"], f["dropoff"], f["notes"])
    labels = _tooltips(vpage, "volunteer", f["pickup"], f["dropoff"])
    assert any(f["pickup"] in x for x in labels), labels
    assert any(f["dropoff"] in x for x in labels), labels
    _clean(_open(volunteer, "/login?lang=de"), "log-in page of the volunteer",
           f["volunteer_first"])

    # the resident's page: places and the volunteer's name
    code = csrf_post(office, f"/api/v1/residents/{rita['id']}/login-code", {})["code"]
    resident = new_context()
    rpage = _open(resident, f"/login?code={code}&lang=de")
    rpage.wait_for_url(re.compile(r"/app/resident"))  # after the load: the new page's scripts run
    expect(rpage.locator("#trip-list > li[data-request-id]")).to_have_count(2)
    _clean(rpage, "resident", f["dropoff"], f["volunteer_first"], f["resident_first"])
    rpage.locator("#act-ride").click()
    expect(rpage.locator("#booking")).to_be_visible()
    _clean(rpage, "resident booking form", f["home"])
    _clean(_open(resident, "/login?lang=de"), "log-in page of the resident",
           f["resident_first"])

    # the board: volunteers, trips, requests, residents, map labels
    bpage = _open(office, "/app/board?lang=de")
    expect(bpage.locator("#volunteer-list > li", has_text="Vera")).to_have_count(1)
    text = _clean(bpage, "board", f["volunteer_first"])
    assert f["resident_first"] in text or f["dropoff"] in text or f["pickup"] in text
    labels = _tooltips(bpage, "board", f["volunteer_first"])
    assert any(f["volunteer_first"] in x or f["pickup"] in x for x in labels), labels

    # the printed day sheet of the trip
    trip = api_get(volunteer, "/api/v1/trips/today")["trips"][0]
    ppage = _open(volunteer, f"/print/trips/{trip['id']}")
    _clean(ppage, "day sheet", f["pickup"], f["dropoff"], f["notes"])

    # what the office reads back is what was written
    person = api_get(office, "/api/v1/residents?q=Rita")["residents"][0]
    assert person["first_name"] == f["resident_first"]


def _new_resident(office: BrowserContext, first_name: str) -> dict[str, Any]:
    return dict(csrf_post(office, "/api/v1/residents", {
        "first_name": first_name, "last_name": "Test", "quarter": "eving",
        "home": {"address": "Evinger Straße 209", **EVING}})["person"])


def test_a_booking_whose_answer_is_lost_is_stored_once_when_the_queue_sends_it_again(
        new_context: NewContext) -> None:
    office = new_context()
    staff_login(office, "koordination.eving@example.org")
    person = _new_resident(office, "Liesel")
    code = csrf_post(office, f"/api/v1/residents/{person['id']}/login-code", {})["code"]
    resident = new_context()
    page = resident.new_page()
    page.goto(f"/login?code={code}&lang=de")
    page.wait_for_url(re.compile(r"/app/resident"))  # after the load: the new page's scripts run
    expect(page.locator("body")).to_have_attribute("data-live", "on")
    reached: list[dict[str, Any]] = []

    def cut_after_sending(route: Route) -> None:
        """The request reaches the server and is booked; its answer never comes back."""
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch()
        reached.append({"status": answer.status, "body": answer.json(),
                        "key": route.request.headers.get("idempotency-key")})
        route.abort("connectionreset")

    page.route("**/api/v1/requests", cut_after_sending)
    body = {"kind": "ride", "time_mode": "pickup_after", "time": tomorrow_at(14).isoformat(),
            "pickup": {"address": "Evinger Straße 209", **EVING},
            "dropoff": {"address": "Deutsche Straße 10", "lat": 51.5449, "lon": 7.4627}}
    page.evaluate("""async (body) => {
        const { postOrQueue } = await import("/static/js/app.js");
        window.__queued = await postOrQueue("/requests", body);
    }""", body)
    assert len(reached) == 1
    assert reached[0]["status"] == 201, reached
    first_id = reached[0]["body"]["request"]["id"]
    key = reached[0]["key"]
    assert key, "the booking carried no Idempotency-Key"
    queued = page.evaluate("JSON.parse(localStorage.getItem('dispatch.outbox'))")
    assert [q["key"] for q in queued] == [key], "the queue keeps the key of the first try"

    page.unroute("**/api/v1/requests")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/requests")
                              and r.request.method == "POST") as sent:
        page.evaluate("window.dispatchEvent(new Event('online'))")
    replay = sent.value
    assert replay.status == 201
    assert replay.request.headers.get("idempotency-key") == key
    assert replay.json()["request"]["id"] == first_id
    expect(page.locator("#trip-list > li.pending")).to_have_count(0)
    mine = api_get(resident, "/api/v1/requests")["requests"]
    assert [r["id"] for r in mine] == [first_id], "one ride stored"
    assert page.evaluate("localStorage.getItem('dispatch.outbox')") == "[]"
