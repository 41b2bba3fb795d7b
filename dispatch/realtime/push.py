"""Forward committed service events to Socket.IO rooms (through Redis when configured)."""

from __future__ import annotations

from dispatch.extensions import socketio
from dispatch.services import events


def _emit(event: events.Event) -> None:
    for room in event.rooms:
        socketio.emit(event.name, event.payload, to=room)


def install_push() -> None:
    """Subscribe the Socket.IO emitter to service events (idempotent)."""
    events.subscribe(_emit)
