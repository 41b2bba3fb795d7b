"""A live server that can be killed with SIGKILL and is back within a second.

``python -m tests.reliability.warm_server`` builds the app and loads the street graph once
(as ``python wsgi.py`` does), then forks a serving process for every ``fork`` line it reads on
stdin and answers with that process's id. The serving process is the real app on the real
database: killing it loses whatever it had in flight exactly as a crash of ``wsgi.py`` would;
only the next start is quicker (no minute of graph loading on a busy machine), which is what
lets a test kill a server twenty times.
"""

from __future__ import annotations

import os
import signal
import sys


def _serve(app: object, port: int, log_fd: int) -> None:
    """In the forked child: own stdio, fresh database connections, then serve until killed."""
    from dispatch.extensions import db
    from dispatch.extensions import socketio

    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with app.app_context():  # type: ignore[attr-defined]
        db.engine.dispose(close=False)  # never share the parent's connections
    socketio.run(app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True)


def main() -> None:
    from dispatch import create_app
    from dispatch.extensions import db
    from dispatch.services.network import get_network

    port = int(os.environ["PORT"])
    log_fd = os.open(os.environ["WARM_SERVER_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    app = create_app()
    get_network(app.config["SETTINGS"]).prepare()
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    with app.app_context():
        db.engine.dispose()
    children: set[int] = set()
    for line in sys.stdin:
        for pid in list(children):  # reap the killed ones
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                children.discard(pid)
        if line.strip() != "fork":
            continue
        pid = os.fork()
        if pid == 0:
            try:
                _serve(app, port, log_fd)
            finally:
                os._exit(0)
        children.add(pid)
        print(pid, flush=True)
    for pid in children:  # stdin closed: stop what still runs
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


if __name__ == "__main__":
    main()
