"""The progressive web app: page shells, manifest, service worker, offline page and static files.

The pages are shells: they hold no personal data, so the service worker can cache them and they
load with no connection. Everything personal comes from ``/api/v1`` in the browser.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import send_from_directory
from flask import url_for
from werkzeug.wrappers import Response as BaseResponse

from dispatch.domain.kinds import Purpose

PWA_ROOT = Path(__file__).resolve().parent.parent / "pwa"
STATIC_ROOT = PWA_ROOT / "static"
I18N_ROOT = STATIC_ROOT / "i18n"
LANGUAGES: tuple[str, ...] = ("de", "en", "tr", "ar", "pl")
DEFAULT_LANGUAGE = "de"
RTL_LANGUAGES = frozenset({"ar"})
LANG_COOKIE = "lang"
FACES = ("resident", "volunteer", "board", "monitoring")
HOME_BY_ROLE = {"resident": "resident", "volunteer": "volunteer", "coordinator": "board",
                "admin": "board"}

# What the service worker caches on install: the three faces, login, offline page and every
# file they load. Vendor files are added when ``scripts/install_assets.sh`` has run.
SHELL_PAGES = ("/login", "/app/resident", "/app/volunteer", "/app/board", "/app/monitoring",
               "/offline")
SHELL_STATIC = (
    "css/app.css",
    "js/app.js",
    "js/map.js",
    "js/resident.js",
    "js/volunteer.js",
    "js/board.js",
    "js/monitoring.js",
    "js/login.js",
    "js/status.js",
    "js/notify.js",
    "icons/icon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-512.png",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/socket.io/socket.io.min.js",
    "vendor/chart.js/chart.umd.min.js",
    *(f"i18n/{lang}.json" for lang in LANGUAGES),
)

bp = Blueprint("pwa", __name__, template_folder=str(PWA_ROOT / "templates"),
               static_folder=str(STATIC_ROOT), static_url_path="/static")


@cache
def _catalogue(lang: str, _mtime: float) -> dict[str, str]:
    with (I18N_ROOT / f"{lang}.json").open(encoding="utf-8") as fh:
        data: dict[str, str] = json.load(fh)
    return data


def catalogue(lang: str) -> dict[str, str]:
    """The translations of ``lang`` (re-read when the file changes)."""
    path = I18N_ROOT / f"{lang}.json"
    return _catalogue(lang, path.stat().st_mtime)


def translate(lang: str, key: str, **values: Any) -> str:
    """The text of ``key`` in ``lang``; a missing key shows as ``[key]`` (and fails a test)."""
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key, f"[{key}]")
    return text.format(**values) if values else text


def _current_person() -> Any | None:
    """The logged-in person, or None (also while the API's user loader is not registered)."""
    try:
        from flask_login import current_user

        return current_user if current_user.is_authenticated else None
    except Exception:  # noqa: BLE001 - no user loader yet: treat as anonymous
        return None


def choose_language() -> str:
    """``?lang=``, then the ``lang`` cookie, then the person's language, then the browser's."""
    wanted = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if wanted in LANGUAGES:
        return str(wanted)
    person = _current_person()
    if person is not None and getattr(person, "ui_language", None) in LANGUAGES:
        return str(person.ui_language)
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def _tile_url() -> str:
    return str(current_app.config.get("TILE_URL") or os.environ.get("DISPATCH_TILE_URL", ""))


def tel_url(phone: str) -> str:
    """A ``tel:`` URL of a phone number as written in the config ("0231 000001")."""
    return "tel:" + "".join(c for c in phone if c.isdigit() or c == "+")


def offices() -> list[dict[str, str]]:
    """The quarter offices and their phone numbers (public, from config/quarters/*.toml)."""
    settings = current_app.config.get("SETTINGS")
    out = []
    for q in getattr(settings, "quarters", ()):
        if q.office.phone:
            out.append({"quarter": q.slug, "quarter_name": q.name, "name": q.office.name,
                        "phone": q.office.phone, "tel": tel_url(q.office.phone)})
    return out


def _page(template: str, *, face: str, title_key: str) -> Response:
    lang = choose_language()
    html = render_template(
        template,
        lang=lang,
        dir="rtl" if lang in RTL_LANGUAGES else "ltr",
        languages=LANGUAGES,
        purposes=[p.value for p in Purpose],
        face=face,
        title_key=title_key,
        tile_url=_tile_url(),
        offices=offices(),
        t=lambda key, **kw: translate(lang, key, **kw),
    )
    resp = Response(html, mimetype="text/html")
    if request.args.get("lang") in LANGUAGES:
        resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
    resp.headers["Content-Language"] = lang
    return resp


@bp.get("/")
def landing() -> BaseResponse:
    """Send a logged-in person to their face; everyone else chooses how to log in."""
    person = _current_person()
    if person is not None and person.role in HOME_BY_ROLE:
        return redirect(url_for("pwa.face", name=HOME_BY_ROLE[person.role]))
    return _page("landing.html", face="landing", title_key="landing.title")


@bp.get("/login")
def login() -> Response:
    """Log in: one-time code for residents, e-mail and password for staff."""
    return _page("login.html", face="login", title_key="login.title")


@bp.get("/app/<name>")
def face(name: str) -> Response:
    """The resident app, the volunteer app or the coordinator board."""
    if name not in FACES:
        abort(404)
    return _page(f"{name}.html", face=name, title_key=f"{name}.title")


@bp.get("/offline")
def offline() -> Response:
    """Shown by the service worker when a page is needed and there is no connection."""
    return _page("offline.html", face="offline", title_key="offline.title")


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest (installable app)."""
    return send_from_directory(PWA_ROOT, "manifest.webmanifest",
                               mimetype="application/manifest+json", max_age=0)


def shell_files() -> list[str]:
    """URLs the service worker caches on install (only files that exist)."""
    files = [f"/static/{p}" for p in SHELL_STATIC if (STATIC_ROOT / p).is_file()]
    return [*SHELL_PAGES, "/manifest.webmanifest", *files]


def shell_version() -> str:
    """A hash over every shell file and template, so a changed file updates the worker."""
    digest = hashlib.sha256()
    paths = [STATIC_ROOT / p for p in SHELL_STATIC]
    paths += sorted((PWA_ROOT / "templates").glob("*.html"))
    paths += [PWA_ROOT / "manifest.webmanifest", PWA_ROOT / "sw.js"]
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, at root scope, with its version and shell list filled in."""
    source = (PWA_ROOT / "sw.js").read_text(encoding="utf-8")
    source = source.replace("__SHELL_VERSION__", shell_version())
    source = source.replace("__SHELL_FILES__", json.dumps(shell_files()))
    resp = Response(source, mimetype="text/javascript")
    resp.headers["Service-Worker-Allowed"] = "/"
    resp.headers["Cache-Control"] = "no-cache"
    return resp
