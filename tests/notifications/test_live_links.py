"""End to end on a live server: the day-before reminder reaches a real SMTP server; the test
reads the e-mail, follows its confirm link over HTTP and sees the ride confirmed (audited as
"link"); the SMS's short page asks for a call-back, which lands on the board."""

from __future__ import annotations

import os
import re
import time
from email.message import EmailMessage

import pytest
import requests
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.jobs.notices import run_notices
from dispatch.models import AuditEntry
from dispatch.models import OpenSocket
from dispatch.models import RideRequest
from tests.live import LiveClient
from tests.live import Session
from tests.live import running_server
from tests.notifications.conftest import SmsRecorder
from tests.notifications.conftest import SmtpServer
from tests.notifications.conftest import configure
from tests.notifications.conftest import notify_settings
from tests.notifications.helpers import AYSE
from tests.notifications.helpers import ERNA
from tests.notifications.helpers import accept
from tests.notifications.helpers import book
from tests.notifications.helpers import contacts
from tests.notifications.helpers import notices
from tests.quarter import Quarter
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.notifications
LIVE_PG = os.environ.get("DISPATCH_NOTIFY_LIVE_PG") == "1"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(not LIVE_PG, reason="a second live server: DISPATCH_NOTIFY_LIVE_PG=1")])])
def database_url(request: pytest.FixtureRequest) -> str:
    """SQLite by default; PostgreSQL too with ``DISPATCH_NOTIFY_LIVE_PG=1`` (the outbox tests
    cover PostgreSQL; this one adds a second live server)."""
    name = "sqlite_database_url" if request.param == "sqlite" else "pg_database_url"
    return str(request.getfixturevalue(name))


def _link(mail: EmailMessage, label: str) -> str:
    body = mail.get_content()
    found = re.search(rf"^{label}: (\S+)", body, re.M)
    assert found, body
    return found.group(1)


def test_reminder_links_work_once_over_http(quarter: Quarter, database_url: str,
                                            smtp: SmtpServer, sms: SmsRecorder) -> None:
    contacts(quarter)
    erna = book(quarter, 0, tomorrow_at(9))
    ayse = book(quarter, 1, tomorrow_at(14))
    vol = accept(quarter, erna)
    with running_server(database_url) as base:
        # the links are signed with the server's key
        configure(quarter.app, notify_settings(smtp, sms, public_url=base, reminder_hour=0),
                  secret_key="live-test-secret")
        out = run_notices(quarter.app)
        assert out["reminders"] == 2
        reminder = next(m for m in smtp.box.to(ERNA["email"])
                        if m["Subject"] == "Erinnerung an Ihre Fahrt morgen")
        body = reminder.get_content()
        assert "holt Sie morgen" in body
        assert "Auto: VW Golf, blau, DO-AB" in body  # the volunteer's car
        confirm = _link(reminder, "Fahrt bestätigen")
        assert confirm.startswith(f"{base}/link/")
        page = requests.get(confirm, timeout=30)  # opening the link changes nothing yet
        assert page.status_code == 200
        assert '<form method="post"' in page.text
        done = requests.post(confirm, timeout=30)
        assert done.status_code == 200, done.text
        assert "Ihre Fahrt ist bestätigt" in done.text
        again = requests.post(confirm, timeout=30)
        assert again.status_code == 410
        assert "schon benutzt" in again.text
        with quarter.app.app_context():
            req = db.session.get(RideRequest, erna)
            assert req is not None
            assert req.confirmed_at is not None
            assert req.state == "accepted"
            entry = db.session.scalars(select(AuditEntry).where(
                AuditEntry.action == "request.confirmed", AuditEntry.entity_id == erna)).one()
            assert entry.actor_label == "link"
        # Ayşe reads Turkish, on her phone: one short link to a page with the three answers
        text = next(c.body for c in sms.to(AYSE["phone"]) if c.body.startswith("Hatırlatma"))
        short = re.search(rf"{re.escape(base)}/l/[A-Z0-9]+", text)
        assert short, text
        page = requests.get(short.group(0), timeout=30)
        assert page.status_code == 200
        assert page.text.count('<form method="post"') == 3
        assert "Lütfen beni arayın" in page.text
        assert 'lang="tr"' in page.text
        callback = re.findall(r'<form method="post" action="([^"]+)">', page.text)[2]
        assert requests.post(base + callback, timeout=30).status_code == 200
        office = Session(base)
        office.login(quarter.coordinator.email, "correct horse battery")
        tasks = office.get("/api/v1/board?quarter=eving").json()["tasks"]
        assert [(t["kind"], t["request_id"]) for t in tasks] == [("callback", ayse)]
        # a volunteer with the app open is known to be online, in any process
        live = LiveClient(Session(base))
        live.session.login(vol.email, "correct horse battery")
        live.connect()
        live.wait_for("snapshot")
        with quarter.app.app_context():
            assert db.session.scalar(select(OpenSocket.person_id)) == vol.id
        live.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with quarter.app.app_context():
                if db.session.scalar(select(OpenSocket.sid)) is None:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the closed socket is still noted as open")
    reminders = notices(quarter.app, kind="reminder")
    assert {n["state"] for n in reminders} == {"sent"}
    assert run_notices(quarter.app)["reminders"] == 0  # once a day, however many passes
