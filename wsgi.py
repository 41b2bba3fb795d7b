"""WSGI entry point: ``app`` for gunicorn (``deploy/gunicorn.conf.py``); ``python wsgi.py`` runs
the embedded development set-up: one process serves Socket.IO and runs the periodic jobs."""

from __future__ import annotations

import os

from dispatch import create_app
from dispatch.extensions import socketio

app = create_app()

if __name__ == "__main__":
    from dispatch.services.network import get_network

    settings = app.config["SETTINGS"]
    get_network(settings).prepare()  # graph, snapping and addresses ready now
    if "SESSION_COOKIE_SECURE" not in os.environ:
        # the development server speaks plain HTTP on loopback: cookies without the Secure flag
        app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    if settings.jobs == "embedded" and os.environ.get("DISPATCH_BACKGROUND", "1") == "1":
        from dispatch.jobs.replan import start_background

        app.logger.warning("embedded mode: one process serves and runs the jobs (offer expiry, "
                           "re-planning, retention) on %s; in production run several gunicorn "
                           "processes and one 'flask jobs worker' with DISPATCH_JOBS=worker "
                           "(docs/OPERATIONS.md)", settings.database_url.split(":", 1)[0])
        start_background(app, every_s=float(os.environ.get("DISPATCH_REPLAN_EVERY_S", "30")))
        if os.environ.get("DISPATCH_DEMO_TRICKLE") == "1":
            from dispatch.simulation.demo import start_trickle

            app.logger.warning("demo: simulated residents keep booking, simulated volunteers "
                               "answer and report stops (DISPATCH_DEMO_TRICKLE=1)")
            start_trickle(app.app_context, app.config["SETTINGS"])
    else:
        app.logger.warning("DISPATCH_JOBS=worker: this process runs no periodic jobs")
    socketio.run(app, host=os.environ.get("HOST", "127.0.0.1"),
                 port=int(os.environ.get("PORT", "5000")), allow_unsafe_werkzeug=True)
