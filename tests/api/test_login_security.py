"""Log-in: limited attempts, the same answer time for unknown e-mails, failures audited,
log-out ends every copy of the session."""

from __future__ import annotations

import time

from flask import Flask
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import AuditEntry
from dispatch.models import Role
from tests.factories import PASSWORD
from tests.factories import make_staff
from tests.quarter import Api


def _coordinator(app: Flask) -> str:
    with app.app_context():
        email = make_staff(Role.COORDINATOR, "eving").email
        db.session.commit()
        return str(email)


def _login(app: Flask, email: str, password: str) -> object:
    return Api(app.test_client()).post("/api/v1/auth/login",
                                       {"email": email, "password": password})


def test_five_wrong_passwords_then_even_the_right_one_waits(app: Flask) -> None:
    email = _coordinator(app)
    for _ in range(5):
        res = _login(app, email, "wrong password")
        assert res.status_code == 401
    res = _login(app, email, PASSWORD)
    assert res.status_code == 429
    assert "15 Minuten" in res.get_json()["error"]["message"]
    assert int(res.headers["Retry-After"]) > 0
    with app.app_context():
        failed = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "login.failed")).all()
        assert len(failed) == 5
        assert all(a.data["why"] == "password" for a in failed)


def test_successful_log_ins_do_not_count_against_the_limit(app: Flask) -> None:
    email = _coordinator(app)
    for _ in range(8):
        assert _login(app, email, PASSWORD).status_code == 200


def test_an_unknown_email_takes_as_long_as_a_wrong_password(app: Flask) -> None:
    email = _coordinator(app)

    def median(address: str) -> float:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            assert _login(app, address, "wrong password").status_code == 401
            times.append(time.perf_counter() - t0)
        return sorted(times)[1]

    known, unknown = median(email), median("nobody@example.org")
    assert unknown > 0.4 * known, (unknown, known)
    with app.app_context():
        whys = {a.data["why"] for a in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "login.failed"))}
        assert whys == {"password", "unknown"}


def test_a_cookie_copied_before_logout_stops_working(app: Flask) -> None:
    email = _coordinator(app)
    api = Api(app.test_client())
    assert api.post("/api/v1/auth/login", {"email": email, "password": PASSWORD}).status_code \
        == 200
    copy = Api(app.test_client())
    for cookie in api.client._cookies.values():  # noqa: SLF001 - copying the browser's jar
        copy.client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert copy.get("/api/v1/me").status_code == 200
    api.token = api.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    assert api.post("/api/v1/auth/logout").status_code == 200
    assert copy.get("/api/v1/me").status_code == 401
    assert api.post("/api/v1/auth/login", {"email": email, "password": PASSWORD}).status_code \
        == 200  # logging in again works


def test_cookie_settings(app: Flask) -> None:
    assert app.config["REMEMBER_COOKIE_DURATION"].days <= 30
    from dispatch import create_app

    prod = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40})
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.config["REMEMBER_COOKIE_SECURE"] is True
