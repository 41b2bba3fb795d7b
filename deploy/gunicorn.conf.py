"""gunicorn settings for one web process: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Flask-SocketIO's documented pattern for several processes: each gunicorn runs exactly ONE
worker (a Socket.IO session lives in one process) on a port of its own; nginx in front keeps a
client on one process (``ip_hash``) and Redis carries pushes between the processes.

The worker is ``gthread`` (threads, WebSocket through simple-websocket), not gevent or
eventlet: the planner spends its time in OR-Tools, numpy and numba C code that never yields to
a green-thread hub, so under gevent/eventlet one solve or matrix would freeze every socket of
the process, and monkey-patching would have to reach psycopg, redis and OR-Tools' threads.
Real threads let the C code drop the GIL and the other requests go on (docs/OPERATIONS.md).
Every open WebSocket holds one thread, so ``threads`` must exceed the sockets one process
serves plus the HTTP requests in flight.

Environment: ``PORT`` (default 8001), ``HOST`` (127.0.0.1), ``GUNICORN_THREADS`` (200),
``GUNICORN_GRACEFUL_TIMEOUT`` (20 s).
"""

from __future__ import annotations

import os
import threading
from typing import Any

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8001')}"
workers = 1  # never more: Socket.IO sessions are held in the process
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "200"))
# SIGTERM: stop accepting, let requests under way finish for this long, then exit
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
timeout = 120  # a worker whose main loop is stuck this long is restarted
keepalive = 5
worker_connections = 1000
accesslog = None  # the app logs one JSON line per request with its request id
errorlog = "-"
loglevel = "info"
control_socket_disable = True  # gunicorn 27: one shared ~/.gunicorn socket would clash
proc_name = f"dispatch-web-{os.environ.get('PORT', '8001')}"
os.environ.setdefault("DISPATCH_JOBS", "worker")
os.environ.setdefault("DISPATCH_LOG_JSON", "1")
os.environ.setdefault("DISPATCH_PROXIES", "1")
# bookings of one quarter-day queue for its plan lock holding a connection: more than 5 + 10,
# but mind PostgreSQL's max_connections (100): 2 processes x (20 + 10) + the worker fit
os.environ.setdefault("DISPATCH_DB_POOL_SIZE", "20")
# overload: a request that waits this long for a connection (or, on PostgreSQL, for its
# quarter-day's plan lock: DISPATCH_PLAN_LOCK_WAIT_S) answers 503 "busy" with Retry-After,
# well before nginx's proxy_read_timeout (60 s) would answer 504
os.environ.setdefault("DISPATCH_DB_POOL_TIMEOUT_S", "20")
# the work of a request is CPU-bound on one interpreter: a few at once, the others wait for
# their turn (up to DISPATCH_ADMISSION_WAIT_S, 10 s) and then answer 503 "busy"
os.environ.setdefault("DISPATCH_MAX_ACTIVE_REQUESTS", "8")


def post_worker_init(worker: Any) -> None:
    """Load the street graph in the background: ``/readyz`` answers 503 until it is loaded;
    in embedded job mode (a single process, no worker) start the job loop too. ``kill -USR2``
    on the worker writes every thread's stack to the log."""
    import faulthandler
    import signal

    faulthandler.register(signal.SIGUSR2, all_threads=True)  # stacks of every thread to the log
    app = worker.wsgi
    settings = app.config["SETTINGS"]

    def warm() -> None:
        from dispatch.services.network import warm_up

        warm_up(settings)
        app.logger.info("street graph loaded, kernels compiled: ready")

    threading.Thread(target=warm, name="dispatch-warm-up", daemon=True).start()
    if settings.jobs == "embedded":
        from dispatch.jobs.replan import start_background

        app.logger.warning("DISPATCH_JOBS=embedded: this web process also runs the jobs; "
                           "with more than one process run 'flask jobs worker' instead")
        start_background(app, every_s=float(os.environ.get("DISPATCH_REPLAN_EVERY_S", "30")))


def child_exit(_server: Any, worker: Any) -> None:
    """A dead worker's live gauges (connected sockets) leave the multiprocess metrics."""
    from dispatch.ops.metrics import process_exited

    process_exited(worker.pid)
