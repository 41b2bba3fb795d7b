"""Log-in and the person's own settings."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import request
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from flask_wtf.csrf import generate_csrf

from dispatch.api.common import me
from dispatch.api.login_limits import PER_ACCOUNT
from dispatch.api.login_limits import PER_ADDRESS
from dispatch.api.login_limits import TOO_MANY
from dispatch.api.login_limits import account_key
from dispatch.api.login_limits import failed
from dispatch.api.schemas import AvailabilityIn
from dispatch.api.schemas import CodeIn
from dispatch.api.schemas import LoginIn
from dispatch.api.schemas import MePatchIn
from dispatch.api.schemas import NotifyPrefsIn
from dispatch.api.schemas import OfferFiltersIn
from dispatch.api.schemas import ShiftIn
from dispatch.api.schemas import prefs_of
from dispatch.extensions import limiter
from dispatch.services.accounts import login_with_code
from dispatch.services.accounts import login_with_password
from dispatch.services.accounts import logout as end_sessions
from dispatch.services.people import add_shift
from dispatch.services.people import delete_shift
from dispatch.services.people import set_availability
from dispatch.services.people import set_car
from dispatch.services.people import set_language
from dispatch.services.people import set_offer_filters
from dispatch.services.people import shift_dict
from dispatch.services.people import shifts_of
from dispatch.services.preferences import prefs_dict
from dispatch.services.preferences import set_prefs
from dispatch.services.serialize import person_dict

bp = APIBlueprint("auth", __name__, url_prefix="/api/v1", tag="auth")


@bp.get("/auth/csrf")
def csrf() -> dict[str, Any]:
    """A CSRF token for the ``X-CSRFToken`` header of unsafe requests."""
    return {"csrf_token": generate_csrf()}


@bp.post("/auth/login")
@limiter.limit(PER_ACCOUNT, key_func=account_key, deduct_when=failed, error_message=TOO_MANY)
@limiter.limit(PER_ADDRESS, deduct_when=failed, error_message=TOO_MANY)
@bp.input(LoginIn, arg_name="data")
def login(data: dict[str, Any]) -> dict[str, Any]:
    """Volunteers, coordinators and admins log in with e-mail and password."""
    person = login_with_password(data["email"], data["password"], address=request.remote_addr)
    login_user(person, remember=True)
    return {"person": person_dict(person), "csrf_token": generate_csrf()}


@bp.post("/auth/code")
@limiter.limit(PER_ADDRESS, deduct_when=failed, error_message=TOO_MANY)
@bp.input(CodeIn, arg_name="data")
def login_code(data: dict[str, Any]) -> dict[str, Any]:
    """Residents log in with the one-time code the quarter office gave them."""
    person = login_with_code(data["code"], address=request.remote_addr)
    login_user(person, remember=True)
    return {"person": person_dict(person), "csrf_token": generate_csrf()}


@bp.post("/auth/logout")
def logout() -> dict[str, Any]:
    """Log out everywhere: cookies copied before stop working."""
    if current_user.is_authenticated:
        end_sessions(me())
    logout_user()
    return {}


@bp.get("/me")
def get_me() -> dict[str, Any]:
    return {"person": person_dict(me())}


@bp.patch("/me")
@bp.input(MePatchIn, arg_name="data")
def patch_me(data: dict[str, Any]) -> dict[str, Any]:
    """Store the person's language (and a volunteer's car)."""
    person = me()
    if "ui_language" in data:
        set_language(person, data["ui_language"])
    if {"car_make", "car_colour", "car_plate"} & data.keys():
        prof = person.volunteer
        set_car(person, data.get("car_make", prof.car_make if prof else None),
                data.get("car_colour", prof.car_colour if prof else None),
                data.get("car_plate", prof.car_plate if prof else None))
    return {"person": person_dict(person)}


@bp.get("/me/notifications")
def my_notifications() -> dict[str, Any]:
    """How the person hears from us outside the app."""
    return {"notifications": prefs_dict(me())}


@bp.put("/me/notifications")
@bp.input(NotifyPrefsIn, arg_name="data")
def set_my_notifications(data: dict[str, Any]) -> dict[str, Any]:
    """Channels in order, quiet hours; a resident also her caregiver's copies (consent)."""
    person = me()
    return {"notifications": prefs_dict(set_prefs(person, person, prefs_of(data)))}


@bp.put("/me/availability")
@bp.input(AvailabilityIn, arg_name="data")
def availability(data: dict[str, Any]) -> dict[str, Any]:
    """A volunteer switches availability on or off."""
    return {"person": person_dict(set_availability(me(), data["available"]))}


@bp.put("/me/offer-filters")
@bp.input(OfferFiltersIn, arg_name="data")
def offer_filters(data: dict[str, Any]) -> dict[str, Any]:
    """A volunteer chooses which offers to get: weekdays, kinds of help, distance from home."""
    person = set_offer_filters(me(), data["days"], data["kinds"], data["max_km"])
    return {"person": person_dict(person)}


@bp.get("/me/shifts")
def list_shifts() -> dict[str, Any]:
    return {"shifts": [shift_dict(s) for s in shifts_of(me())]}


@bp.post("/me/shifts")
@bp.input(ShiftIn, arg_name="data")
def new_shift(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """A volunteer adds a time they are available."""
    return {"shift": shift_dict(add_shift(me(), data["starts_at"], data["ends_at"]))}, 201


@bp.delete("/me/shifts/<int:shift_id>")
def remove_shift(shift_id: int) -> dict[str, Any]:
    """A volunteer takes back a time on duty (refused while rides are planned in it)."""
    delete_shift(me(), shift_id)
    return {}
