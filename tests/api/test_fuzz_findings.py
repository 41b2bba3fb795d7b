"""What the fuzzer found: bad input is a clear 4xx in German in the JSON envelope, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.extensions import db
from dispatch.models import Role
from tests.factories import make_staff
from tests.quarter import EVINGER_209
from tests.quarter import Api
from tests.quarter import Quarter
from tests.quarter import login_staff
from tests.quarter import ride
from tests.quarter import tomorrow_at
from tests.reliability.fuzzing import english_in

FAR = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "1899-12-31T10:00:00"]


def _send(api: Api, method: str, url: str, body: Any) -> Any:
    kw: dict[str, Any] = {"headers": {"X-CSRFToken": api.token}}
    if isinstance(body, str):
        kw.update(data=body, content_type="application/json")
    else:
        kw["json"] = body
    return api.client.open(url, method=method, **kw)


def _german_422(res: Any) -> dict[str, Any]:
    assert res.status_code == 422, res.get_data(as_text=True)
    err: dict[str, Any] = res.get_json()["error"]
    assert err["message"]
    assert not english_in(res.get_data(as_text=True)), err
    return err


@pytest.mark.parametrize("when", FAR)
def test_far_dates_with_an_offset_are_422_not_an_overflow(quarter: Quarter, when: str) -> None:
    """Found: ``9999-12-31T23:59:59-12:00`` overflowed converting to local time (500)."""
    resident = quarter.resident(0)
    rid = resident.post("/api/v1/requests", ride(tomorrow_at(9))).get_json()["request"]["id"]
    for method, url, body in [
            ("POST", "/api/v1/requests", {**ride(tomorrow_at(9)), "time": when}),
            ("PATCH", f"/api/v1/requests/{rid}", {"time": when}),
            ("POST", f"/api/v1/requests/{rid}/again", {"time": when})]:
        err = _german_422(_send(resident, method, url, body))
        assert "2000" in err["fields"]["time"], err
    volunteer = quarter.staff(quarter.volunteers[0])
    err = _german_422(_send(volunteer, "POST", "/api/v1/me/shifts",
                            {"starts_at": tomorrow_at(9).isoformat(), "ends_at": when}))
    assert "ends_at" in err["fields"]


@pytest.mark.parametrize("q", ["\x00", "a\x00b", "x" * 101])
def test_resident_search_text_is_checked(quarter: Quarter, q: str) -> None:
    """Found: a NUL byte in ``?q=`` reached PostgreSQL's ILIKE (500 there)."""
    coord = quarter.staff(quarter.coordinator)
    err = _german_422(coord.client.get("/api/v1/residents", query_string={"q": q}))
    assert "q" in err["fields"]
    assert coord.get("/api/v1/residents?q=Resi").status_code == 200


@pytest.mark.parametrize(("method", "url", "body"), [
    ("POST", "/api/v1/requests", '{"kind": "ride", "pickup": {"address": "Evinger Str.", '
     '"lat": NaN, "lon": 7.46}, "dropoff": {"address": "Deutsche Str.", "lat": 51.54, '
     '"lon": 7.46}, "time": "2030-01-01T10:00"}'),
    ("POST", "/api/v1/requests", "[1, 2, 3]"),
    ("POST", "/api/v1/requests", {"kind": "ride", "what": "no such field"}),
    ("POST", "/api/v1/requests", {"kind": "ride", "pickup": [1], "dropoff": "x",
                                  "time": "heute"}),
    ("PUT", "/api/v1/me/offer-filters", '{"max_km": Infinity, "days": "Montag"}'),
    ("POST", "/api/v1/residents", {"first_name": "A", "last_name": "x" * 81,
                                   "home": EVINGER_209, "languages": ["d"]}),
    ("POST", "/api/v1/volunteers", {"first_name": "A", "email": "kein-at", "password": "kurz",
                                    "home": EVINGER_209, "vetted_until": "morgen"}),
])
def test_invalid_input_is_answered_in_german(quarter: Quarter, method: str, url: str,
                                             body: Any) -> None:
    """Found: marshmallow's English defaults ("Unknown field.", "Special numeric values ...",
    "Length must be between ...") reached people."""
    who = quarter.staff(quarter.coordinator) if "residents" in url or "volunteers" in url \
        else quarter.staff(quarter.volunteers[0]) if "offer-filters" in url \
        else quarter.resident(0)
    _german_422(_send(who, method, url, body))


def test_login_checks_are_german(quarter: Quarter) -> None:
    anon = Api(quarter.app.test_client())
    _german_422(_send(anon, "POST", "/api/v1/auth/login", {"email": "a", "password": ""}))
    _german_422(_send(anon, "POST", "/api/v1/auth/code", {"code": 12}))


def test_board_of_an_unknown_quarter_is_404_for_admins(quarter: Quarter) -> None:
    """Found: an admin got an empty board (200) for any made-up quarter."""
    with quarter.app.app_context():
        admin = make_staff(Role.ADMIN, None)
        db.session.commit()
        db.session.refresh(admin)
        db.session.expunge(admin)
    api = login_staff(quarter.app, admin)
    res = api.get("/api/v1/board?quarter=nirgendwo")
    assert res.status_code == 404, res.get_json()
    assert res.get_json()["error"]["message"] == "Dieses Quartier gibt es nicht."
    assert api.get("/api/v1/board?quarter=eving").status_code == 200
