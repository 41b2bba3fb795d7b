"""Who has the app open: one row per live Socket.IO connection, in any process."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import OpenSocket
from dispatch.models._types import utcnow

log = logging.getLogger(__name__)
#: a row older than this is a leftover of a process that died (a phone app reconnects sooner)
STALE = timedelta(hours=12)


def connected(person_id: int, sid: str) -> None:
    """Note a new socket of the person (best effort: a busy database must not refuse it)."""
    try:
        db.session.merge(OpenSocket(sid=sid[:64], person_id=person_id, connected_at=utcnow()))
        db.session.commit()
    except Exception:  # noqa: BLE001 - presence only decides whether to send an SMS too
        db.session.rollback()
        log.warning("could not note the socket of person %s", person_id, exc_info=True)


def disconnected(sid: str) -> None:
    """The socket has closed."""
    try:
        db.session.execute(delete(OpenSocket).where(OpenSocket.sid == sid[:64]))
        db.session.commit()
    except Exception:  # noqa: BLE001
        db.session.rollback()
        log.warning("could not forget socket %s", sid, exc_info=True)


def is_online(person_id: int) -> bool:
    """Whether the person has an open socket now (so a live push reaches them)."""
    return db.session.scalar(select(OpenSocket.sid).where(
        OpenSocket.person_id == person_id,
        OpenSocket.connected_at > utcnow() - STALE).limit(1)) is not None
