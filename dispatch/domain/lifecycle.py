"""The ride/escort request lifecycle as an explicit state machine."""

from __future__ import annotations

from enum import StrEnum

from dispatch.errors import InvalidTransition


class RequestState(StrEnum):
    """Where a request stands."""

    REQUESTED = "requested"
    PLANNED = "planned"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    PICKED_UP = "picked_up"
    DROPPED_OFF = "dropped_off"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    UNSERVABLE = "unservable"


S = RequestState

#: Every allowed move. Anything not listed is refused.
ALLOWED: dict[RequestState, frozenset[RequestState]] = {
    S.REQUESTED: frozenset({S.PLANNED, S.UNSERVABLE, S.CANCELLED}),
    # planned -> requested: a re-plan took it out of the plans again.
    S.PLANNED: frozenset({S.OFFERED, S.REQUESTED, S.UNSERVABLE, S.CANCELLED}),
    # offered -> planned: declined or expired, passes to the next volunteer.
    S.OFFERED: frozenset({S.ACCEPTED, S.PLANNED, S.UNSERVABLE, S.CANCELLED}),
    # accepted -> planned: the volunteer handed the trip back.
    S.ACCEPTED: frozenset({S.EN_ROUTE, S.PLANNED, S.CANCELLED}),
    S.EN_ROUTE: frozenset({S.PICKED_UP, S.NO_SHOW, S.CANCELLED}),
    S.PICKED_UP: frozenset({S.DROPPED_OFF}),
    S.DROPPED_OFF: frozenset({S.COMPLETED}),
    # unservable -> requested: a coordinator retries (for example after adding a volunteer).
    S.UNSERVABLE: frozenset({S.REQUESTED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
}

TERMINAL: frozenset[RequestState] = frozenset(s for s, nxt in ALLOWED.items() if not nxt)
#: States in which a request still needs a place in the plans.
OPEN: frozenset[RequestState] = frozenset({S.REQUESTED, S.PLANNED, S.OFFERED})
#: States whose stops are history: served or not met, no longer planned, kept as they were.
SERVED_OR_MISSED: frozenset[RequestState] = frozenset({S.DROPPED_OFF, S.COMPLETED, S.NO_SHOW})
#: States in which a volunteer has committed to the request (locked for re-planning).
COMMITTED: frozenset[RequestState] = frozenset({S.ACCEPTED, S.EN_ROUTE, S.PICKED_UP})

LABELS_DE: dict[RequestState, str] = {
    S.REQUESTED: "angefragt",
    S.PLANNED: "eingeplant",
    S.OFFERED: "angeboten",
    S.ACCEPTED: "zugesagt",
    S.EN_ROUTE: "unterwegs",
    S.PICKED_UP: "abgeholt",
    S.DROPPED_OFF: "abgesetzt",
    S.COMPLETED: "erledigt",
    S.CANCELLED: "storniert",
    S.NO_SHOW: "nicht angetroffen",
    S.UNSERVABLE: "nicht möglich",
}


def can_transition(current: RequestState | str, target: RequestState | str) -> bool:
    """Whether ``current -> target`` is an allowed move."""
    return RequestState(target) in ALLOWED[RequestState(current)]


def transition(current: RequestState | str, target: RequestState | str) -> RequestState:
    """Return ``target`` if the move is allowed, else raise :class:`InvalidTransition`."""
    cur, tgt = RequestState(current), RequestState(target)
    if tgt not in ALLOWED[cur]:
        allowed = ", ".join(sorted(LABELS_DE[s] for s in ALLOWED[cur])) or "keine"
        raise InvalidTransition(
            f"Eine Anfrage im Zustand „{LABELS_DE[cur]}“ kann nicht auf „{LABELS_DE[tgt]}“ "
            f"gesetzt werden (erlaubt: {allowed}).",
            current=cur.value,
            target=tgt.value,
        )
    return tgt
