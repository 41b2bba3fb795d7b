"""Shared steps of the notice tests: contacts for the people of the test quarter, a booked and
accepted ride, the outbox as rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Notice
from dispatch.models import Offer
from dispatch.models import Person
from tests.quarter import Api
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at

ERNA = {"email": "erna@example.org", "phone": "+4923155501"}
AYSE = {"email": "ayse@example.org", "phone": "+4923155502"}


def set_person(app: Any, person_id: int, **values: Any) -> None:
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person is not None
        for key, value in values.items():
            target = person.volunteer if key.startswith("car_") else person
            setattr(target, key, value)
        db.session.commit()


def contacts(q: Quarter, *, channels: tuple[list[str], list[str]] = (["email"], ["sms"])) -> None:
    """Resident 0 (German, e-mail) and resident 1 (Turkish, SMS); volunteers with phones and
    cars; the coordinator with an e-mail address already."""
    set_person(q.app, q.residents[0].id, first_name="Erna", notify_channels=channels[0], **ERNA)
    set_person(q.app, q.residents[1].id, first_name="Ayşe", ui_language="tr",
               notify_channels=channels[1], **AYSE)
    for n, v in enumerate(q.volunteers):
        set_person(q.app, v.id, first_name=("Anna", "Mehmet")[n], phone=f"+491700000{n}",
                   car_make="VW Golf", car_colour="blau", car_plate=f"DO-AB {n}23")


_logged_in: dict[tuple[str, int], Api] = {}
_of: list[Quarter] = []


def _api(q: Quarter, kind: str, index: int) -> Api:
    """One log-in per person and test (a log-in hashes a password: it costs CPU)."""
    if not _of or _of[0] is not q:  # a new test: forget the clients of the last one
        _of[:] = [q]
        _logged_in.clear()
    key = (kind, index)
    if key not in _logged_in:
        _logged_in[key] = q.resident(index) if kind == "resident" else \
            q.staff(q.volunteers[index])
    return _logged_in[key]


def book(q: Quarter, resident: int, when: datetime | None = None, **extra: Any) -> int:
    res = _api(q, "resident", resident).post("/api/v1/requests",
                                              ride(when or tomorrow_at(9), **extra))
    assert res.status_code == 201, res.get_json()
    return int(res.get_json()["request"]["id"])


def accept(q: Quarter, request_id: int) -> Person:
    """The volunteer it is offered to accepts; returns that volunteer."""
    with q.app.app_context():
        offer = db.session.scalars(select(Offer).where(Offer.request_id == request_id,
                                                       Offer.state == "open")).one()
        offer_id, vid = offer.id, offer.volunteer_id
    index = next(i for i, v in enumerate(q.volunteers) if v.id == vid)
    vol = q.volunteers[index]
    res = _api(q, "volunteer", index).post(f"/api/v1/offers/{offer_id}/accept")
    assert res.status_code == 200, res.get_json()
    return vol


def notices(app: Any, **where: Any) -> list[dict[str, Any]]:
    with app.app_context():
        stmt = select(Notice).filter_by(**where).order_by(Notice.id)
        return [{"id": n.id, "kind": n.kind, "person_id": n.person_id, "state": n.state,
                 "to_caregiver": n.to_caregiver, "params": dict(n.params),
                 "detail": n.detail, "channels": [(d.channel, d.state, d.attempts)
                                                  for d in n.deliveries]}
                for n in db.session.scalars(stmt)]
