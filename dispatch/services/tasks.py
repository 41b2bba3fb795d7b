"""The office's to-do list on the board: call-backs residents asked for, failed notices."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select

from dispatch.domain.kinds import DeliveryState
from dispatch.domain.kinds import NoticeState
from dispatch.errors import NotAllowed
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.models import BoardTask
from dispatch.models import Delivery
from dispatch.models import Notice
from dispatch.models import Person
from dispatch.models._types import utcnow
from dispatch.services.access import is_staff
from dispatch.services.access import may_see_quarter
from dispatch.services.audit import audit
from dispatch.services.notify import board_changed

#: Failed notices stay on the board this long.
SHOWN = timedelta(days=7)


def open_tasks(quarter: str) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(BoardTask).where(
        BoardTask.quarter_slug == quarter, BoardTask.done_at.is_(None))
        .order_by(BoardTask.created_at)).all()
    return [{"id": t.id, "kind": t.kind, "request_id": t.request_id,
             "created_at": t.created_at.isoformat() + "Z",
             "person": {"id": t.person.id, "display_name": t.person.display_name,
                        "phone": t.person.phone} if t.person else None} for t in rows]


def failed_notices(quarter: str) -> list[dict[str, Any]]:
    """Notices no channel could deliver: whom, what, which ways were tried and why not."""
    rows = db.session.scalars(select(Notice).where(
        Notice.quarter_slug == quarter, Notice.state == NoticeState.FAILED.value,
        Notice.created_at > utcnow() - SHOWN).order_by(Notice.id.desc()).limit(50)).all()
    return [{"id": n.id, "kind": n.kind, "request_id": n.request_id,
             "to_caregiver": n.to_caregiver,
             "person": {"id": n.person.id, "display_name": n.person.display_name,
                        "phone": n.person.phone},
             "tried": [{"channel": d.channel, "attempts": d.attempts, "error": d.last_error}
                       for d in n.deliveries],
             "detail": n.detail, "at": (n.done_at or n.created_at).isoformat() + "Z"}
            for n in rows]


def _staff_row(actor: Person, quarter: str | None) -> None:
    if not is_staff(actor):
        raise NotAllowed("Das kann nur das Quartiersbüro.")
    if not may_see_quarter(actor, quarter or ""):
        raise NotFound("Diesen Eintrag gibt es in Ihrem Quartier nicht.")


def task_done(actor: Person, task_id: int) -> BoardTask:
    """The office has called back; commits."""
    task = db.session.get(BoardTask, task_id)
    if task is None:
        raise NotFound("Diesen Eintrag gibt es nicht.")
    _staff_row(actor, task.quarter_slug)
    if task.done_at is None:
        task.done_at, task.done_by_id = utcnow(), actor.id
        audit(actor, "task.done", "board_task", task.id, kind=task.kind)
        board_changed(task.quarter_slug)
    db.session.commit()
    return task


def retry_notice(actor: Person, notice_id: int) -> Notice:
    """Send a failed notice again (after the office fixed a number or an address); commits."""
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        raise NotFound("Diese Nachricht gibt es nicht.")
    _staff_row(actor, notice.quarter_slug)
    if notice.state == NoticeState.FAILED.value:
        # made anew, with the addresses as they are now
        db.session.execute(delete(Delivery).where(
            Delivery.notice_id == notice.id, Delivery.state == DeliveryState.FAILED.value))
        notice.state, notice.not_before, notice.done_at = NoticeState.PENDING.value, utcnow(), None
        audit(actor, "notice.retry", "notice", notice.id)
        if notice.quarter_slug:
            board_changed(notice.quarter_slug)
    db.session.commit()
    return notice
