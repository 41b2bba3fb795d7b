"""The outbox: notices are written with the change that causes them, sent over a real SMTP
server and an SMS provider recorder, in each person's language, with fallback, quiet hours,
caregiver copies, retries and no duplicates. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from dispatch.domain.kinds import NoticeKind
from dispatch.extensions import db
from dispatch.jobs.notices import run_notices
from dispatch.models import OpenSocket
from dispatch.models import TripStop
from dispatch.models._types import utcnow
from dispatch.notifications.sms_length import segments
from dispatch.services.clock import local_now
from dispatch.services.notify import trip_changed
from dispatch.services.plan_day import commit
from dispatch.services.plan_day import day_of
from dispatch.services.plan_day import lock_days
from dispatch.services.plan_day import plan_writer
from tests.notifications.conftest import ACCOUNT
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
from tests.notifications.helpers import set_person
from tests.quarter import OUTSIDE
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.notifications
K = NoticeKind


def test_changes_write_their_notices_in_the_same_unit_of_work(quarter: Quarter) -> None:
    contacts(quarter)
    refused = quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(9), dropoff=OUTSIDE))
    assert refused.status_code == 422
    assert notices(quarter.app) == []  # a change that is not stored tells nobody
    rid = book(quarter, 0, notes="Braucht Hilfe mit dem Rollator")
    written = notices(quarter.app)
    assert ("booked", quarter.residents[0].id) in [(n["kind"], n["person_id"]) for n in written]
    offer = [n for n in written if n["kind"] == "offer"]
    assert len(offer) == 1
    assert offer[0]["params"]["audience"] == "volunteer"
    vol = accept(quarter, rid)
    acc = notices(quarter.app, kind="accepted")
    assert len(acc) == 1
    assert acc[0]["params"]["volunteer"] == ("Anna", "Mehmet")[quarter.volunteers.index(vol)]
    assert acc[0]["params"]["car"].startswith("VW Golf, blau, DO-AB")
    for n in notices(quarter.app):  # no health data is ever stored for a message
        assert "Rollator" not in str(n["params"])
    # erasure: her notices go, and those to others about her rides keep no name
    office = quarter.staff(quarter.coordinator)
    assert office.post(f"/api/v1/residents/{quarter.residents[0].id}/erase").status_code == 200
    assert notices(quarter.app, person_id=quarter.residents[0].id) == []
    left = notices(quarter.app)
    assert left
    assert all("Erna" not in str(n["params"]) for n in left)


def test_each_person_hears_in_their_language_on_their_channel(
        quarter: Quarter, smtp: SmtpServer, sms: SmsRecorder) -> None:
    configure(quarter.app, notify_settings(smtp, sms))
    contacts(quarter)
    erna_ride = book(quarter, 0)
    ayse_ride = book(quarter, 1, tomorrow_at(14))
    accept(quarter, erna_ride)
    accept(quarter, ayse_ride)
    out = run_notices(quarter.app)
    assert out["notices_failed"] == 0
    mails = smtp.box.to(ERNA["email"])
    assert [m["Subject"] for m in mails] == ["Ihre Fahrt ist angemeldet",
                                             "Ihre Fahrt ist zugesagt"]
    assert mails[1]["Content-Language"] == "de"
    assert "holt Sie am" in mails[1].get_content()
    texts = [c.body for c in sms.to(AYSE["phone"])]
    assert len(texts) == 2
    assert "kaydedildi" in texts[0]
    assert "sizi alacak" in texts[1]
    assert all(segments(t) <= 2 for t in texts)
    call = sms.to(AYSE["phone"])[0]  # exactly what Twilio receives
    assert call.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert call.content_type == "application/x-www-form-urlencoded"
    assert set(call.form) == {"To", "From", "Body"}
    assert call.form["From"] == ["+4923100000"]
    assert call.basic_auth() == (ACCOUNT, "token-123")
    # offers already answered are not sent any more
    assert {n["detail"] for n in notices(quarter.app, kind="offer")} == {"offer no longer open"}
    # a volunteer without an open socket learns of a new offer by SMS (the default channels)
    book(quarter, 0, tomorrow_at(16))
    run_notices(quarter.app)
    offers = [c for c in sms.calls if c.to.startswith("+491700000")]
    assert len(offers) == 1
    assert offers[0].body.startswith("Neue Anfrage für")
    again = run_notices(quarter.app, now=utcnow() + timedelta(hours=1))
    assert again["notices_sent"] == 0  # sending twice never delivers twice
    assert len(smtp.box.mails) == 3
    assert len(sms.calls) == 3


def test_a_volunteer_with_the_app_open_gets_no_sms(quarter: Quarter, smtp: SmtpServer,
                                                    sms: SmsRecorder) -> None:
    configure(quarter.app, notify_settings(smtp, sms))
    contacts(quarter)
    with quarter.app.app_context():
        for v in quarter.volunteers:
            db.session.add(OpenSocket(sid=f"sid-{v.id}", person_id=v.id))
        db.session.commit()
    book(quarter, 0)
    run_notices(quarter.app)
    assert [c for c in sms.calls if c.to.startswith("+491700000")] == []
    offer = notices(quarter.app, kind="offer")[0]
    assert offer["state"] == "skipped"
    assert offer["detail"] == "seen live in the app"


def test_a_failed_channel_falls_back_and_a_dead_end_reaches_the_board(
        quarter: Quarter, smtp: SmtpServer, sms: SmsRecorder) -> None:
    configure(quarter.app, notify_settings(smtp, sms))
    contacts(quarter, channels=(["sms", "email"], ["sms"]))
    sms.invalid = {ERNA["phone"], AYSE["phone"]}  # the provider refuses both numbers
    book(quarter, 0)
    book(quarter, 1, tomorrow_at(14))
    run_notices(quarter.app)
    erna = notices(quarter.app, kind="booked", person_id=quarter.residents[0].id)[0]
    assert erna["state"] == "sent"
    assert erna["channels"] == [("sms", "failed", 1), ("email", "sent", 1)]
    assert [m["Subject"] for m in smtp.box.to(ERNA["email"])] == ["Ihre Fahrt ist angemeldet"]
    ayse = notices(quarter.app, kind="booked", person_id=quarter.residents[1].id)[0]
    assert ayse["state"] == "failed"
    assert "21211" in ayse["detail"]
    coord = quarter.staff(quarter.coordinator)
    board = coord.get("/api/v1/board?quarter=eving").get_json()
    assert [n["id"] for n in board["failed_notices"]] == [ayse["id"]]
    assert board["failed_notices"][0]["tried"][0]["channel"] == "sms"
    # the office fixes the number and sends it again
    set_person(quarter.app, quarter.residents[1].id, phone="+4923155599")
    assert coord.post(f"/api/v1/notices/{ayse['id']}/retry").status_code == 200
    run_notices(quarter.app)
    assert len(sms.to("+4923155599")) == 1
    assert coord.get("/api/v1/board?quarter=eving").get_json()["failed_notices"] == []


def test_smtp_away_mid_run_retries_deliver_everything_once(
        quarter: Quarter, smtp: SmtpServer, sms: SmsRecorder) -> None:
    configure(quarter.app, notify_settings(smtp, sms, retry_base_s=60.0, max_attempts=6))
    contacts(quarter, channels=(["email"], ["email"]))
    set_person(quarter.app, quarter.coordinator.id, notify_channels=["email"])
    for hour in (9, 11, 15):
        book(quarter, 0, tomorrow_at(hour))
    first = run_notices(quarter.app)
    assert first["notices_sent"] >= 1  # the first bookings went out
    smtp.stop()  # the mail server goes away mid-run
    for hour in (10, 16):
        book(quarter, 1, tomorrow_at(hour))
    t0 = utcnow()
    down = run_notices(quarter.app, now=t0)
    assert down["notices_retry"] >= 2
    assert len(smtp.box.mails) == 3
    early = run_notices(quarter.app, now=t0 + timedelta(seconds=30))  # back-off: not yet
    assert early["notices_sent"] == 0
    pending = notices(quarter.app, state="pending")
    assert pending
    assert all(ch[0][2] == 1 for ch in (n["channels"] for n in pending) if ch)
    smtp.start()
    later = t0 + timedelta(minutes=5)
    # two senders at once, then once more: each notice arrives exactly once
    reports: list[dict[str, int]] = []
    threads = [threading.Thread(target=lambda: reports.append(run_notices(quarter.app,
                                                                          now=later)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    run_notices(quarter.app, now=later + timedelta(minutes=10))
    booked = notices(quarter.app, kind="booked")
    assert len(booked) == 5
    assert {n["state"] for n in booked} == {"sent"}
    ids = [m["Message-ID"] for _, _, m in smtp.box.mails]
    assert len(ids) == len(set(ids)) == 5  # one e-mail per booking, none twice
    assert len(smtp.box.to(AYSE["email"])) == 2
    assert len(smtp.box.to(ERNA["email"])) == 3


def _hm(moment: datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def test_quiet_hours_hold_a_notice_until_they_end(quarter: Quarter, smtp: SmtpServer,
                                                  sms: SmsRecorder) -> None:
    configure(quarter.app, notify_settings(smtp, sms))
    contacts(quarter)
    now_local = local_now()
    # quiet from an hour ago until two hours from now (local wall-clock time, may span midnight)
    set_person(quarter.app, quarter.residents[0].id,
               quiet_from=_hm(now_local - timedelta(hours=1)),
               quiet_until=_hm(now_local + timedelta(hours=2)))
    rid = book(quarter, 0)
    t0 = utcnow()
    assert run_notices(quarter.app, now=t0)["notices_deferred"] >= 1
    held = notices(quarter.app, kind="booked")[0]
    assert held["state"] == "pending"
    assert smtp.box.to(ERNA["email"]) == []
    run_notices(quarter.app, now=t0 + timedelta(hours=1, minutes=58))
    assert smtp.box.to(ERNA["email"]) == []
    run_notices(quarter.app, now=t0 + timedelta(hours=2, minutes=1))
    assert [m["Subject"] for m in smtp.box.to(ERNA["email"])] == ["Ihre Fahrt ist angemeldet"]
    # "waiting at the door" does not wait for the quiet hours to end
    set_person(quarter.app, quarter.residents[0].id,
               quiet_from=_hm(now_local - timedelta(hours=1)),
               quiet_until=_hm(now_local + timedelta(hours=6)))
    vol = accept(quarter, rid)
    with quarter.app.app_context():
        pick = db.session.scalars(select(TripStop.id).where(TripStop.request_id == rid,
                                                            TripStop.kind == "pickup")).one()
    assert quarter.staff(vol).post(f"/api/v1/stops/{pick}/arrived").status_code == 200
    run_notices(quarter.app, now=t0 + timedelta(hours=2, minutes=2))
    subjects = [m["Subject"] for m in smtp.box.to(ERNA["email"])]
    assert subjects[-1].endswith("wartet vor der Tür")
    assert "Ihre Fahrt ist zugesagt" not in subjects  # that one waits for the quiet hours
    assert notices(quarter.app, kind="accepted")[0]["state"] == "pending"


def test_caregiver_copies_need_consent_and_follow_the_ride(
        quarter: Quarter, smtp: SmtpServer, sms: SmsRecorder) -> None:
    configure(quarter.app, notify_settings(smtp, sms))
    contacts(quarter)
    coord = quarter.staff(quarter.coordinator)
    url = f"/api/v1/residents/{quarter.residents[0].id}/notifications"
    res = coord.put(url, {"caregiver_name": "Petra", "caregiver_phone": "+4917699999"})
    assert res.status_code == 200
    rid = book(quarter, 0)
    assert notices(quarter.app, to_caregiver=True) == []  # no consent yet: no copies
    res = coord.put(url, {"caregiver_copies": True})
    consent = res.get_json()["notifications"]["caregiver"]
    assert consent["copies"]
    assert consent["consent_at"]
    assert consent["consent_recorded_by"] == quarter.coordinator.id
    vol = accept(quarter, rid)
    with quarter.app.app_context():
        stops = dict(db.session.execute(select(TripStop.kind, TripStop.id).where(
            TripStop.request_id == rid)).all())
    api = quarter.staff(vol)
    for stop, action in ((stops["pickup"], "on_the_way"), (stops["pickup"], "arrived"),
                         (stops["pickup"], "picked_up"), (stops["dropoff"], "dropped_off")):
        assert api.post(f"/api/v1/stops/{stop}/{action}").status_code == 200, action
    run_notices(quarter.app)
    to_petra = [c.body for c in sms.to("+4917699999")]
    assert len(to_petra) == 4  # accepted, on the way, waiting, arrived
    assert to_petra[0].startswith("Für Erna")
    assert "unterwegs" in to_petra[1]
    assert "wartet" in to_petra[2]
    assert "gut angekommen" in to_petra[3]
    mails = [m["Subject"] for m in smtp.box.to(ERNA["email"])]
    assert mails[-2:] == ["Anna ist unterwegs" if "Anna" in mails[-2] else mails[-2],
                          mails[-1]]
    assert mails[-1].endswith("wartet vor der Tür")  # the resident gets no "arrived"


def test_an_empty_caregiver_field_clears_it_and_a_wrong_one_is_refused(quarter: Quarter) -> None:
    """The settings form sends "" for an emptied field (e-mail too); a bad address is 422."""
    coord = quarter.staff(quarter.coordinator)
    url = f"/api/v1/residents/{quarter.residents[0].id}/notifications"
    assert coord.put(url, {"caregiver_email": "petra@example.org"}).status_code == 200
    res = coord.put(url, {"caregiver_email": "petra(at)example"})
    assert res.status_code == 422
    assert res.get_json()["error"]["fields"]["caregiver_email"] == (
        "Bitte eine gültige E-Mail-Adresse angeben.")
    res = coord.put(url, {"caregiver_name": "", "caregiver_phone": "", "caregiver_email": ""})
    assert res.status_code == 200
    cg = res.get_json()["notifications"]["caregiver"]
    assert (cg["name"], cg["phone"], cg["email"]) == (None, None, None)


def test_a_time_change_beyond_the_window_is_told(quarter: Quarter, smtp: SmtpServer,
                                                 sms: SmsRecorder) -> None:
    configure(quarter.app, notify_settings(smtp, sms))
    contacts(quarter)
    rid = book(quarter, 0)
    accept(quarter, rid)

    @plan_writer
    def move_pickup(minutes: int) -> None:
        with quarter.app.app_context():
            stop = db.session.scalars(select(TripStop).where(TripStop.request_id == rid)
                                      .order_by(TripStop.seq)).first()
            assert stop is not None
            lock_days([day_of(stop.trip.quarter_slug, stop.trip.service_day)])
            stop = db.session.get(TripStop, stop.id)
            for s in stop.trip.stops:
                s.planned_arrival += timedelta(minutes=minutes)
                s.planned_departure += timedelta(minutes=minutes)
            trip_changed(stop.trip)
            commit()

    move_pickup(5)  # inside the 15-minute window: nobody is bothered
    assert notices(quarter.app, kind="time_changed") == []
    move_pickup(40)
    changed = notices(quarter.app, kind="time_changed")
    assert {n["params"].get("audience", "resident") for n in changed} == {"resident",
                                                                          "volunteer"}
    run_notices(quarter.app)
    assert smtp.box.to(ERNA["email"])[-1]["Subject"] == "Neue Abholzeit für Ihre Fahrt"


def test_links_expire_when_the_ride_is_over(quarter: Quarter) -> None:
    from dispatch.models import RideRequest
    from dispatch.services.links import make_token

    rid = book(quarter, 0)
    with quarter.app.app_context():
        token = make_token(quarter.app.config["SETTINGS"], rid, "confirm")
        req = db.session.get(RideRequest, rid)
        assert req is not None
        req.window_end = local_now() - timedelta(hours=3)  # as if the ride was this morning
        db.session.commit()
    client = quarter.app.test_client()
    res = client.post(f"/link/{token}")
    assert res.status_code == 410
    assert "abgelaufen" in res.get_data(as_text=True)
    assert client.post(f"/api/v1/links/{token}").status_code == 410


def _link_page(quarter: Quarter, path: str, method: str = "POST", **headers: str
               ) -> tuple[int, str]:
    res = quarter.app.test_client().open(path, method=method, headers=headers)
    return res.status_code, res.get_data(as_text=True)


def test_a_link_that_no_longer_works_says_why_in_her_language_with_the_number_to_call(
        quarter: Quarter, monkeypatch: pytest.MonkeyPatch) -> None:
    """Used, cancelled or expired: the resident's language (Turkish here) and her office's
    number; a link of no known ride: the browser's language and every office's number."""
    from dispatch.pwa_views import catalogue
    from dispatch.services.links import make_token

    set_person(quarter.app, quarter.residents[1].id, ui_language="tr")
    rid = book(quarter, 1)
    with quarter.app.app_context():
        settings = quarter.app.config["SETTINGS"]
        confirm, cancel = (make_token(settings, rid, a) for a in ("confirm", "cancel"))
        signed = int(time.time()) - 15 * 24 * 3600
        with monkeypatch.context() as m:  # signed 15 days ago
            m.setattr("itsdangerous.timed.TimestampSigner.get_timestamp", lambda _s: signed)
            old = make_token(settings, rid, "confirm")
        office = settings.quarter("eving").office
    tr, pl = catalogue("tr"), catalogue("pl")
    office_tel = f'href="tel:{"".join(c for c in office.phone if c.isdigit())}"'

    assert _link_page(quarter, f"/link/{confirm}")[0] == 200
    status, html = _link_page(quarter, f"/link/{confirm}", "GET")  # opened again: no button
    assert status == 410
    assert "<form" not in html
    assert escape(tr["link.why_used"]) in html
    for path, why in ((f"/link/{confirm}", "used"), (f"/link/{old}", "expired")):
        status, html = _link_page(quarter, path, **{"Accept-Language": "pl"})
        assert status == 410, html
        assert 'lang="tr"' in html
        assert escape(tr[f"link.why_{why}"]) in html, (why, html)
        assert office_tel in html
    assert _link_page(quarter, f"/link/{cancel}")[0] == 200
    with quarter.app.app_context():
        again = make_token(quarter.app.config["SETTINGS"], rid, "callback")
    status, html = _link_page(quarter, f"/link/{again}")
    assert status == 410
    assert 'lang="tr"' in html
    assert escape(tr["link.why_cancelled"]) in html, html

    status, html = _link_page(quarter, f"/link/{confirm[:-4]}abcd", **{"Accept-Language": "pl"})
    assert status == 410
    assert 'lang="pl"' in html
    assert escape(pl["link.why_invalid"]) in html
    assert html.count('href="tel:') == len(quarter.app.config["SETTINGS"].quarters)
    status, html = _link_page(quarter, "/l/NOSUCHCODE", "GET", **{"Accept-Language": "pl"})
    assert status == 404
    assert escape(pl["link.why_unknown"]) in html
