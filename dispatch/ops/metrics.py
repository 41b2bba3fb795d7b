"""Prometheus metrics of the service (no Flask import).

With ``PROMETHEUS_MULTIPROC_DIR`` set (``make serve``, the systemd units), every process (each
gunicorn web process and the job worker) writes its figures to files in that directory and
``/metrics`` on any web process reports the sum over all of them (prometheus_client's
multiprocess mode). Without it each process reports its own.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Gauge
from prometheus_client import Histogram
from prometheus_client import generate_latest

from dispatch.services import events

LATENCY_BUCKETS = (.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30)

REQUEST_SECONDS = Histogram(
    "dispatch_http_request_duration_seconds", "HTTP request latency by endpoint",
    ["endpoint", "method", "status"], buckets=LATENCY_BUCKETS)
BOOKINGS = Counter("dispatch_bookings_total", "Bookings answered, by HTTP status", ["status"])
OFFERS = Counter("dispatch_offers_total", "Offers pushed to a volunteer")
ACCEPT_SECONDS = Histogram(
    "dispatch_offer_accept_seconds", "Time from an offer to its acceptance",
    buckets=(5, 15, 30, 60, 120, 300, 600, 1800))
EXPIRED = Counter("dispatch_offers_expired_total", "Offers expired by the job pass")
REPLAN_SECONDS = Histogram(
    "dispatch_replan_duration_seconds", "Time to re-plan one quarter-day",
    buckets=(.1, .25, .5, 1, 2, 3, 5, 10, 30))
REPLAN_CHANGES = Counter(
    "dispatch_replan_changes_total",
    "What re-planning did: trips_changed, placed (waiting requests now planned), gave_way "
    "(the day changed while solving)", ["kind"])
SOCKETS = Gauge("dispatch_connected_sockets", "Connected Socket.IO clients by role", ["role"],
                multiprocess_mode="livesum")
JOB_LAG = Gauge("dispatch_job_lag_seconds",
                "How much later than scheduled the last job pass started",
                multiprocess_mode="max")
JOB_LAST_PASS = Gauge("dispatch_job_last_pass_timestamp_seconds",
                      "When the last job pass ended (Unix time)", multiprocess_mode="max")
JOB_PASS_SECONDS = Histogram("dispatch_job_pass_duration_seconds", "Duration of one job pass",
                             buckets=(.1, .5, 1, 2, 5, 10, 30, 60, 120))


def _count_offers(event: events.Event) -> None:
    if event.name == "offer.created":
        OFFERS.inc()


def install_event_metrics() -> None:
    """Count pushed offers in whichever process commits them (web or worker)."""
    events.subscribe(_count_offers)


def render() -> tuple[bytes, str]:
    """The exposition text and its content type (all processes in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def process_exited(pid: int) -> None:
    """Forget a dead process's live gauges (gunicorn's ``child_exit`` hook)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
