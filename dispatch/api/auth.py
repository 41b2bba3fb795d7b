"""Log-in and the person's own settings."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask_login import login_user
from flask_login import logout_user
from flask_wtf.csrf import generate_csrf

from dispatch.api.common import me
from dispatch.api.schemas import AvailabilityIn
from dispatch.api.schemas import CodeIn
from dispatch.api.schemas import LoginIn
from dispatch.api.schemas import MePatchIn
from dispatch.api.schemas import OfferFiltersIn
from dispatch.api.schemas import ShiftIn
from dispatch.extensions import db
from dispatch.models import Role
from dispatch.models import Shift
from dispatch.services.access import require_role
from dispatch.services.accounts import login_with_code
from dispatch.services.accounts import login_with_password
from dispatch.services.audit import audit
from dispatch.services.notify import board_changed
from dispatch.services.serialize import iso
from dispatch.services.serialize import person_dict

bp = APIBlueprint("auth", __name__, url_prefix="/api/v1", tag="auth")


@bp.get("/auth/csrf")
def csrf() -> dict[str, Any]:
    """A CSRF token for the ``X-CSRFToken`` header of unsafe requests."""
    return {"csrf_token": generate_csrf()}


@bp.post("/auth/login")
@bp.input(LoginIn, arg_name="data")
def login(data: dict[str, Any]) -> dict[str, Any]:
    """Volunteers, coordinators and admins log in with e-mail and password."""
    person = login_with_password(data["email"], data["password"])
    login_user(person, remember=True)
    return {"person": person_dict(person), "csrf_token": generate_csrf()}


@bp.post("/auth/code")
@bp.input(CodeIn, arg_name="data")
def login_code(data: dict[str, Any]) -> dict[str, Any]:
    """Residents log in with the one-time code the quarter office gave them."""
    person = login_with_code(data["code"])
    login_user(person, remember=True)
    return {"person": person_dict(person), "csrf_token": generate_csrf()}


@bp.post("/auth/logout")
def logout() -> dict[str, Any]:
    logout_user()
    return {}


@bp.get("/me")
def get_me() -> dict[str, Any]:
    return {"person": person_dict(me())}


@bp.patch("/me")
@bp.input(MePatchIn, arg_name="data")
def patch_me(data: dict[str, Any]) -> dict[str, Any]:
    """Store the person's language (and later other personal settings)."""
    person = me()
    if "ui_language" in data:
        person.ui_language = data["ui_language"]
        audit(person, "person.language", "person", person.id, ui_language=data["ui_language"])
    db.session.commit()
    return {"person": person_dict(person)}


@bp.put("/me/availability")
@bp.input(AvailabilityIn, arg_name="data")
def availability(data: dict[str, Any]) -> dict[str, Any]:
    """A volunteer switches availability on or off."""
    person = me()
    require_role(person, Role.VOLUNTEER)
    assert person.volunteer is not None
    person.volunteer.available = data["available"]
    audit(person, "volunteer.availability", "person", person.id, available=data["available"])
    if person.quarter_slug:
        board_changed(person.quarter_slug)
    db.session.commit()
    return {"person": person_dict(person)}


@bp.put("/me/offer-filters")
@bp.input(OfferFiltersIn, arg_name="data")
def offer_filters(data: dict[str, Any]) -> dict[str, Any]:
    """A volunteer chooses which offers to get: weekdays and kinds of help (empty: all)."""
    person = me()
    require_role(person, Role.VOLUNTEER)
    assert person.volunteer is not None
    person.volunteer.offer_filters = {"days": sorted(set(data["days"])),
                                      "kinds": sorted(set(data["kinds"])),
                                      "max_km": data["max_km"]}
    audit(person, "volunteer.filters", "person", person.id, **person.volunteer.offer_filters)
    db.session.commit()
    return {"person": person_dict(person)}


@bp.get("/me/shifts")
def list_shifts() -> dict[str, Any]:
    person = me()
    require_role(person, Role.VOLUNTEER)
    assert person.volunteer is not None
    return {"shifts": [{"id": s.id, "starts_at": iso(s.starts_at), "ends_at": iso(s.ends_at)}
                       for s in person.volunteer.shifts]}


@bp.post("/me/shifts")
@bp.input(ShiftIn, arg_name="data")
def add_shift(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """A volunteer adds a time they are available."""
    person = me()
    require_role(person, Role.VOLUNTEER)
    assert person.volunteer is not None
    shift = Shift(starts_at=data["starts_at"].replace(tzinfo=None),
                  ends_at=data["ends_at"].replace(tzinfo=None))
    person.volunteer.shifts.append(shift)
    db.session.flush()
    audit(person, "shift.added", "shift", shift.id)
    db.session.commit()
    return {"shift": {"id": shift.id, "starts_at": iso(shift.starts_at),
                      "ends_at": iso(shift.ends_at)}}, 201
