"""One-click links for residents and caregivers, and the printable day sheet for drivers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from apiflask import APIBlueprint
from flask import render_template
from flask import request as http_request

from dispatch.api.common import me
from dispatch.api.common import settings
from dispatch.models import Role
from dispatch.services.access import get_request
from dispatch.services.access import get_trip
from dispatch.services.access import require_role
from dispatch.services.day_sheet import sheet_rows
from dispatch.services.links import make_token
from dispatch.services.links import usable_token
from dispatch.services.links import use_token
from dispatch.services.serialize import request_dict

bp = APIBlueprint("links", __name__, tag="links")


@bp.post("/api/v1/requests/<int:request_id>/links")
def make_links(request_id: int) -> dict[str, Any]:
    """Signed links to confirm, cancel or ask for a call without logging in."""
    person = me()
    # a link may cancel: only the resident and the quarter office make them, never a volunteer
    require_role(person, Role.RESIDENT, Role.COORDINATOR, Role.ADMIN)
    req = get_request(person, request_id)
    base = http_request.host_url.rstrip("/")
    return {a: f"{base}/api/v1/links/{make_token(settings(), req.id, a)}"
            for a in ("confirm", "cancel", "callback")}


@bp.get("/api/v1/links/<token>")
def show_link(token: str) -> dict[str, Any]:
    """What the link would do, and the ride it is about (410 if it no longer works)."""
    req, action = usable_token(settings(), token)
    return {"action": action, "request": request_dict(req)}


@bp.post("/api/v1/links/<token>")
def follow_link(token: str) -> dict[str, Any]:
    """Confirm, cancel or ask for a call; the signed token is the proof, no log-in needed."""
    req = use_token(settings(), token)
    return {"request": request_dict(req)}


@bp.get("/print/trips/<int:trip_id>")
def day_sheet(trip_id: int) -> str:
    """A printable day sheet of a trip: the driver's paper backup, in the reader's language."""
    from dispatch.pwa_views import RTL_LANGUAGES
    from dispatch.pwa_views import choose_language
    from dispatch.pwa_views import translate

    trip = get_trip(me(), trip_id)
    lang = choose_language()

    def t(key: str, **kw: Any) -> str:
        return translate(lang, key, **kw)

    rows = [replace(r, aids=tuple(_aid_name(lang, a) for a in r.aids)) for r in sheet_rows(trip)]
    return render_template(
        "day_sheet.html", lang=lang, dir="rtl" if lang in RTL_LANGUAGES else "ltr", t=t,
        rows=rows, day=trip.service_day, volunteer=trip.volunteer.first_name,
        office=settings().quarter(trip.quarter_slug).office)


def _aid_name(lang: str, aid: str) -> str:
    """A mobility aid in words ("Rollstuhl"), or as stored if the catalogue has no name."""
    from dispatch.pwa_views import catalogue

    return catalogue(lang).get(f"need.{aid}", aid)
