"""One-click links for residents and caregivers, and the printable day sheet for drivers."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import request as http_request
from markupsafe import escape

from dispatch.api.common import me
from dispatch.api.common import settings
from dispatch.models import Role
from dispatch.services.access import get_request
from dispatch.services.access import get_trip
from dispatch.services.access import require_role
from dispatch.services.links import make_token
from dispatch.services.links import read_token
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
    """What the link would do, and the ride it is about."""
    req, action = read_token(settings(), token)
    return {"action": action, "request": request_dict(req)}


@bp.post("/api/v1/links/<token>")
def follow_link(token: str) -> dict[str, Any]:
    """Confirm, cancel or ask for a call; the signed token is the proof, no log-in needed."""
    req = use_token(settings(), token)
    return {"request": request_dict(req)}


@bp.get("/print/trips/<int:trip_id>")
def day_sheet(trip_id: int) -> tuple[str, int, dict[str, str]]:
    """A printable day sheet of a trip: the driver's paper backup."""
    trip = get_trip(me(), trip_id)
    rows = []
    for s in trip.stops:
        needs = s.request.resident.resident
        aids = ", ".join(needs.mobility_aids) if needs else ""
        what = "Abholen" if s.kind == "pickup" else "Absetzen"
        rows.append(
            f"<tr><td>{s.planned_arrival:%H:%M}</td><td>{what}</td>"
            f"<td>{escape(s.request.resident.display_name)}</td><td>{escape(s.address)}</td>"
            f"<td>{escape(aids)}</td><td>{escape(s.request.notes)}</td><td>☐</td></tr>")
    office = settings().quarter(trip.quarter_slug).office
    html = (
        "<!doctype html><html lang='de'><head><meta charset='utf-8'>"
        f"<title>Tagesplan {escape(trip.volunteer.first_name)}</title><style>"
        "body{font:18px/1.4 system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;"
        "width:100%}td,th{border:1px solid #000;padding:.4rem;text-align:left}</style></head>"
        f"<body><h1>Tagesplan {trip.service_day:%d.%m.%Y} – {escape(trip.volunteer.first_name)}"
        f"</h1><p>Quartiersbüro: {escape(office.name)}, Tel. {escape(office.phone)}</p>"
        "<table><thead><tr><th>Zeit</th><th>Was</th><th>Person</th><th>Adresse</th>"
        "<th>Hilfsmittel</th><th>Notiz</th><th>Erledigt</th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table></body></html>")
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}
