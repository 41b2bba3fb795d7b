"""Coordinators: the live board and residents' accounts."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import request as http_request

from dispatch.api.common import me
from dispatch.api.common import settings
from dispatch.api.schemas import QuarterQuery
from dispatch.api.schemas import ResidentIn
from dispatch.api.schemas import ResidentQuery
from dispatch.api.schemas import VolunteerIn
from dispatch.errors import NotAllowed
from dispatch.errors import NotFound
from dispatch.models import Role
from dispatch.services.access import may_see_quarter
from dispatch.services.access import require_role
from dispatch.services.accounts import create_resident
from dispatch.services.accounts import create_volunteer
from dispatch.services.accounts import new_login_code
from dispatch.services.board import board
from dispatch.services.clock import local_now
from dispatch.services.people import find_residents
from dispatch.services.serialize import person_dict

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
    return {"residents": [person_dict(p) for p in find_residents(me(), text)]}


@bp.post("/residents")
@bp.input(ResidentIn, arg_name="data")
def add_resident(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    quarters = [q.slug for q in settings().quarters]
    return {"person": person_dict(create_resident(me(), data, quarters))}, 201


@bp.post("/volunteers")
@bp.input(VolunteerIn, arg_name="data")
def add_volunteer(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The quarter office records a new volunteer (with vetting date and vehicle)."""
    return {"person": person_dict(create_volunteer(me(), data, settings()))}, 201


@bp.post("/residents/<int:person_id>/login-code")
def login_code(person_id: int) -> dict[str, Any]:
    """A one-time code (and link) for a resident; shown once, valid 14 days."""
    code = new_login_code(me(), person_id)
    return {"code": code, "url": f"{http_request.host_url}login?code={code}"}
