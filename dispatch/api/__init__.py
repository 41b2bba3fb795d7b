"""HTTP API under ``/api/v1``: thin blueprints that parse, call a service and serialize."""

from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    """Register the error handlers and every API blueprint."""
    from dispatch.api.errors import register_error_handlers
    from dispatch.api.health import bp as health_bp

    register_error_handlers(app)
    app.register_blueprint(health_bp)
