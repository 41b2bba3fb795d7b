"""Wire operations into the app: proxy headers, request ids and JSON logs, request metrics."""

from __future__ import annotations

import time

from flask import Flask
from flask import Response
from flask import g
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

from dispatch.ops import metrics
from dispatch.ops.logs import configure_json_logging
from dispatch.ops.logs import install_request_ids
from dispatch.settings import Settings

#: The endpoint that takes a booking (counted in ``dispatch_bookings_total``).
BOOKING_ENDPOINT = "requests.create"


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(resp: Response) -> Response:
    started = g.get("metrics_started")
    if started is not None:
        endpoint = request.endpoint or "unmatched"
        metrics.REQUEST_SECONDS.labels(endpoint, request.method, str(resp.status_code)) \
            .observe(time.perf_counter() - started)
        if endpoint == BOOKING_ENDPOINT and request.method == "POST":
            metrics.BOOKINGS.labels(str(resp.status_code)).inc()
    return resp


def install_ops(app: Flask, settings: Settings) -> None:
    """Call first in ``create_app`` so the request id is set before any other hook runs."""
    if settings.proxies:
        n = settings.proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    if settings.log_json:
        configure_json_logging()
    install_request_ids(app)
    app.before_request(_start_timer)
    app.after_request(_observe)
    metrics.install_event_metrics()
