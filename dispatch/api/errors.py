"""Turn errors into one JSON envelope: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from typing import Any

from apiflask import APIFlask
from apiflask import HTTPError
from flask import Flask
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from werkzeug.exceptions import HTTPException

from dispatch.errors import BUSY_DE
from dispatch.errors import Busy
from dispatch.errors import DispatchError
from dispatch.field_messages import code_of

MESSAGES_DE: dict[int, str] = {
    400: "Die Anfrage ist unvollständig oder fehlerhaft.",
    401: "Bitte melden Sie sich zuerst an.",
    403: "Das dürfen Sie leider nicht.",
    404: "Das wurde nicht gefunden.",
    405: "Diese Aktion ist hier nicht möglich.",
    409: "Das hat sich inzwischen geändert. Bitte laden Sie die Seite neu.",
    413: "Die Anfrage ist zu groß.",
    422: "Bitte prüfen Sie die markierten Angaben.",
    429: "Zu viele Anfragen. Bitte warten Sie einen Moment.",
    500: "Ein Fehler ist aufgetreten. Ihre Angaben sind nicht verloren; bitte versuchen Sie es "
         "gleich noch einmal oder rufen Sie das Quartiersbüro an.",
}


#: Every ``error.code`` the API sends: the PWA translates each (``server.<code>`` in its i18n
#: files) beside the German ``message``; a refusal names its reason in ``details.reason``
#: (``dispatch.matching.reasons.CODES``).
ERROR_CODES: tuple[str, ...] = (
    "dispatch_error", "invalid_transition", "not_found", "not_allowed", "outside_service_area",
    "unservable", "offer_taken", "invalid_input", "conflict", "plan_broken", "login_failed",
    "link_invalid", "unauthorized", "csrf", "bad_request", "forbidden", "method_not_allowed",
    "too_large", "validation_error", "too_many_requests", "internal_error", "http_error",
    "likely_duplicate", "busy")


#: The error envelope as an OpenAPI schema: what ``/api/openapi.json`` documents for 4xx.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "fields": {"type": "object"}, "details": {"type": "object"}},
    }},
}


def envelope(status: int, code: str, message: str, fields: dict[str, Any] | None = None,
             **details: Any) -> tuple[dict[str, Any], int]:
    """The JSON body and status of an error response.

    Beside each field's German message, ``field_codes`` gives its code and parameters
    (``dispatch.field_messages``) for the pages in other languages.
    """
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
        body["field_codes"] = field_codes(fields)
    if details:
        body["details"] = details
    return {"error": body}, status


def register_error_handlers(app: Flask) -> None:
    """Install handlers so every error, expected or not, answers with the envelope."""
    app.config.update(HTTP_ERROR_SCHEMA=ERROR_SCHEMA, VALIDATION_ERROR_SCHEMA=ERROR_SCHEMA)

    @app.errorhandler(DispatchError)
    def _dispatch_error(exc: DispatchError) -> tuple[dict[str, Any], int, dict[str, str]]:
        from dispatch.extensions import db

        db.session.rollback()
        fields = exc.details.pop("fields", None) if exc.details else None
        body, status = envelope(exc.status, exc.code, exc.message, fields, **exc.details)
        if isinstance(exc, Busy):
            app.logger.warning("a change waited too long for its plan lock: answered 503")
            return body, status, {"Retry-After": str(exc.retry_after_s)}
        return body, status, {}

    if isinstance(app, APIFlask):
        @app.error_processor
        def _api_error(exc: HTTPError) -> tuple[dict[str, Any], int, Any]:
            fields = None
            if exc.status_code == 422 and isinstance(exc.detail, dict):
                # apiflask: {"json": {"field": ["msg", ...]}}; flatten to field -> message
                fields = {}
                for _location, per_field in exc.detail.items():
                    for name, msgs in per_field.items():
                        fields[name] = msgs if isinstance(msgs, dict) else msgs[0]
            message = MESSAGES_DE.get(exc.status_code) or exc.message or ""
            body, status = envelope(exc.status_code, _code(exc.status_code), message, fields)
            return body, status, exc.headers

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> tuple[dict[str, Any], int]:
        return envelope(400, "csrf", "Ihre Sitzung ist abgelaufen. Bitte laden Sie die Seite neu "
                                     "und versuchen Sie es noch einmal.")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[dict[str, Any], int]:
        status = exc.code or 500
        message = MESSAGES_DE.get(status) or exc.description or ""
        if isinstance(exc, RateLimitExceeded) and exc.limit.error_message:
            message = str(exc.description)  # the limit's own words (log-in, booking)
        return envelope(status, _code(status), message)

    @app.errorhandler(SQLAlchemyTimeoutError)
    def _busy(_exc: SQLAlchemyTimeoutError) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Every database connection of this process is busy (overload): a clean 503."""
        from dispatch.extensions import db

        app.logger.warning("database pool exhausted: answered 503")
        db.session.rollback()
        body, status = envelope(503, Busy.code, BUSY_DE)
        return body, status, {"Retry-After": str(Busy.retry_after_s)}

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[dict[str, Any], int]:
        from dispatch.extensions import db

        app.logger.exception("unexpected error")
        db.session.rollback()
        return envelope(500, "internal_error", MESSAGES_DE[500])


def field_codes(fields: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """``{"pickup.address": {"code": …, "params": {…}}}`` for the messages :func:`say` wrote."""
    out: dict[str, dict[str, Any]] = {}
    for name, msg in fields.items():
        key = f"{prefix}{name}"
        if isinstance(msg, dict):
            out.update(field_codes(msg, f"{key}."))
            continue
        first = msg[0] if isinstance(msg, list) and msg else msg
        found = code_of(first) if isinstance(first, str) else None
        if found is not None:
            out[key] = {"code": found.code, "params": found.params}
    return out


def _code(status: int) -> str:
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "validation_error",
            429: "too_many_requests", 503: "busy"}.get(status, "http_error")
