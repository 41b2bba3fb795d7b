"""Coordinators: the live board and residents' accounts."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import request as http_request

from dispatch.api.common import me
from dispatch.api.common import settings
from dispatch.api.schemas import NotifyPrefsIn
from dispatch.api.schemas import QuarterQuery
from dispatch.api.schemas import ResidentEditIn
from dispatch.api.schemas import ResidentIn
from dispatch.api.schemas import ResidentQuery
from dispatch.api.schemas import VolunteerIn
from dispatch.api.schemas import prefs_of
from dispatch.errors import NotAllowed
from dispatch.errors import NotFound
from dispatch.models import Role
from dispatch.services.access import may_see_quarter
from dispatch.services.access import require_role
from dispatch.services.accounts import create_resident
from dispatch.services.accounts import create_volunteer
from dispatch.services.accounts import edit_resident
from dispatch.services.accounts import new_login_code
from dispatch.services.board import board
from dispatch.services.clock import local_now
from dispatch.services.commands import EditResident
from dispatch.services.people import find_residents
from dispatch.services.preferences import prefs_dict
from dispatch.services.preferences import resident_for
from dispatch.services.preferences import set_prefs
from dispatch.services.serialize import person_dict
from dispatch.services.serialize import register_dict
from dispatch.services.tasks import retry_notice
from dispatch.services.tasks import task_done

bp = APIBlueprint("board", __name__, url_prefix="/api/v1", tag="coordinators")


@bp.get("/board")
@bp.input(QuarterQuery, location="query", arg_name="query")
def get_board(query: dict[str, Any]) -> dict[str, Any]:
    """Volunteers, trips and requests without a volunteer (with reasons) of one quarter."""
    person = me()
    require_role(person, Role.COORDINATOR, Role.ADMIN)
    quarter = query.get("quarter") or person.quarter_slug
    if not quarter or not may_see_quarter(person, quarter):
        raise NotAllowed("Dieses Quartier gehört nicht zu Ihrem Bereich.")
    if quarter not in {q.slug for q in settings().quarters}:  # admins may name any
        raise NotFound("Dieses Quartier gibt es nicht.")
    return board(quarter, local_now())


@bp.get("/residents")
@bp.input(ResidentQuery, location="query", arg_name="query")
def list_residents(query: dict[str, Any]) -> dict[str, Any]:
    """Residents of the coordinator's quarter, filtered by name (for phone bookings)."""
    text = query["q"].strip()
    return {"residents": [register_dict(p) for p in find_residents(me(), text)]}


@bp.post("/residents")
@bp.input(ResidentIn, arg_name="data")
def add_resident(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    quarters = [q.slug for q in settings().quarters]
    return {"person": register_dict(create_resident(me(), data, quarters))}, 201


@bp.patch("/residents/<int:person_id>")
@bp.input(ResidentEditIn, arg_name="data")
def change_resident(person_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The quarter office corrects a resident's profile (name, phone, home, needs)."""
    return {"person": register_dict(edit_resident(me(), person_id, EditResident.of(data)))}


@bp.post("/volunteers")
@bp.input(VolunteerIn, arg_name="data")
def add_volunteer(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The quarter office records a new volunteer (with vetting date and vehicle)."""
    return {"person": person_dict(create_volunteer(me(), data, settings()))}, 201


@bp.get("/residents/<int:person_id>/notifications")
def resident_notifications(person_id: int) -> dict[str, Any]:
    """A resident's channels, quiet hours and caregiver copies (the office on the phone)."""
    return {"notifications": prefs_dict(resident_for(me(), person_id))}


@bp.put("/residents/<int:person_id>/notifications")
@bp.input(NotifyPrefsIn, arg_name="data")
def set_resident_notifications(person_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The office records a resident's wishes; her consent to caregiver copies is recorded
    with the time and the coordinator who took it."""
    actor = me()
    person = resident_for(actor, person_id)
    return {"notifications": prefs_dict(set_prefs(actor, person, prefs_of(data)))}


@bp.post("/tasks/<int:task_id>/done")
def finish_task(task_id: int) -> dict[str, Any]:
    """The office has called the resident back."""
    task = task_done(me(), task_id)
    return {"task": {"id": task.id, "done": task.done_at is not None}}


@bp.post("/notices/<int:notice_id>/retry")
def retry_failed_notice(notice_id: int) -> dict[str, Any]:
    """Send a notice that failed on every channel again (after fixing a number)."""
    notice = retry_notice(me(), notice_id)
    return {"notice": {"id": notice.id, "state": notice.state}}


@bp.post("/residents/<int:person_id>/login-code")
def login_code(person_id: int) -> dict[str, Any]:
    """A one-time code (and link) for a resident; shown once, valid 14 days."""
    code = new_login_code(me(), person_id)
    return {"code": code, "url": f"{http_request.host_url}login?code={code}"}
