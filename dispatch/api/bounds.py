"""Limits on what a request may carry: body size, ids in URLs, JSON nesting."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Map

#: The largest request body (a booking is about 1 kB).
MAX_BODY_BYTES = 64 * 1024
#: Ids fit a database integer; a larger one in a URL is simply not found.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: at most :data:`MAX_ID`, so no database sees a larger number."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BoundedJSONProvider(DefaultJSONProvider):
    """JSON nested too deeply for the parser is a bad request (400), not a server error."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            msg = "JSON is nested too deeply"
            raise ValueError(msg) from None


def _parse_json_first() -> None:
    """Parse a JSON body once with the bounded parser, so malformed or too deeply nested JSON
    is a 400 before any view (or its schema library's own parser) sees it."""
    if request.is_json and request.content_length:
        request.get_json()


def install_bounds(app: Flask) -> None:
    """Set the limits on ``app`` (before any blueprint is registered)."""
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.url_map.converters["int"] = IdConverter
    app.json = BoundedJSONProvider(app)
    app.before_request(_parse_json_first)
