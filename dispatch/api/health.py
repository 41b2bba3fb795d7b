"""``GET /healthz``: database and street-graph status."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy import text

from dispatch.extensions import db
from dispatch.services.network import graph_status

bp = APIBlueprint("health", __name__)


@bp.get("/healthz")
@bp.doc(summary="Health of the service", tags=["health"])
def healthz() -> tuple[dict[str, Any], int]:
    """Report whether the database answers and the street graph is available."""
    try:
        db.session.execute(text("SELECT 1"))
        database: dict[str, Any] = {"ok": True, "dialect": db.engine.dialect.name}
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        db.session.rollback()
        database = {"ok": False, "error": type(exc).__name__}
    graph = graph_status(current_app.config["SETTINGS"])
    ok = database["ok"]
    return {"status": "ok" if ok else "degraded", "database": database, "street_graph": graph}, \
        200 if ok else 503
