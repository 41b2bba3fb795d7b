"""Security headers on every answer: a strict Content-Security-Policy and its companions."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from flask import Flask
from flask import Response
from flask import current_app
from flask import request

#: Paths whose HTML carries its own small stylesheet (the printable day sheet).
INLINE_STYLE_PATHS = ("/print/",)


def _tile_origin() -> str:
    """The origin of a configured map tile server, which images may come from."""
    url = str(current_app.config.get("TILE_URL") or os.environ.get("DISPATCH_TILE_URL", ""))
    parts = urlsplit(url)
    host = parts.netloc.replace("{s}", "*")  # Leaflet's subdomain placeholder
    return f"{parts.scheme}://{host}" if host else ""


def content_security_policy(*, inline_style: bool = False) -> str:
    """Scripts, styles and connections only from this server; no framing, no plugins."""
    style = "'self' 'unsafe-inline'" if inline_style else "'self'"
    images = " ".join(filter(None, ["'self'", "data:", "blob:", _tile_origin()]))
    return "; ".join([
        "default-src 'self'", "script-src 'self'", f"style-src {style}", f"img-src {images}",
        "connect-src 'self' ws: wss:", "font-src 'self'", "object-src 'none'",
        "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
        "manifest-src 'self'", "worker-src 'self'"])


def _add_headers(resp: Response) -> Response:
    inline = request.path.startswith(INLINE_STYLE_PATHS)
    resp.headers.setdefault("Content-Security-Policy", content_security_policy(
        inline_style=inline))
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return resp


def install_security_headers(app: Flask) -> None:
    """Add the headers to every response of ``app``."""
    app.after_request(_add_headers)
