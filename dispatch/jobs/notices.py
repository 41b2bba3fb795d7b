"""The job that empties the outbox: day-before reminders, then everything that is due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask

from dispatch.domain.kinds import Channel
from dispatch.extensions import db
from dispatch.extensions import socketio
from dispatch.models._types import utcnow
from dispatch.notifications.channels import Sender
from dispatch.notifications.channels import configured
from dispatch.notifications.sender import Context
from dispatch.notifications.sender import send_due
from dispatch.services import presence
from dispatch.services.clock import local_now
from dispatch.services.outbox import queue_reminders


def _emit(event: str, payload: dict[str, Any], room: str) -> None:
    socketio.emit(event, payload, to=room)


def run_notices(app: Flask, *, now: datetime | None = None,
                senders: dict[Channel, Sender] | None = None) -> dict[str, int]:
    """Queue tomorrow's reminders (from ``reminder_hour`` on), then send what is due.

    ``now`` (naive UTC) lets a test move the clock past a back-off instead of sleeping.
    """
    settings = app.config["SETTINGS"]
    with app.app_context():
        local = local_now()
        reminders = 0
        if local.hour >= settings.notify.reminder_hour:
            reminders = queue_reminders(local)
        ctx = Context(settings=settings,
                      senders=senders if senders is not None else configured(settings.notify,
                                                                             _emit),
                      online=presence.is_online, now=now or utcnow())
        report = send_due(db.session, ctx)
        db.session.remove()
    return {"reminders": reminders, **report.as_dict()}
