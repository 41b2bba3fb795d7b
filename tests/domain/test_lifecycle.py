"""The request state machine: allowed moves pass, everything else is refused."""

from __future__ import annotations

import pytest

from dispatch.domain.lifecycle import ALLOWED
from dispatch.domain.lifecycle import TERMINAL
from dispatch.domain.lifecycle import RequestState
from dispatch.domain.lifecycle import transition
from dispatch.errors import InvalidTransition

ALLOWED_PAIRS = [(a, b) for a, targets in ALLOWED.items() for b in sorted(targets)]
REFUSED_PAIRS = [(a, b) for a in RequestState for b in RequestState if b not in ALLOWED[a]]


def test_happy_path_is_allowed() -> None:
    path = ["requested", "planned", "offered", "accepted", "en_route", "picked_up",
            "dropped_off", "completed"]
    state = RequestState(path[0])
    for nxt in path[1:]:
        state = transition(state, nxt)
    assert state is RequestState.COMPLETED


@pytest.mark.parametrize(("current", "target"), ALLOWED_PAIRS)
def test_allowed(current: RequestState, target: RequestState) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), REFUSED_PAIRS)
def test_refused(current: RequestState, target: RequestState) -> None:
    with pytest.raises(InvalidTransition) as err:
        transition(current, target)
    assert err.value.details == {"current": current.value, "target": target.value}
    assert "kann nicht" in err.value.message


def test_terminal_states_lead_nowhere() -> None:
    assert {RequestState.COMPLETED, RequestState.CANCELLED, RequestState.NO_SHOW} == TERMINAL


def test_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError, match="flying"):
        transition("requested", "flying")
