"""HTTP API under ``/api/v1``: thin blueprints that parse, call a service and serialize."""

from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    """Register the error handlers and every API blueprint."""
    from dispatch.api.auth import bp as auth_bp
    from dispatch.api.board import bp as board_bp
    from dispatch.api.bounds import install_bounds
    from dispatch.api.errors import register_error_handlers
    from dispatch.api.health import bp as health_bp
    from dispatch.api.links import bp as links_bp
    from dispatch.api.monitoring import bp as monitoring_bp
    from dispatch.api.offers import bp as offers_bp
    from dispatch.api.places import bp as places_bp
    from dispatch.api.privacy import bp as privacy_bp
    from dispatch.api.requests import bp as requests_bp

    install_bounds(app)
    register_error_handlers(app)
    for bp in (health_bp, auth_bp, requests_bp, offers_bp, board_bp, places_bp, links_bp,
               privacy_bp, monitoring_bp):
        app.register_blueprint(bp)
    from dispatch.extensions import csrf

    csrf.exempt(links_bp)  # the signed token is the proof; there is no session to protect
