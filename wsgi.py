"""WSGI entry point: ``app`` for servers; ``python wsgi.py`` runs Socket.IO in development."""

from __future__ import annotations

import os

from dispatch import create_app
from dispatch.extensions import socketio

app = create_app()

if __name__ == "__main__":
    from dispatch.services.network import get_network

    get_network(app.config["SETTINGS"]).prepare()  # graph, snapping and addresses ready now
    if "SESSION_COOKIE_SECURE" not in os.environ:
        # the development server speaks plain HTTP on loopback: cookies without the Secure flag
        app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    if os.environ.get("DISPATCH_BACKGROUND", "1") == "1":
        from dispatch.jobs.replan import start_background

        app.logger.warning("embedded mode: one process serves and runs the jobs (offer expiry, "
                           "re-planning); in production run 'flask jobs worker' and set "
                           "DISPATCH_BACKGROUND=0")
        start_background(app, every_s=float(os.environ.get("DISPATCH_REPLAN_EVERY_S", "30")))
    socketio.run(app, host=os.environ.get("HOST", "127.0.0.1"),
                 port=int(os.environ.get("PORT", "5000")), allow_unsafe_werkzeug=True)
