"""Every answer carries a strict Content-Security-Policy and the usual companions."""

from __future__ import annotations

from flask import Flask

from dispatch.security_headers import content_security_policy


def test_pages_and_api_answers_carry_the_headers(app: Flask) -> None:
    client = app.test_client()
    for path in ("/", "/api/v1/auth/csrf", "/api/v1/requests", "/static/js/app.js"):
        res = client.get(path)
        csp = res.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp, path
        assert "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert res.headers["X-Frame-Options"] == "DENY"
        assert res.headers["X-Content-Type-Options"] == "nosniff"
        assert res.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in res.headers  # plain HTTP here
    secure = client.get("/", base_url="https://dispatch.example.org")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_configured_tile_server_may_serve_images_only(app: Flask) -> None:
    with app.test_request_context():
        app.config["TILE_URL"] = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
        csp = content_security_policy()
        app.config["TILE_URL"] = None
    assert "img-src 'self' data: blob: https://*.tile.example.org" in csp
    assert "script-src 'self';" in csp
