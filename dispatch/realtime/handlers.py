"""Socket.IO connect/disconnect: authenticate by the session cookie, join rooms, send a snapshot."""

from __future__ import annotations

from typing import Any

from flask import request
from flask import session
from flask_login import current_user
from flask_socketio import emit
from flask_socketio import join_room

from dispatch.extensions import socketio
from dispatch.models import Role
from dispatch.ops.metrics import SOCKETS
from dispatch.realtime.rooms import quarter_room
from dispatch.realtime.rooms import role_room
from dispatch.realtime.rooms import staff_room
from dispatch.realtime.rooms import user_room
from dispatch.services import presence
from dispatch.services.snapshot import snapshot_for


def register_handlers() -> None:
    """Attach the handlers to the Socket.IO server that ``init_app`` just made for this app."""

    @socketio.on("connect")
    def _connect(_auth: Any = None) -> bool:
        if not current_user.is_authenticated:
            return False  # refused: the client must log in first
        person = current_user._get_current_object()
        join_room(user_room(person.id))
        join_room(role_room(person.role))
        if person.quarter_slug:
            join_room(quarter_room(person.quarter_slug))
        if person.role in (Role.COORDINATOR, Role.ADMIN):
            from flask import current_app

            slugs = [q.slug for q in current_app.config["SETTINGS"].quarters] \
                if person.role == Role.ADMIN else [person.quarter_slug]
            for slug in slugs:
                join_room(staff_room(slug))
        emit("snapshot", snapshot_for(person))
        session["socket_role"] = str(person.role)
        SOCKETS.labels(str(person.role)).inc()
        presence.connected(person.id, request.sid)  # type: ignore[attr-defined]
        return True

    @socketio.on("disconnect")
    def _disconnect(_reason: Any = None) -> None:
        presence.disconnected(request.sid)  # type: ignore[attr-defined]
        role = session.pop("socket_role", None)
        if role is not None:
            SOCKETS.labels(role).dec()

    @socketio.on("snapshot")
    def _snapshot() -> dict[str, Any]:
        """A client may ask again at any time (for example after waking up)."""
        return snapshot_for(current_user._get_current_object())
