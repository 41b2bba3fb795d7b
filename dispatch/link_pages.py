"""Pages behind the links of an e-mail or SMS: no log-in, no script, one button per answer.

``GET /link/<token>`` only shows what the link would do (mail scanners open links); the
button posts to it. ``GET /l/<code>`` is the short page of an SMS with all three answers.
"""

from __future__ import annotations

from typing import Any

from babel.dates import format_skeleton
from babel.dates import format_time
from flask import Blueprint
from flask import current_app
from flask import render_template
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from markupsafe import escape

from dispatch.errors import DispatchError
from dispatch.models import RideRequest
from dispatch.notifications.i18n import language_of
from dispatch.pwa_views import translate
from dispatch.services.links import make_token
from dispatch.services.links import read_token
from dispatch.services.links import short_link
from dispatch.services.links import use_token
from dispatch.services.outbox import pickup_of

bp = Blueprint("link_pages", __name__)
CHOICES = ("confirm", "cancel", "callback")


def _page(req: RideRequest | None, *, lang: str, choices: list[dict[str, str]],
          message: str = "", status: int = 200) -> ResponseReturnValue:
    settings = current_app.config["SETTINGS"]
    ride = ""
    office_line = None
    if req is not None:
        when = pickup_of(req)
        ride = translate(lang, "link.ride", day=format_skeleton("MMMEd", when, locale=lang),
                         time=format_time(when, "HH:mm", locale=lang))
        office = settings.quarter(req.quarter_slug).office
        # the number reads left to right in Arabic too (as on the app's call buttons)
        office_line = escape(translate(lang, "link.office")).format(
            name=office.name, phone=Markup('<bdi dir="ltr">{}</bdi>').format(office.phone))
    for choice in choices:
        choice["label"] = translate(lang, f"link.do_{choice['action']}")
    html = render_template("link.html", lang=lang, ride=ride, office_line=office_line,
                           choices=choices, message=message,
                           t=lambda key, **v: translate(lang, key, **v))
    return html, status, {"Content-Type": "text/html; charset=utf-8",
                          "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _lang_of(req: RideRequest | None) -> str:
    return language_of(req.resident.ui_language if req is not None else None)


@bp.get("/link/<token>")
def show(token: str) -> ResponseReturnValue:
    """What the link does, and the button that does it."""
    try:
        req, action = read_token(current_app.config["SETTINGS"], token)
    except DispatchError as exc:
        return _page(None, lang="de", choices=[], message=exc.message, status=exc.status)
    return _page(req, lang=_lang_of(req), choices=[{"action": action, "url": f"/link/{token}"}])


@bp.post("/link/<token>")
def answer(token: str) -> ResponseReturnValue:
    """Confirm, cancel or ask for a call; works once."""
    settings = current_app.config["SETTINGS"]
    try:
        req, action = read_token(settings, token)
        req = use_token(settings, token)
    except DispatchError as exc:
        return _page(None, lang="de", choices=[], message=exc.message, status=exc.status)
    lang = _lang_of(req)
    return _page(req, lang=lang, choices=[], message=translate(lang, f"link.done_{action}"))


@bp.get("/l/<code>")
def short(code: str) -> ResponseReturnValue:
    """The page an SMS links to: confirm, cancel or call me back."""
    settings = current_app.config["SETTINGS"]
    try:
        req = short_link(code)
    except DispatchError as exc:
        return _page(None, lang="de", choices=[], message=exc.message, status=exc.status)
    choices: list[dict[str, Any]] = [
        {"action": a, "url": f"/link/{make_token(settings, req.id, a)}"} for a in CHOICES]
    return _page(req, lang=_lang_of(req), choices=choices)
