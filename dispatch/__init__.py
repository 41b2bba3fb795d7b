"""Volunteer ride-and-escort dispatch engine.

Only :func:`create_app` touches Flask, and it imports Flask inside the function, so the pure
packages (``dispatch.domain``, ``dispatch.routing``, ``dispatch.matching``) load without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app.

    Parameters
    ----------
    config
        Overrides for settings and Flask config (``DATABASE_URL``, ``SECRET_KEY``, ``REDIS_URL``,
        ``TESTING``, ...). Everything else comes from ``config/`` and the environment.
    """
    from dispatch.web import build_app

    return build_app(config or {})
