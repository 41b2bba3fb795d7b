"""Data protection: a resident's export, erasure and deactivation."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from dispatch.api.common import me
from dispatch.api.common import settings
from dispatch.services.privacy import deactivate_resident
from dispatch.services.privacy import erase_resident
from dispatch.services.privacy import export_resident
from dispatch.services.serialize import person_dict

bp = APIBlueprint("privacy", __name__, url_prefix="/api/v1", tag="privacy")


@bp.get("/me/export")
def export_me() -> dict[str, Any]:
    """Everything stored about me (residents)."""
    person = me()
    return export_resident(person, person.id)


@bp.get("/residents/<int:person_id>/export")
def export(person_id: int) -> dict[str, Any]:
    """Everything stored about a resident, for the office to hand over."""
    return export_resident(me(), person_id)


@bp.post("/residents/<int:person_id>/deactivate")
def deactivate(person_id: int) -> dict[str, Any]:
    """No more log-ins or bookings; open rides are cancelled; the data stays."""
    return {"person": person_dict(deactivate_resident(me(), person_id, settings()))}


@bp.post("/residents/<int:person_id>/erase")
def erase(person_id: int) -> dict[str, Any]:
    """Anonymise the resident; monitoring counts stay."""
    return {"person": person_dict(erase_resident(me(), person_id, settings()))}
