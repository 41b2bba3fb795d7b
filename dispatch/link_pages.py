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
from dispatch.pwa_views import choose_language
from dispatch.pwa_views import offices
from dispatch.pwa_views import tel_url
from dispatch.pwa_views import translate
from dispatch.services.links import make_token
from dispatch.services.links import read_token
from dispatch.services.links import short_link
from dispatch.services.links import usable_token
from dispatch.services.links import use_token
from dispatch.services.outbox import pickup_of

bp = Blueprint("link_pages", __name__)
CHOICES = ("confirm", "cancel", "callback")


def _office_line(lang: str, name: str, phone: str) -> Markup:
    """"Quartiersbüro: …, Tel. …", the number left to right in Arabic too (as on the app's
    call buttons) and a ``tel:`` link."""
    number = Markup('<a href="{}"><bdi dir="ltr">{}</bdi></a>').format(tel_url(phone), phone)
    return escape(translate(lang, "link.office")).format(name=name, phone=number)


def _page(req: RideRequest | None, *, lang: str, choices: list[dict[str, str]],
          message: str = "", status: int = 200) -> ResponseReturnValue:
    settings = current_app.config["SETTINGS"]
    ride = ""
    if req is not None:
        when = pickup_of(req)
        ride = translate(lang, "link.ride", day=format_skeleton("MMMEd", when, locale=lang),
                         time=format_time(when, "HH:mm", locale=lang))
        office = settings.quarter(req.quarter_slug).office
        office_lines = [_office_line(lang, office.name, office.phone)]
    else:  # a link of no known ride: every office, so the person can call someone
        office_lines = [_office_line(lang, o["name"], o["phone"]) for o in offices()]
    for choice in choices:
        choice["label"] = translate(lang, f"link.do_{choice['action']}")
    html = render_template("link.html", lang=lang, ride=ride, office_lines=office_lines,
                           choices=choices, message=message,
                           t=lambda key, **v: translate(lang, key, **v))
    return html, status, {"Content-Type": "text/html; charset=utf-8",
                          "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _refused(exc: DispatchError) -> ResponseReturnValue:
    """A link that does not work (any more), said in the resident's language when its ride is
    known, else in the browser's; with the number to call."""
    req = getattr(exc, "request", None)
    lang = _lang_of(req) if req is not None else choose_language()
    why = exc.details.get("why")
    message = translate(lang, f"link.why_{why}") if why else exc.message
    return _page(req, lang=lang, choices=[], message=message, status=exc.status)


def _lang_of(req: RideRequest | None) -> str:
    return language_of(req.resident.ui_language if req is not None else None)


@bp.get("/link/<token>")
def show(token: str) -> ResponseReturnValue:
    """What the link does, and the button that does it (a link used already, or of a ride
    that is over or cancelled, says so at once instead of offering a button that fails)."""
    try:
        req, action = usable_token(current_app.config["SETTINGS"], token)
    except DispatchError as exc:
        return _refused(exc)
    return _page(req, lang=_lang_of(req), choices=[{"action": action, "url": f"/link/{token}"}])


@bp.post("/link/<token>")
def answer(token: str) -> ResponseReturnValue:
    """Confirm, cancel or ask for a call; works once."""
    settings = current_app.config["SETTINGS"]
    try:
        req, action = read_token(settings, token)
        req = use_token(settings, token)
    except DispatchError as exc:
        return _refused(exc)
    lang = _lang_of(req)
    return _page(req, lang=lang, choices=[], message=translate(lang, f"link.done_{action}"))


@bp.get("/l/<code>")
def short(code: str) -> ResponseReturnValue:
    """The page an SMS links to: confirm, cancel or call me back."""
    settings = current_app.config["SETTINGS"]
    try:
        req = short_link(code)
    except DispatchError as exc:
        return _refused(exc)
    choices: list[dict[str, Any]] = [
        {"action": a, "url": f"/link/{make_token(settings, req.id, a)}"} for a in CHOICES]
    return _page(req, lang=_lang_of(req), choices=choices)
