"""Turn errors into one JSON envelope: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from typing import Any

from apiflask import APIFlask
from apiflask import HTTPError
from flask import Flask
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from dispatch.errors import DispatchError

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
    """The JSON body and status of an error response."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if details:
        body["details"] = details
    return {"error": body}, status


def register_error_handlers(app: Flask) -> None:
    """Install handlers so every error, expected or not, answers with the envelope."""
    app.config.update(HTTP_ERROR_SCHEMA=ERROR_SCHEMA, VALIDATION_ERROR_SCHEMA=ERROR_SCHEMA)

    @app.errorhandler(DispatchError)
    def _dispatch_error(exc: DispatchError) -> tuple[dict[str, Any], int]:
        from dispatch.extensions import db

        db.session.rollback()
        fields = exc.details.pop("fields", None) if exc.details else None
        return envelope(exc.status, exc.code, exc.message, fields, **exc.details)

    if isinstance(app, APIFlask):
        @app.error_processor
        def _api_error(exc: HTTPError) -> tuple[dict[str, Any], int, Any]:
            fields = None
            if exc.status_code == 422 and isinstance(exc.detail, dict):
                # apiflask: {"json": {"field": ["msg", ...]}}; flatten to field -> message
                fields = {}
                for _location, per_field in exc.detail.items():
                    for name, msgs in per_field.items():
                        fields[name] = msgs if isinstance(msgs, dict) else " ".join(msgs)
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

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[dict[str, Any], int]:
        from dispatch.extensions import db

        app.logger.exception("unexpected error")
        db.session.rollback()
        return envelope(500, "internal_error", MESSAGES_DE[500])


def _code(status: int) -> str:
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "validation_error",
            429: "too_many_requests"}.get(status, "http_error")
