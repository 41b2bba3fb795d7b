"""Who may call what: every rule of the URL map × every role (× owner / not owner), one table.

A rule of the app without a row in :data:`MATRIX` fails the test: a new endpoint needs a row.
Rows are probed in table order (reads first, changes later, log-out last); in each row the
roles that must be refused go first, so a change by an allowed role cannot hide a refusal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import BoardTask
from dispatch.models import Notice
from dispatch.models import Offer
from dispatch.models import Role
from dispatch.models import Shift
from dispatch.models import ShortLink
from dispatch.models import TripStop
from dispatch.models._types import utcnow
from dispatch.services.links import make_token
from tests.factories import PASSWORD
from tests.factories import make_staff
from tests.quarter import EVINGER_209
from tests.quarter import Api
from tests.quarter import Quarter
from tests.quarter import login_resident
from tests.quarter import login_staff
from tests.quarter import ride
from tests.quarter import tomorrow_at

#: The roles, refused ones first. "resident"/"volunteer"/"coordinator" own the probed rows
#: (the resident booked the request, the volunteer holds it and drives the trip, the
#: coordinator runs its quarter); the "_other" ones do not (another resident of the quarter,
#: a volunteer whose offer of the request was declined, the coordinator of Marten).
ROLES = ("anonymous", "resident_other", "volunteer_other", "coordinator_other",
         "volunteer", "resident", "coordinator", "admin")

OK, CREATED, FOUND = {200}, {201}, {302}
ANON = {401}
FORBIDDEN, NOT_FOUND = {403}, {404}


def everyone(statuses: set[int]) -> dict[str, set[int]]:
    return dict.fromkeys(ROLES, statuses)


def logged_in(statuses: set[int]) -> dict[str, set[int]]:
    return {"anonymous": ANON, **dict.fromkeys(ROLES[1:], statuses)}


def only(allowed: set[int], roles: tuple[str, ...], refused: set[int] = FORBIDDEN,
         **special: set[int]) -> dict[str, set[int]]:
    """Logged-in ``roles`` get ``allowed``, other logged-in roles ``refused``."""
    row = {"anonymous": ANON}
    for role in ROLES[1:]:
        row[role] = allowed if role in roles else refused
    row.update(special)
    return row


VOLUNTEERS = ("volunteer", "volunteer_other")
STAFF = ("coordinator", "admin")
ALL_STAFF = ("coordinator", "coordinator_other", "admin")
#: The request: its resident, the volunteer holding it, its quarter's coordinator, admins.
OF_REQUEST = ("resident", "volunteer", "coordinator", "admin")
#: The trip: its volunteer, its quarter's coordinator, admins.
OF_TRIP = ("volunteer", "coordinator", "admin")

#: (method, rule) -> role -> acceptable statuses. Order = probing order.
MATRIX: dict[tuple[str, str], dict[str, set[int]]] = {
    # public: pages, documents, configuration, health, log-in
    ("GET", "/"): {**everyone(FOUND), "anonymous": OK},  # logged in: off to one's own face
    ("GET", "/login"): everyone(OK),
    ("GET", "/app/<name>"): everyone(OK),  # the page; its data come from the API
    ("GET", "/offline"): everyone(OK),
    ("GET", "/manifest.webmanifest"): everyone(OK),
    ("GET", "/sw.js"): everyone(OK),
    ("GET", "/healthz"): everyone(OK),
    ("GET", "/readyz"): everyone(OK),
    # a direct loopback request (the test client's); through nginx or from afar: 404
    ("GET", "/metrics"): everyone(OK),
    ("GET", "/api/openapi.json"): everyone(OK),
    ("GET", "/api/docs"): everyone(OK),
    ("GET", "/docs/oauth2-redirect"): everyone(OK),
    ("GET", "/api/v1/auth/csrf"): everyone(OK),
    ("GET", "/api/v1/config"): everyone(OK),
    ("GET", "/api/v1/map/streets"): everyone(OK),  # public street data for the maps
    ("POST", "/api/v1/auth/login"): everyone({401}),  # wrong password: refused, for anyone
    ("POST", "/api/v1/auth/code"): everyone({401}),  # unknown code
    ("GET", "/api/v1/links/<token>"): everyone(OK),  # the signed token is the proof
    # anyone with the link may use it, once: the first (anonymous) use works, the rest are 410
    ("POST", "/api/v1/links/<token>"): {**everyone({410}), "anonymous": OK},
    # the pages behind an e-mail's or SMS's links: the same token, used just above (so the
    # page says so at once, without a button that would fail)
    ("GET", "/link/<token>"): everyone({410}),
    ("POST", "/link/<token>"): everyone({410}),
    ("GET", "/l/<code>"): everyone(OK),  # an SMS's short page: confirm, cancel, call back
    # one's own account
    ("GET", "/api/v1/me"): logged_in(OK),
    ("GET", "/api/v1/me/notifications"): logged_in(OK),
    ("PUT", "/api/v1/me/notifications"): logged_in(OK),
    ("GET", "/api/v1/residents/<int:person_id>/notifications"): only(
        OK, STAFF, coordinator_other=NOT_FOUND),
    ("PUT", "/api/v1/residents/<int:person_id>/notifications"): only(
        OK, STAFF, coordinator_other=NOT_FOUND),
    ("POST", "/api/v1/tasks/<int:task_id>/done"): only(OK, STAFF, coordinator_other=NOT_FOUND),
    ("POST", "/api/v1/notices/<int:notice_id>/retry"): only(
        OK, STAFF, coordinator_other=NOT_FOUND),
    ("PATCH", "/api/v1/me"): logged_in(OK),
    ("PUT", "/api/v1/me/availability"): only(OK, VOLUNTEERS),
    ("PUT", "/api/v1/me/offer-filters"): only(OK, VOLUNTEERS),
    ("GET", "/api/v1/me/shifts"): only(OK, VOLUNTEERS),
    ("POST", "/api/v1/me/shifts"): only(CREATED, VOLUNTEERS),
    ("DELETE", "/api/v1/me/shifts/<int:shift_id>"): only(  # the holder's own shift
        OK, ("volunteer",), volunteer_other=NOT_FOUND),
    ("GET", "/api/v1/addresses"): logged_in(OK),
    ("GET", "/api/v1/addresses/all"): {**logged_in(OK), "admin": NOT_FOUND},  # no own quarter
    # reads
    ("GET", "/api/v1/requests"): logged_in(OK),  # contents: see VISIBLE
    ("GET", "/api/v1/requests/<int:request_id>"): only(OK, OF_REQUEST, NOT_FOUND),
    ("GET", "/api/v1/offers"): only(OK, VOLUNTEERS),
    ("GET", "/api/v1/trips/today"): only(OK, VOLUNTEERS),
    ("GET", "/api/v1/trips/<int:trip_id>/route"): only(OK, OF_TRIP, NOT_FOUND),
    ("GET", "/print/trips/<int:trip_id>"): only(OK, OF_TRIP, NOT_FOUND),
    ("GET", "/api/v1/board"): only(OK, STAFF),  # ?quarter=eving
    ("GET", "/api/v1/residents"): only(OK, ALL_STAFF),  # contents: see VISIBLE
    # monitoring of ?quarter=eving: its coordinator and admins; Marten's coordinator is refused
    ("GET", "/api/v1/monitoring"): only(OK, STAFF),
    ("GET", "/api/v1/monitoring/export.csv"): only(OK, STAFF),
    ("GET", "/api/v1/monitoring/mileage.csv"): only(OK, STAFF),
    ("GET", "/print/monitoring"): only(OK, STAFF),
    # changes
    ("POST", "/api/v1/requests"): only(CREATED, ("resident", "coordinator", "admin"),
                                       coordinator_other=NOT_FOUND),  # for the resident
    ("POST", "/api/v1/requests/<int:request_id>/links"): only(
        OK, ("resident", "coordinator", "admin"), NOT_FOUND, volunteer=FORBIDDEN,
        volunteer_other=FORBIDDEN),  # a link may cancel: never made by a volunteer
    ("POST", "/api/v1/requests/<int:request_id>/again"): only(
        CREATED, ("resident", "coordinator", "admin"), NOT_FOUND, volunteer=FORBIDDEN),
    ("POST", "/api/v1/offers/<int:offer_id>/accept"): only(
        {409}, ("volunteer",), NOT_FOUND),  # already accepted: only its volunteer learns that
    ("POST", "/api/v1/offers/<int:offer_id>/decline"): only({409}, ("volunteer",), NOT_FOUND),
    ("POST", "/api/v1/residents/<int:person_id>/login-code"): only(
        OK, STAFF, coordinator_other=NOT_FOUND),
    ("POST", "/api/v1/residents"): only(CREATED, STAFF, coordinator_other={422}),  # eving
    ("PATCH", "/api/v1/residents/<int:person_id>"): only(OK, STAFF, coordinator_other=NOT_FOUND),
    ("POST", "/api/v1/volunteers"): only(CREATED, STAFF, coordinator_other={422}),  # eving
    ("POST", "/api/v1/stops/<int:stop_id>/<action>"): only(OK, OF_TRIP, NOT_FOUND),  # arrived
    # en route now: handing back and editing are refused by state, cancelling is allowed
    ("POST", "/api/v1/requests/<int:request_id>/hand-back"): only(
        {409}, ("volunteer",), NOT_FOUND),
    ("PATCH", "/api/v1/requests/<int:request_id>"): only(
        {409}, ("coordinator", "admin"), NOT_FOUND, resident=FORBIDDEN, volunteer=FORBIDDEN),
    ("POST", "/api/v1/requests/<int:request_id>/assign"): only(
        {409}, STAFF, coordinator_other=NOT_FOUND),
    ("POST", "/api/v1/requests/<int:request_id>/cancel"): only(
        OK, ("resident", "coordinator", "admin"), NOT_FOUND, volunteer=FORBIDDEN),
    # data rights; erasing and deactivating end the resident's session, so they come last
    ("GET", "/api/v1/me/export"): only(OK, ("resident", "resident_other"), NOT_FOUND),
    ("GET", "/api/v1/residents/<int:person_id>/export"): only(
        OK, ("resident", "coordinator", "admin"), NOT_FOUND),
    ("POST", "/api/v1/residents/<int:person_id>/deactivate"): only(OK, STAFF, NOT_FOUND),
    ("POST", "/api/v1/residents/<int:person_id>/erase"): only(
        OK, STAFF, FORBIDDEN, coordinator_other=NOT_FOUND,
        resident=ANON),  # deactivated just before: her session has ended
    ("POST", "/api/v1/auth/logout"): everyone(OK),
}

#: Rules whose answer lists rows: which roles see the probed request / resident in it.
VISIBLE: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/requests"): {"resident", "volunteer", "coordinator", "admin"},
    ("GET", "/api/v1/residents"): {"coordinator", "admin"},
}

#: Not part of the API: files of the web app.
SKIPPED = {"/static/<path:filename>"}


@dataclass
class World:
    app: Flask
    request_id: int
    offer_id: int
    trip_id: int
    stop_id: int
    resident_id: int
    volunteer_id: int
    token: str
    clients: dict[str, Api]
    shift_id: int = 0
    task_id: int = 0
    notice_id: int = 0
    code: str = ""


def _world(quarter: Quarter) -> World:
    app = quarter.app
    coord = quarter.staff(quarter.coordinator)
    resident = login_resident(app, coord, quarter.residents[0].id)
    booked = resident.post("/api/v1/requests", ride(tomorrow_at(9)))
    assert booked.status_code == 201, booked.get_json()
    rid = booked.get_json()["request"]["id"]
    with app.app_context():
        offer = db.session.scalar(select(Offer).where(Offer.request_id == rid))
        assert offer is not None, "the request must be offered to a volunteer"
        holder_id = offer.volunteer_id
        other = next(v for v in quarter.volunteers if v.id != holder_id)
        # the other volunteer was offered the request before and declined it
        db.session.add(Offer(request_id=rid, volunteer_id=other.id, state="declined",
                             expires_at=utcnow() - timedelta(minutes=5)))
        stop = db.session.scalar(select(TripStop).where(TripStop.request_id == rid,
                                                        TripStop.kind == "pickup"))
        assert stop is not None
        marten = make_staff(Role.COORDINATOR, "marten")
        admin = make_staff(Role.ADMIN, None)
        db.session.commit()
        shift = Shift(volunteer_id=holder_id, starts_at=tomorrow_at(21),
                      ends_at=tomorrow_at(22))
        db.session.add(shift)
        db.session.commit()
        shift_id = shift.id
        ids = (offer.id, stop.trip_id, stop.id)
        token = make_token(app.config["SETTINGS"], rid, "confirm")
        # a call-back asked for, a notice that failed, an SMS's short link
        task = BoardTask(quarter_slug="eving", kind="callback",
                         person_id=quarter.residents[0].id, request_id=rid)
        notice = Notice(kind="booked", person_id=quarter.residents[0].id, quarter_slug="eving",
                        request_id=rid, params={}, state="failed")
        db.session.add_all([task, notice, ShortLink(code="TESTCODE23", request_id=rid,
                                                    expires_at=tomorrow_at(23))])
        db.session.commit()
        extra = (task.id, notice.id)
        for p in (marten, admin):
            db.session.refresh(p)
            db.session.expunge(p)
    holder = next(v for v in quarter.volunteers if v.id == holder_id)
    volunteer = quarter.staff(holder)
    res = volunteer.post(f"/api/v1/offers/{ids[0]}/accept")
    assert res.status_code == 200, res.get_json()
    clients = {
        "anonymous": Api(app.test_client()),
        "resident": resident,
        "resident_other": login_resident(app, coord, quarter.residents[1].id),
        "volunteer": volunteer,
        "volunteer_other": quarter.staff(other),
        "coordinator": coord,
        "coordinator_other": login_staff(app, marten),
        "admin": login_staff(app, admin),
    }
    return World(app, rid, ids[0], ids[1], ids[2], quarter.residents[0].id, holder_id, token,
                 clients, shift_id=shift_id, task_id=extra[0], notice_id=extra[1],
                 code="TESTCODE23")


def _url(rule: str, w: World, role: str) -> str:
    url = (rule.replace("<int:request_id>", str(w.request_id))
           .replace("<int:offer_id>", str(w.offer_id))
           .replace("<int:trip_id>", str(w.trip_id))
           .replace("<int:stop_id>", str(w.stop_id))
           .replace("<int:person_id>", str(w.resident_id))
           .replace("<int:shift_id>", str(w.shift_id))
           .replace("<int:task_id>", str(w.task_id))
           .replace("<int:notice_id>", str(w.notice_id)).replace("<code>", w.code)
           .replace("<action>", "arrived").replace("<token>", w.token)
           .replace("<name>", "resident"))
    assert "<" not in url, f"no value for the parameters of {rule}"
    if rule in ("/api/v1/board", "/api/v1/monitoring", "/api/v1/monitoring/export.csv",
                "/api/v1/monitoring/mileage.csv", "/print/monitoring"):
        url += "?quarter=eving"
    if rule == "/api/v1/addresses":
        url += "?q=Evinger"
    return url


def _body(method: str, rule: str, role: str, w: World) -> Any:
    home = {"address": EVINGER_209["address"], "lat": EVINGER_209["lat"],
            "lon": EVINGER_209["lon"]}
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/api/v1/auth/login"): {"email": f"nobody-{role}@example.org",
                                         "password": PASSWORD},
        ("POST", "/api/v1/auth/code"): {"code": "ZZZZ-ZZZZ"},
        ("PATCH", "/api/v1/me"): {"ui_language": "de"},
        ("PUT", "/api/v1/me/notifications"): {"quiet_from": "22:00", "quiet_until": "07:00"},
        ("PUT", "/api/v1/residents/<int:person_id>/notifications"): {"channels": ["sms"]},
        ("PUT", "/api/v1/me/availability"): {"available": True},
        ("PUT", "/api/v1/me/offer-filters"): {"days": [], "kinds": [], "max_km": None},
        ("POST", "/api/v1/me/shifts"): {"starts_at": tomorrow_at(19).isoformat(),
                                        "ends_at": tomorrow_at(20).isoformat()},
        # every role books the same ride for the resident: a repeat, confirmed
        ("POST", "/api/v1/requests"): ride(tomorrow_at(11), resident_id=w.resident_id,
                                           confirm_duplicate=True),
        ("POST", "/api/v1/requests/<int:request_id>/again"): {
            "time": tomorrow_at(15).isoformat(), "confirm_duplicate": True},
        ("PATCH", "/api/v1/requests/<int:request_id>"): {"notes": "Bitte zweimal klingeln."},
        ("POST", "/api/v1/requests/<int:request_id>/assign"): {"volunteer_id": w.volunteer_id},
        ("POST", "/api/v1/residents"): {"first_name": "Neu", "home": home, "quarter": "eving"},
        ("PATCH", "/api/v1/residents/<int:person_id>"): {"phone": "0231 999999"},
        ("POST", "/api/v1/volunteers"): {"first_name": "Neu", "email": f"neu-{role}@example.org",
                                         "password": "ein langes Passwort", "home": home,
                                         "quarter": "eving"},
    }
    return bodies.get((method, rule), {})


def _ids(body: Any, key: str) -> set[int]:
    return {row["id"] for row in body[key]}


def test_every_endpoint_answers_every_role_as_the_table_says(quarter: Quarter) -> None:
    app = quarter.app
    # who may call what does not depend on the database; PostgreSQL's own answers to every
    # endpoint are fuzzed (tests/reliability/test_fuzz.py). The full matrix there: make fuzz.
    if app.config["SETTINGS"].database_url.startswith("postgresql") and \
            not os.environ.get("DISPATCH_MATRIX_PG"):
        pytest.skip("the access matrix on PostgreSQL runs with DISPATCH_MATRIX_PG=1 (make fuzz)")
    rules = {(m, r.rule) for r in app.url_map.iter_rules() if r.rule not in SKIPPED
             for m in r.methods - {"HEAD", "OPTIONS"}}
    missing = sorted(rules - MATRIX.keys())
    assert not missing, f"endpoints without a row in the access matrix: {missing}"
    stale = sorted(MATRIX.keys() - rules)
    assert not stale, f"rows for endpoints that no longer exist: {stale}"
    w = _world(quarter)
    wrong: list[str] = []
    for (method, rule), row in MATRIX.items():
        assert set(row) == set(ROLES), f"{method} {rule}: a status for every role"
        for role in ROLES:
            api = w.clients[role]
            url = _url(rule, w, role)
            if method == "GET":
                res = api.get(url)
            else:
                res = api.client.open(url, method=method, json=_body(method, rule, role, w),
                                      headers={"X-CSRFToken": api.token})
            if res.status_code not in row[role]:
                wrong.append(f"{role:17} {method} {rule}: {res.status_code} not in "
                             f"{sorted(row[role])} {res.get_data(as_text=True)[:160]}")
                continue
            if rule.startswith("/api/v1") and res.status_code >= 400:
                err = res.get_json()["error"]
                assert err["code"], (role, method, rule)
                assert err["message"], (role, method, rule)
            if (method, rule) in VISIBLE and res.status_code == 200:
                key = "requests" if rule.endswith("requests") else "residents"
                probe = w.request_id if key == "requests" else w.resident_id
                sees = probe in _ids(res.get_json(), key)
                if sees != (role in VISIBLE[(method, rule)]):
                    wrong.append(f"{role:17} {method} {rule}: "
                                 f"{'sees' if sees else 'does not see'} {key[:-1]} {probe}")
    assert not wrong, "\n".join(wrong)
