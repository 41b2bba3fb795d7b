"""Real servers on loopback for end-to-end tests: ``python wsgi.py`` in a subprocess."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from threading import Lock
from typing import Any

import requests
import socketio

from dispatch.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``python wsgi.py`` on a fixed loopback port; ``stop()`` and ``start()`` keep port and
    database, so a test can take the server away and bring it back."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.port = int(env["PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 180) -> None:
        """Start and wait until ``/healthz`` answers (the street graph is loaded by then)."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "wsgi.py"], cwd=PROJECT_ROOT,
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer on /healthz in {timeout_s} s:\n{self.tail()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except FileNotFoundError:
            return ""


def server_exceptions(log: Path, start: int = 0) -> dict[str, int]:
    """Exception class names in the server log (from byte ``start``) with their counts."""
    try:
        with log.open("rb") as f:
            f.seek(start)
            text = f.read().decode(errors="replace")
    except FileNotFoundError:
        return {}
    found = re.findall(r"^(?:\w+\.)*(\w+(?:Error|Exception|Violation)): "
                       r"(?:\(raised [^\n]*\n)?(?:\((?:\w+\.)*(\w+)\))?", text, re.M)
    names = [f"{outer}({inner})" if inner else outer for outer, inner in found]
    return dict(Counter(names).most_common(6))


#: The process behind each running server's base URL (for tests that kill it).
PROCESSES: dict[str, subprocess.Popen[bytes]] = {}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live descendants (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                kids = (task / "children").read_text().split()
                stack.extend(int(k) for k in kids)
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return total


@contextmanager
def running_server(database_url: str, *, redis_url: str = "", port: int | None = None,
                   log: Path | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start the app on a free loopback port; yield its base URL; stop it afterwards.

    The residents of tests book far more than a person would: the booking limit is off
    unless ``env`` sets ``DISPATCH_BOOKINGS_PER_10_MIN``.
    """
    env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(port or free_port()),
           "SECRET_KEY": "live-test-secret", "REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1",
           "DISPATCH_JOBS": "worker", "DISPATCH_BOOKINGS_PER_10_MIN": "0", **(env or {})}
    server = LiveServer(env, log or Path(tempfile.mkdtemp()) / "server.log")
    server.start()
    try:
        assert server.proc is not None
        PROCESSES[server.url] = server.proc
        yield server.url
    finally:
        PROCESSES.pop(server.url, None)
        server.stop()


class Session:
    """A logged-in HTTP session with its CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.token = self.http.get(f"{base}/api/v1/auth/csrf", timeout=10).json()["csrf_token"]

    def login(self, email: str, password: str) -> dict[str, Any]:
        res = self.post("/api/v1/auth/login", {"email": email, "password": password})
        assert res.status_code == 200, res.text
        self.token = res.json()["csrf_token"]
        return res.json()["person"]  # type: ignore[no-any-return]

    def login_code(self, code: str) -> dict[str, Any]:
        res = self.post("/api/v1/auth/code", {"code": code})
        assert res.status_code == 200, res.text
        self.token = res.json()["csrf_token"]
        return res.json()["person"]  # type: ignore[no-any-return]

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=60)

    def post(self, path: str, json: Any = None) -> requests.Response:
        return self.http.post(self.base + path, json=json or {}, timeout=60,
                              headers={"X-CSRFToken": self.token})

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)


@dataclass
class LiveClient:
    """A real Socket.IO client that records every event it receives."""

    session: Session
    events: list[tuple[str, Any, float]] = field(default_factory=list)
    lock: Lock = field(default_factory=Lock)

    def __post_init__(self) -> None:
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record)

    def _record(self, event: str, data: Any = None) -> None:
        with self.lock:
            self.events.append((event, data, time.perf_counter()))

    def connect(self) -> LiveClient:
        self.sio.connect(self.session.base, headers={"Cookie": self.session.cookie_header()},
                         transports=["websocket"], wait_timeout=20)
        return self

    def of(self, name: str) -> list[Any]:
        with self.lock:
            return [d for e, d, _ in self.events if e == name]

    def wait_for(self, name: str, pred: Any = lambda d: True, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for d in self.of(name):
                if pred(d):
                    return d
            time.sleep(0.02)
        raise TimeoutError(f"no {name!r} event matching within {timeout} s")

    def close(self) -> None:
        self.sio.disconnect()
