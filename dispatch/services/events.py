"""A tiny publish/subscribe: services record events in the unit of work; they go out after commit.

Services never import Socket.IO; :mod:`dispatch.realtime.push` subscribes at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Event:
    """Something that happened, for the given rooms (``user:1``, ``quarter:eving``, ...)."""

    name: str
    payload: dict[str, Any]
    rooms: tuple[str, ...] = field(default_factory=tuple)


Subscriber = Callable[[Event], None]
_subscribers: list[Subscriber] = []
_PENDING = "dispatch_pending_events"


def subscribe(fn: Subscriber) -> None:
    """Call ``fn`` for every event that is published (after its transaction commits)."""
    if fn not in _subscribers:
        _subscribers.append(fn)


def unsubscribe(fn: Subscriber) -> None:
    """Stop calling ``fn``."""
    if fn in _subscribers:
        _subscribers.remove(fn)


def publish(session: Session | Any, name: str, payload: dict[str, Any], *rooms: str) -> None:
    """Queue an event; it is delivered only if the session's transaction commits."""
    session.info.setdefault(_PENDING, []).append(Event(name, payload, tuple(rooms)))


def deliver_now(event: Event) -> None:
    """Hand an event to every subscriber (subscriber errors are logged, never raised)."""
    import logging

    for fn in list(_subscribers):
        try:
            fn(event)
        except Exception:  # noqa: BLE001 - a broken push must not undo a committed change
            logging.getLogger(__name__).exception("event subscriber failed for %s", event.name)


def _clear(session: Session) -> list[Event]:
    for key in [k for k in session.info if k.startswith("dispatch_") and k != _PENDING]:
        del session.info[key]
    return list(session.info.pop(_PENDING, []))


def _after_commit(session: Session) -> None:
    for ev in _clear(session):
        deliver_now(ev)


def _after_rollback(session: Session) -> None:
    _clear(session)


def install(session_class: type[Session] | Any) -> None:
    """Hook commit/rollback of a session class (called once from ``create_app``)."""
    if not sa_event.contains(session_class, "after_commit", _after_commit):
        sa_event.listen(session_class, "after_commit", _after_commit)
        sa_event.listen(session_class, "after_rollback", _after_rollback)
