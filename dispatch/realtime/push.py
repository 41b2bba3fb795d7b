"""Forward committed service events to Socket.IO rooms (through Redis when configured)."""

from __future__ import annotations

from flask_socketio import SocketIO

from dispatch.extensions import socketio
from dispatch.services import events

#: Who emits: the app's own server, or a write-only emitter on the message queue (worker).
_emitter: list[SocketIO] = [socketio]


def _emit(event: events.Event) -> None:
    for room in event.rooms:
        _emitter[0].emit(event.name, event.payload, to=room)


def install_push() -> None:
    """Subscribe the Socket.IO emitter to service events (idempotent)."""
    events.subscribe(_emit)


def use_message_queue(url: str, channel: str = "flask-socketio") -> None:
    """Emit through ``SocketIO(message_queue=url)`` only (a process without clients: the job
    worker); every web process on the queue delivers to its own sockets."""
    _emitter[0] = SocketIO(message_queue=url, channel=channel)
