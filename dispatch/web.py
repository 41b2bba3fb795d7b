"""Assemble the Flask app: settings, extensions, blueprints, Socket.IO, CLI."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from apiflask import APIFlask
from flask import Flask
from sqlalchemy.orm import Session as SASession

from dispatch.extensions import csrf
from dispatch.extensions import db
from dispatch.extensions import login_manager
from dispatch.extensions import migrate
from dispatch.extensions import socketio
from dispatch.services.clock import set_zone
from dispatch.services.plan_day import set_lock_wait
from dispatch.settings import KNOWN_SECRETS
from dispatch.settings import PROJECT_ROOT
from dispatch.settings import load_settings


def build_app(config: Mapping[str, Any]) -> Flask:
    """See :func:`dispatch.create_app`."""
    settings = load_settings(PROJECT_ROOT, os.environ, config)
    app = APIFlask(
        "dispatch",
        title="Bürger für Bürger – Fahr- und Begleitdienst",
        version="1",
        spec_path="/api/openapi.json",
        docs_path="/api/docs",
        instance_path=str(PROJECT_ROOT / "instance"),
        static_folder=None,  # type: ignore[arg-type]  # the PWA blueprint serves files
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SETTINGS=settings,
        PROJECT_ROOT=PROJECT_ROOT,
        JSON_SORT_KEYS=False,
        VALIDATION_ERROR_STATUS_CODE=422,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_DURATION=timedelta(days=settings.remember_days),
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        REMEMBER_COOKIE_SECURE=settings.cookie_secure,
    )
    app.config.update({k: v for k, v in config.items() if k.isupper()})
    if app.config.get("TESTING"):  # the test client and servers speak plain HTTP on loopback
        app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    if settings.database_url.startswith("sqlite:///"):
        os.makedirs(PROJECT_ROOT / "instance", exist_ok=True)
    if settings.secret_key in KNOWN_SECRETS and not app.config.get("TESTING"):
        msg = ("SECRET_KEY is a publicly known value: unset it (a random key is then made in "
               "instance/secret_key) or set a long random one")
        raise RuntimeError(msg)

    from dispatch import models  # noqa: F401  (register tables with the metadata)
    from dispatch.ops.web import install_ops

    install_ops(app, settings)

    if settings.database_url.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    elif settings.db_pool_size:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].update(
            pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size // 2,
            pool_timeout=settings.db_pool_timeout_s)
    db.init_app(app)
    set_lock_wait(settings.plan_lock_wait_s)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    _init_login(app)
    from dispatch.extensions import limiter

    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url or "memory://")
    # the installation's own counters on a shared Redis (its Socket.IO channel names it)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", settings.socketio_channel)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)  # Redis away: limits in memory
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    csrf.init_app(app)
    socketio.init_app(app, message_queue=settings.redis_url, async_mode=settings.async_mode,
                      channel=settings.socketio_channel)
    set_zone(settings.service.timezone)

    from dispatch.services import events

    events.install(SASession)
    from dispatch.realtime.handlers import register_handlers
    from dispatch.realtime.push import install_push

    install_push()
    register_handlers()

    from dispatch.api import register_api

    register_api(app)
    from dispatch.api.admission import init_admission

    init_admission(app, settings.max_active_requests, settings.admission_wait_s)
    from dispatch.security_headers import install_security_headers

    install_security_headers(app)
    from dispatch.cli import register_cli

    register_cli(app)
    from dispatch.pwa_views import bp as pwa_bp

    app.register_blueprint(pwa_bp)
    from dispatch.link_pages import bp as link_pages_bp

    app.register_blueprint(link_pages_bp)
    csrf.exempt(link_pages_bp)  # the signed token is the proof; there is no session to protect
    return app


def _init_login(app: Flask) -> None:
    from dispatch.models import Person

    login_manager.init_app(app)
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(cookie_id: str) -> Person | None:
        """The person of a session or remember cookie, unless they logged out since."""
        person_id, _, version = cookie_id.partition(":")
        if not person_id.isdigit() or not version.isdigit() or int(person_id) > 2**31 - 1:
            return None
        person = db.session.get(Person, int(person_id))
        if person is None or not person.active or person.session_version != int(version):
            return None
        return person
