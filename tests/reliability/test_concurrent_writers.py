"""Writers of one quarter-day's plan race each other over HTTP and never break the plans.

A real server (one per database for the module), real threads released together by a
``threading.Barrier``, SQLite and PostgreSQL. Every answer must be a success or a conflict (409,
or 422 where the rules can refuse) in the error envelope, never 500; after every round the
stored rows must satisfy :func:`tests.invariants.violations` and agree with the answers.

Each test runs all its rounds and then fails with a summary (how many rounds broke which rule,
how many answers were 5xx, which exceptions the server logged), so a failing run says how bad
it is. Rows of requests, trips, stops and offers are cleared between rounds, so rounds are
independent; people, sessions and the server stay.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import Table
from sqlalchemy import select
from sqlalchemy import update

from dispatch.extensions import db
from dispatch.models import AuditEntry
from dispatch.models import Offer
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models import Trip
from dispatch.models import TripStop
from dispatch.models._types import utcnow
from tests.factories import PASSWORD
from tests.factories import make_resident
from tests.factories import make_staff
from tests.factories import make_volunteer
from tests.invariants import violations
from tests.live import Session
from tests.live import running_server
from tests.live import server_exceptions
from tests.quarter import EVING_HOMES
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.reliability

# homes of residents and volunteers in Eving (real street points), and two destinations
HOMES = EVING_HOMES[:10]
VOLUNTEER_HOMES = [(51.5480, 7.4650), (51.5530, 7.4600), (51.5500, 7.4700), (51.5465, 7.4640)]
SURGERY = {"address": "Arztpraxis Evinger Mitte", "lat": 51.5483, "lon": 7.4655}
MARKET = {"address": "Supermarkt Deutsche Straße", "lat": 51.5452, "lon": 7.4635}
CONFLICT_OR_REFUSED = (409, 422)


# --- servers, people, sessions ---------------------------------------------------------------


@dataclass
class Servers:
    """One running server per database URL, started on first use, stopped with the module."""

    stack: ExitStack
    logs: Path
    bases: dict[str, str] = field(default_factory=dict)

    def base(self, database_url: str) -> str:
        if database_url not in self.bases:
            log = self.log(database_url)
            self.bases[database_url] = self.stack.enter_context(
                running_server(database_url, log=log))
        return self.bases[database_url]

    def log(self, database_url: str) -> Path:
        return self.logs / f"{database_url.split(':')[0]}.log"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The module's servers (SQLite and PostgreSQL), shared by every test."""
    with ExitStack() as stack:
        yield Servers(stack, tmp_path_factory.mktemp("servers"))


@dataclass
class Live:
    """The test's app (same database as the server), the server's URL and its log."""

    app: Flask
    base: str
    log: Path
    database: str

    def session(self, email: str) -> Session:
        s = Session(self.base)
        s.login(email, PASSWORD)
        return s

    def resident_session(self, coordinator: Session, resident_id: int) -> Session:
        code = coordinator.post(f"/api/v1/residents/{resident_id}/login-code").json()["code"]
        s = Session(self.base)
        s.login_code(code)
        return s


@pytest.fixture
def live(app: Flask, database_url: str, servers: Servers) -> Live:
    """A migrated database (emptied after the test) with the module's server on it."""
    return Live(app, servers.base(database_url), servers.log(database_url),
                database_url.split(":")[0].split("+")[0])


@dataclass
class People:
    """Emails and ids of the people a test made."""

    coordinators: list[str]
    volunteers: list[tuple[int, str]]
    residents: list[int]


def make_people(app: Flask, *, coordinators: int = 1, volunteers: int = 4,
                residents: int = 10) -> People:
    """Coordinators, volunteers on overlapping shifts tomorrow 7-13, residents in Eving."""
    shift = (tomorrow_at(7), tomorrow_at(13))
    with app.app_context():
        coords = [make_staff(Role.COORDINATOR, "eving") for _ in range(coordinators)]
        vols = [make_volunteer(lat=VOLUNTEER_HOMES[i % 4][0], lon=VOLUNTEER_HOMES[i % 4][1],
                               shift=shift, gender="fm"[i % 2], languages=["de"],
                               vehicle_seats=3)
                for i in range(volunteers)]
        res = [make_resident(lat=HOMES[i % len(HOMES)][1], lon=HOMES[i % len(HOMES)][2],
                             gender="fm"[i % 2], languages=["de"]) for i in range(residents)]
        db.session.commit()
        return People([c.email for c in coords], [(v.id, v.email) for v in vols],
                      [r.id for r in res])


def ride_body(i: int, minute: int) -> dict[str, Any]:
    """A ride from the i-th home to a destination, picked up from tomorrow 9:00 + minute."""
    addr, lat, lon = HOMES[i % len(HOMES)]
    return {"kind": "ride", "pickup": {"address": addr, "lat": lat, "lon": lon},
            "dropoff": SURGERY if i % 2 else MARKET, "time_mode": "pickup_after",
            "time": tomorrow_at(9 + minute // 60, minute % 60).isoformat()}


def _tables_on(target: Table) -> list[Table]:
    """The tables whose rows point at ``target``'s rows (directly or through another), the
    farthest first."""
    found: set[Table] = set()
    for table in db.metadata.sorted_tables:  # parents before children
        if table is not target and any(fk.column.table is target or fk.column.table in found
                                       for fk in table.foreign_keys):
            found.add(table)
    return sorted(found, key=db.metadata.sorted_tables.index, reverse=True)


def clear_plans(app: Flask) -> None:
    """Delete requests, trips, stops, offers and the audit trail; people and quarters stay."""
    with app.app_context():
        db.session.rollback()
        for model in (Offer, TripStop, Trip, AuditEntry):
            db.session.execute(model.__table__.delete())
        for table in _tables_on(RideRequest.__table__):  # notices, links, keys of requests
            db.session.execute(table.delete())
        db.session.execute(update(RideRequest).values(return_of_id=None))
        db.session.execute(RideRequest.__table__.delete())
        db.session.commit()
        db.session.remove()


# --- answers and racing -----------------------------------------------------------------------


@dataclass
class Answer:
    """One HTTP answer (status 0: no answer at all, ``body`` holds the exception)."""

    what: str
    status: int
    body: Any

    @property
    def enveloped(self) -> bool:
        """Whether the body is the error envelope with a code and a message for people."""
        err = self.body.get("error") if isinstance(self.body, dict) else None
        return isinstance(err, dict) and isinstance(err.get("code"), str) and \
            isinstance(err.get("message"), str) and bool(err["message"].strip())

    def __str__(self) -> str:
        detail = self.body.get("error") if isinstance(self.body, dict) else self.body
        return f"{self.what} -> {self.status} {detail if self.status >= 300 else ''}".strip()


def call(what: str, session: Session, method: str, path: str, json: Any = None) -> Answer:
    """Send one request with the session's CSRF token; never raises."""
    try:
        res = session.http.request(method, session.base + path, json=json or {}, timeout=120,
                                   headers={"X-CSRFToken": session.token})
    except requests.RequestException as exc:
        return Answer(what, 0, repr(exc))
    try:
        body = res.json()
    except ValueError:
        body = res.text[:300]
    return Answer(what, res.status_code, body)


def race(*actions: Callable[[], Any], delays: list[float] | None = None) -> list[Any]:
    """Run the actions in threads released together (after an optional delay each); results
    in order (an exception becomes its repr)."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(k: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(60)
            if delays and delays[k] > 0:
                time.sleep(delays[k])
            results[k] = action()
        except Exception as exc:  # noqa: BLE001 - reported as the result
            results[k] = f"raised {exc!r}"

    threads = [threading.Thread(target=run, args=(k, a)) for k, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return results


@dataclass
class Ledger:
    """What went wrong, per round; the test fails at the end with a summary."""

    live: Live
    rounds: int = 0
    log_from: int = -1
    answers: Counter[int] = field(default_factory=Counter)
    broken: dict[int, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.log_from < 0:
            self.log_from = self.live.log.stat().st_size if self.live.log.exists() else 0

    def check_answers(self, answers: list[Answer], allowed: set[int], n: int) -> None:
        """Each answer is allowed; a 4xx carries the error envelope."""
        for a in answers:
            self.answers[a.status] += 1
            if a.status not in allowed:
                self.fail(n, f"not allowed: {a}")
            elif a.status >= 400 and not a.enveloped:
                self.fail(n, f"no error envelope: {a}")

    def check_rows(self, n: int) -> None:
        """The stored rows satisfy every invariant."""
        for v in violations(self.live.app):
            self.fail(n, v)

    def fail(self, n: int, problem: str) -> None:
        self.broken.setdefault(n, []).append(problem)

    def assert_clean(self) -> None:
        if not self.broken:
            return
        kinds = Counter(k for ps in self.broken.values() for k in {_kind(p) for p in ps})
        lines = [f"{len(self.broken)} of {self.rounds} rounds broke a rule on "
                 f"{self.live.database}; answers by status: {dict(sorted(self.answers.items()))}",
                 f"rounds by kind of problem: {dict(kinds.most_common(10))}",
                 f"problems in all: {sum(len(ps) for ps in self.broken.values())}",
                 f"server exceptions: {server_exceptions(self.live.log, self.log_from)}"]
        for n, ps in list(self.broken.items())[:3]:
            lines.append(f"round {n}:")
            lines += [f"  {p}" for p in ps[:6]]
        pytest.fail("\n".join(lines), pytrace=False)


def _kind(problem: str) -> str:
    """A short label of a problem: the invariant's letter (and check code), or its head."""
    m = re.match(r"\((\w)\)(?: .*?: (\w+):)?", problem)
    if m:
        return f"({m[1]}){' ' + m[2] if m[2] else ''}"
    return re.sub(r"\d+", "N", problem.split(":")[0])[:40]


def stored(app: Flask, request_id: int) -> tuple[str | None, list[tuple[int, str]], int]:
    """A request's state, its offers (volunteer, state) and number of stops (None: no row)."""
    with app.app_context():
        req = db.session.get(RideRequest, request_id)
        offers = [(o.volunteer_id, o.state) for o in db.session.scalars(
            select(Offer).where(Offer.request_id == request_id).order_by(Offer.id))]
        n_stops = len(db.session.scalars(select(TripStop.id).where(
            TripStop.request_id == request_id)).all())
        state = req.state if req is not None else None
        db.session.remove()
        return state, offers, n_stops


def open_offer(app: Flask, request_id: int) -> tuple[int, int]:
    """(offer id, volunteer id) of the request's open offer."""
    with app.app_context():
        o = db.session.scalars(select(Offer).where(Offer.request_id == request_id,
                                                   Offer.state == "open")).one()
        out = (o.id, o.volunteer_id)
        db.session.remove()
        return out


def book_offered(resident: Session, i: int, minute: int) -> int:
    """Book a ride that must come back offered; its request id."""
    res = resident.post("/api/v1/requests", ride_body(i, minute))
    assert res.status_code == 201, res.text
    req = res.json()["request"]
    assert req["state"] == "offered", req
    return int(req["id"])


# --- the races ---------------------------------------------------------------------------------


def test_simultaneous_bookings_in_one_hour_keep_the_plans_sound(live: Live) -> None:
    """20 rounds of 10 residents booking rides in the same hour at the same instant, with four
    volunteers on overlapping shifts (even rounds on an empty day, odd rounds after two rides
    were booked one by one, so the race meets existing trips): each answer is 201 (or 409 in
    the envelope), every 201 booking is stored in the state it was answered with, nothing
    else is stored, and the stored plans have no double trips, overlapping stops or broken
    requests."""
    people = make_people(live.app, volunteers=4, residents=10)
    coord = live.session(people.coordinators[0])
    residents = [live.resident_session(coord, rid) for rid in people.residents]
    ledger = Ledger(live)
    served = answered = 0
    for n in range(20):
        ledger.rounds += 1
        early = []
        if n % 2:  # odd rounds race on trips that exist already
            early = [book_offered(residents[k], k, 45 + 5 * k) for k in (0, 1)]
        answers = race(*(partial(call, f"booking {k}", residents[k], "POST", "/api/v1/requests",
                                 ride_body(k, (3 * k + n) % 40)) for k in range(10)))
        ledger.check_answers(answers, {201, 409}, n)
        booked = {a.body["request"]["id"]: a.body["request"]["state"] for a in answers
                  if a.status == 201}
        served += sum(1 for s in booked.values() if s == "offered")
        answered += len(booked)
        with live.app.app_context():
            rows = dict(db.session.execute(select(RideRequest.id, RideRequest.state)).all())
            db.session.remove()
        for rid, state in booked.items():
            if rows.get(rid) != state:
                ledger.fail(n, f"booking {rid} answered {state}, stored {rows.get(rid)}")
        for rid in early:
            if rows.get(rid) != "offered":
                ledger.fail(n, f"earlier booking {rid} was offered, now {rows.get(rid)}")
        for rid in set(rows) - set(booked) - set(early):
            ledger.fail(n, f"request {rid} stored without a 201 answer")
        ledger.check_rows(n)
        clear_plans(live.app)
    ledger.assert_clean()
    # the day must have room: most bookings that were taken are offered, not unservable
    assert served >= answered / 2, f"only {served} of {answered} bookings taken were offered"


def test_twenty_taps_on_one_offer_give_exactly_one_accept(live: Live) -> None:
    """20 rounds: the volunteer taps "accept" on 20 devices at once; exactly one answer is
    200, the other 19 are 409 in the envelope; one accepted offer is stored, the request is
    accepted and its stops are locked with that volunteer."""
    people = make_people(live.app, volunteers=1, residents=1)
    coord = live.session(people.coordinators[0])
    resident = live.resident_session(coord, people.residents[0])
    vid, vol_email = people.volunteers[0]
    phones = [live.session(vol_email) for _ in range(20)]
    ledger = Ledger(live)
    for n in range(20):
        ledger.rounds += 1
        rid = book_offered(resident, n, (n * 7) % 60)
        offer_id, owner = open_offer(live.app, rid)
        assert owner == vid
        answers = race(*(partial(call, "accept", p, "POST", f"/api/v1/offers/{offer_id}/accept")
                         for p in phones))
        ledger.check_answers(answers, {200, 409}, n)
        codes = Counter(a.status for a in answers)
        if codes != Counter({200: 1, 409: 19}):
            ledger.fail(n, f"answers {dict(codes)}, want one 200 and 19 409")
        state, offers, n_stops = stored(live.app, rid)
        if (state, offers, n_stops) != ("accepted", [(vid, "accepted")], 2):
            ledger.fail(n, f"stored {state}, offers {offers}, {n_stops} stops")
        with live.app.app_context():
            locked = db.session.scalars(select(TripStop.locked).where(
                TripStop.request_id == rid)).all()
            db.session.remove()
        if not all(locked):
            ledger.fail(n, f"stops of accepted request {rid} not all locked: {locked}")
        ledger.check_rows(n)
        clear_plans(live.app)
    ledger.assert_clean()


def test_two_coordinators_assigning_one_request_agree_on_one_volunteer(live: Live) -> None:
    """12 rounds: two coordinators assign the same offered request at once, to two different
    volunteers (even rounds) or to the same one (odd rounds). Answers are 200, 409 or 422 in
    the envelope; if any is 200 the request ends accepted by exactly one volunteer whose
    assignment was answered 200, with one accepted offer and no open one."""
    people = make_people(live.app, coordinators=2, volunteers=3, residents=2)
    coords = [live.session(e) for e in people.coordinators]
    resident = live.resident_session(coords[0], people.residents[0])
    vids = [v for v, _ in people.volunteers]
    ledger = Ledger(live)
    for n in range(12):
        ledger.rounds += 1
        rid = book_offered(resident, n, (n * 5) % 60)
        _, offered_to = open_offer(live.app, rid)
        others = [v for v in vids if v != offered_to]
        targets = [others[0], others[1]] if n % 2 == 0 else [others[0], others[0]]
        answers = race(*(partial(call, f"assign to {v}", c, "POST",
                                 f"/api/v1/requests/{rid}/assign", {"volunteer_id": v})
                         for c, v in zip(coords, targets, strict=True)))
        ledger.check_answers(answers, {200, *CONFLICT_OR_REFUSED}, n)
        winners = {v for a, v in zip(answers, targets, strict=True) if a.status == 200}
        state, offers, n_stops = stored(live.app, rid)
        accepted = [v for v, s in offers if s == "accepted"]
        if winners:
            if state != "accepted" or len(accepted) != 1 or accepted[0] not in winners:
                ledger.fail(n, f"assigned to {sorted(winners)} (200), stored {state} with "
                               f"accepted offers to {accepted}")
            if any(s == "open" for _, s in offers):
                ledger.fail(n, f"an open offer is left after the assignment: {offers}")
        elif accepted:
            ledger.fail(n, f"no assignment answered 200, yet accepted offers to {accepted}")
        ledger.check_rows(n)
        clear_plans(live.app)
    ledger.assert_clean()


def test_accept_against_cancel_ends_in_one_consistent_outcome(live: Live) -> None:
    """12 rounds: the volunteer accepts the offer while the resident (even rounds) or the
    coordinator (odd rounds) cancels the request. Answers are 200 or 409 in the envelope. If
    the cancel was answered 200 the request is cancelled, without stops and without an open
    or accepted offer; otherwise the cancel lost with 409, the accept won with 200 and the
    request is accepted by that volunteer."""
    people = make_people(live.app, volunteers=1, residents=1)
    coord = live.session(people.coordinators[0])
    resident = live.resident_session(coord, people.residents[0])
    vid, vol_email = people.volunteers[0]
    phone = live.session(vol_email)
    rng = random.Random(7)
    ledger = Ledger(live)
    for n in range(12):
        ledger.rounds += 1
        rid = book_offered(resident, n, (n * 5) % 60)
        offer_id, _ = open_offer(live.app, rid)
        canceller = resident if n % 2 == 0 else coord
        jitter = rng.uniform(0, 0.03)
        accept, cancel = race(
            partial(call, "accept", phone, "POST", f"/api/v1/offers/{offer_id}/accept"),
            partial(call, "cancel", canceller, "POST", f"/api/v1/requests/{rid}/cancel"),
            delays=[jitter, 0.0] if n % 4 < 2 else [0.0, jitter])
        ledger.check_answers([accept, cancel], {200, 409}, n)
        state, offers, n_stops = stored(live.app, rid)
        live_offers = [s for _, s in offers if s in ("open", "accepted")]
        if cancel.status == 200:
            if state != "cancelled" or n_stops or live_offers:
                ledger.fail(n, f"cancel answered 200 (accept {accept.status}); stored {state}, "
                               f"{n_stops} stops, offers {offers}")
        elif cancel.status == 409 and (accept.status != 200 or state != "accepted"
                                       or offers != [(vid, "accepted")]):
            ledger.fail(n, f"cancel lost with 409 (accept {accept.status}); stored {state}"
                               f", offers {offers}")
        ledger.check_rows(n)
        clear_plans(live.app)
    ledger.assert_clean()


def test_decline_against_expiry_passes_the_request_on_once(live: Live) -> None:
    """12 rounds: the volunteer declines over HTTP while the background job, in a thread of
    the test process on the same database, sets the offer's expiry just past and expires it.
    Exactly one of them wins: a 200 decline leaves the offer declined and the job expired
    nothing; a 409 decline leaves it expired by the job. Either way the request is passed on
    once: offered to another volunteer (one open offer) or unservable, never to the same one."""
    from dispatch.services.offers import expire_offers

    people = make_people(live.app, volunteers=3, residents=1)
    coord = live.session(people.coordinators[0])
    resident = live.resident_session(coord, people.residents[0])
    phones = {vid: live.session(email) for vid, email in people.volunteers}
    rng = random.Random(11)
    ledger = Ledger(live)

    def expire(offer_id: int) -> int:
        with live.app.app_context():
            db.session.execute(update(Offer).where(Offer.id == offer_id).values(
                expires_at=utcnow() - timedelta(milliseconds=1)))
            db.session.commit()
            n_expired = expire_offers(live.app.config["SETTINGS"])
            db.session.remove()
            return n_expired

    for n in range(12):
        ledger.rounds += 1
        rid = book_offered(resident, n, (n * 5) % 60)
        offer_id, owner = open_offer(live.app, rid)
        jitter = rng.uniform(0, 0.05)
        decline, expired = race(
            partial(call, "decline", phones[owner], "POST", f"/api/v1/offers/{offer_id}/decline"),
            partial(expire, offer_id),
            delays=[jitter, 0.0] if n % 2 else [0.0, jitter])
        if not isinstance(expired, int):
            ledger.fail(n, f"expire_offers {expired}")
        ledger.check_answers([decline], {200, 409}, n)
        state, offers, _ = stored(live.app, rid)
        first = offers[0][1] if offers else None
        if decline.status == 200 and (first != "declined" or expired != 0):
            ledger.fail(n, f"decline won (200) but offer is {first}, job expired {expired}")
        if decline.status == 409 and (first != "expired" or expired != 1):
            ledger.fail(n, f"decline lost (409) but offer is {first}, job expired {expired}")
        later = offers[1:]
        if state == "offered":
            if [s for _, s in later] != ["open"] or later[0][0] == owner:
                ledger.fail(n, f"passed on wrongly: first offer to {owner}, then {later}")
        elif state != "unservable":
            ledger.fail(n, f"request {rid} is {state} after the decline/expiry, offers {offers}")
        ledger.check_rows(n)
        clear_plans(live.app)
    ledger.assert_clean()


def test_edit_against_replan_keeps_the_edit_and_the_plans(live: Live) -> None:
    """8 rounds: a coordinator moves a booked ride by 20 minutes (PATCH) while the background
    re-plan runs in the test process on the same database; the PATCH lands at different moments
    of the re-plan (once mid-solve, then around the end of the solve, when the re-plan checks
    whether the day changed and writes its plans). Answers are 200, 409 or 422 in the
    envelope and the re-plan raises nothing; a 200 edit is stored with its new time, and the
    plans stay sound."""
    from dispatch.jobs.replan import run_pass

    settings = live.app.config["SETTINGS"]
    solve_s = 1.0
    live.app.config["SETTINGS"] = replace(settings, service=replace(settings.service,
                                                                    replan_seconds=solve_s))
    people = make_people(live.app, volunteers=3, residents=6)
    coord = live.session(people.coordinators[0])
    residents = [live.resident_session(coord, r) for r in people.residents]
    ledger = Ledger(live)

    def replan() -> dict[str, int]:
        return run_pass(live.app)

    for n, at in enumerate([0.5, 0.9, 1.0, 1.05, 1.1, 1.15, 1.2, 1.3]):
        ledger.rounds += 1
        rids = [book_offered(residents[k], k, 10 * k) for k in range(6)]
        target = rids[n % len(rids)]
        new_time = tomorrow_at(9) + timedelta(minutes=10 * (n % len(rids)) + 20)
        edit, counts = race(
            partial(call, "edit", coord, "PATCH", f"/api/v1/requests/{target}",
                    {"time": new_time.isoformat(), "time_mode": "pickup_after"}),
            replan,
            delays=[solve_s * at, 0.0])
        if not isinstance(counts, dict):
            ledger.fail(n, f"run_pass {counts}")
        ledger.check_answers([edit], {200, *CONFLICT_OR_REFUSED}, n)
        if edit.status == 200:
            with live.app.app_context():
                req = db.session.get(RideRequest, target)
                got = req.requested_time if req is not None else None
                db.session.remove()
            if got != new_time:
                ledger.fail(n, f"edit answered 200 for {new_time:%H:%M}, stored {got}")
        ledger.check_rows(n)
        clear_plans(live.app)
    ledger.assert_clean()
