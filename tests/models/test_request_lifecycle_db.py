"""Lifecycle on real rows, on SQLite and PostgreSQL: allowed moves persist, refused ones don't."""

from __future__ import annotations

import random

import pytest
from flask import Flask

from dispatch.domain.lifecycle import ALLOWED
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import InvalidTransition
from dispatch.extensions import db
from dispatch.models import RideRequest
from tests.factories import make_request
from tests.factories import make_resident

# Shortest path from "requested" to each state, to set rows up through allowed moves only.
PATHS: dict[RequestState, list[RequestState]] = {RequestState.REQUESTED: []}
_frontier = [RequestState.REQUESTED]
while _frontier:
    s = _frontier.pop(0)
    for t in sorted(ALLOWED[s]):
        if t not in PATHS:
            PATHS[t] = [*PATHS[s], t]
            _frontier.append(t)

ALLOWED_PAIRS = [(a, b) for a, targets in ALLOWED.items() for b in sorted(targets)]
REFUSED_SAMPLE = random.Random(7).sample(
    [(a, b) for a in RequestState for b in RequestState if b not in ALLOWED[a]], 15)


def _request_in(state: RequestState) -> int:
    r = make_request(make_resident())
    for step in PATHS[state]:
        r.move_to(step)
    db.session.commit()
    return r.id


def test_every_state_reachable() -> None:
    assert set(PATHS) == set(RequestState)


def test_all_allowed_transitions_persist(app: Flask) -> None:
    with app.app_context():
        for current, target in ALLOWED_PAIRS:
            rid = _request_in(current)
            r = db.session.get(RideRequest, rid)
            assert r is not None
            assert r.state == current.value
            r.move_to(target)
            db.session.commit()
            db.session.expire_all()
            assert db.session.get(RideRequest, rid).state == target.value


@pytest.mark.parametrize(("current", "target"), REFUSED_SAMPLE)
def test_refused_transitions_change_nothing(app: Flask, current: RequestState,
                                            target: RequestState) -> None:
    with app.app_context():
        rid = _request_in(current)
        r = db.session.get(RideRequest, rid)
        with pytest.raises(InvalidTransition):
            r.move_to(target)
        db.session.rollback()
        db.session.expire_all()
        assert db.session.get(RideRequest, rid).state == current.value


def test_unservable_keeps_its_reason(app: Flask) -> None:
    with app.app_context():
        r = make_request(make_resident())
        r.move_to("unservable", reason_code="no_wheelchair_place",
                  reason_text="Kein Rollstuhlplatz frei in diesem Zeitfenster")
        db.session.commit()
        db.session.expire_all()
        got = db.session.get(RideRequest, r.id)
        assert (got.state, got.reason_code) == ("unservable", "no_wheelchair_place")
