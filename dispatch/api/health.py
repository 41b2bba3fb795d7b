"""``/healthz`` (alive), ``/readyz`` (ready to serve) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

import hmac
from typing import Any

from apiflask import APIBlueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import request
from sqlalchemy import text

from dispatch.extensions import db
from dispatch.services.network import graph_status

bp = APIBlueprint("health", __name__)
LOOPBACK = ("127.0.0.1", "::1")
FORWARDED = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def _database() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True, "dialect": db.engine.dialect.name}
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}


def _redis(url: str | None) -> dict[str, Any]:
    if not url:
        return {"ok": True, "configured": False}
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return {"ok": True, "configured": True}
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "configured": True, "error": type(exc).__name__}


@bp.get("/healthz")
@bp.doc(summary="Health of the service", tags=["health"])
def healthz() -> tuple[dict[str, Any], int]:
    """Report whether the database answers and the street graph is available."""
    database = _database()
    graph = graph_status(current_app.config["SETTINGS"])
    ok = database["ok"]
    return {"status": "ok" if ok else "degraded", "database": database, "street_graph": graph}, \
        200 if ok else 503


@bp.get("/readyz")
@bp.doc(summary="Ready to serve: database, Redis (when configured), street graph loaded",
        tags=["health"])
def readyz() -> tuple[dict[str, Any], int]:
    """200 when this process can serve bookings; 503 with the reasons when it cannot."""
    settings = current_app.config["SETTINGS"]
    database = _database()
    queue = _redis(settings.redis_url)
    graph = graph_status(settings)
    reasons = []
    if not database["ok"]:
        reasons.append(f"database: {database['error']}")
    if not queue["ok"]:
        reasons.append(f"redis: {queue['error']}")
    if graph["state"] != "loaded":
        reasons.append(f"street graph: {graph['state']}")
    body = {"status": "ready" if not reasons else "not_ready", "reasons": reasons,
            "database": database, "redis": queue, "street_graph": {"state": graph["state"]}}
    return body, 200 if not reasons else 503


def _may_read_metrics() -> bool:
    """A bearer token equal to ``DISPATCH_METRICS_TOKEN``, or a direct request from loopback
    (not passed on by a proxy: nginx adds ``X-Forwarded-For`` and refuses ``/metrics``)."""
    token = current_app.config["SETTINGS"].metrics_token
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    direct = not any(h in request.headers for h in FORWARDED)
    return direct and request.remote_addr in LOOPBACK


@bp.get("/metrics")
@bp.doc(summary="Prometheus metrics (loopback or bearer token only)", tags=["health"])
def metrics() -> Response:
    """The Prometheus exposition of every process of this host (multiprocess mode)."""
    if not _may_read_metrics():
        abort(404)
    from dispatch.ops.metrics import render

    body, content_type = render()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
