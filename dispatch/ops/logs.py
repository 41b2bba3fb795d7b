"""JSON log lines with a request id; the id comes in and goes out as ``X-Request-ID``."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Flask
from flask import Response
from flask import g
from flask import request

HEADER = "X-Request-ID"
#: The id of the request this thread serves ("-" outside a request).
request_id: ContextVar[str] = ContextVar("request_id", default="-")
_VALID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
access_log = logging.getLogger("dispatch.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get()}
        out.update({k: v for k, v in vars(record).items()
                    if k not in _STANDARD and k != "request_id" and not k.startswith("_")})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def configure_json_logging(level: int = logging.INFO) -> None:
    """Send every logger's records to stderr as JSON (idempotent)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("gunicorn.error", "flask.app", "dispatch"):
        lg = logging.getLogger(name)
        lg.handlers = []
        lg.propagate = True


def _begin() -> None:
    wanted = request.headers.get(HEADER, "")
    rid = wanted if _VALID.fullmatch(wanted) else uuid.uuid4().hex
    g.request_id = rid
    g.request_started = time.perf_counter()
    g.request_id_token = request_id.set(rid)


def _end(resp: Response) -> Response:
    rid = g.get("request_id")
    if rid:
        resp.headers[HEADER] = rid
        ms = (time.perf_counter() - g.request_started) * 1000
        access_log.info("%s %s %s", request.method, request.path, resp.status_code,
                        extra={"method": request.method, "path": request.path,
                               "status": resp.status_code, "duration_ms": round(ms, 1),
                               "endpoint": request.endpoint})
    return resp


def _teardown(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        request_id.reset(token)


def install_request_ids(app: Flask) -> None:
    """Give every request an id (the caller's ``X-Request-ID`` when it is sane) and log it."""
    app.before_request(_begin)
    app.after_request(_end)
    app.teardown_request(_teardown)
