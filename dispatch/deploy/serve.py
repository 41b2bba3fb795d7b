"""``make serve`` and the production tests: N gunicorn web processes, the job worker and nginx
on loopback, against PostgreSQL and Redis (no Flask import; every part is a real process).

    python -m dispatch.deploy.serve [--web 2] [--port 8080] [--database-url URL] [--redis-url URL]

nginx runs in the foreground as the calling user with its own prefix, pid, logs and temp files
in a temporary directory (when called as root, its workers run as ``nobody``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from dispatch.settings import PROJECT_ROOT

NGINX = os.environ.get("DISPATCH_NGINX", "/usr/sbin/nginx")
DEPLOY = PROJECT_ROOT / "deploy"


def free_port() -> int:
    """A TCP port on loopback that nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 3) -> int:
    """The HTTP status of a GET (0 when nothing answers)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, urllib.error.URLError):
        return 0


def render_nginx(prefix: Path, *, listen: str, web_ports: list[int]) -> Path:
    """Write ``nginx.conf`` and ``site.conf`` for this set under ``prefix``; return the first."""
    upstreams = "\n".join(f"    server 127.0.0.1:{p} max_fails=0;"
                          for p in web_ports)
    site = (DEPLOY / "nginx" / "site.conf.template").read_text()
    for key, value in {"LISTEN": listen, "UPSTREAMS": upstreams,
                       "STATIC_ROOT": str(PROJECT_ROOT / "pwa" / "static"),
                       "PWA_ROOT": str(PROJECT_ROOT / "pwa")}.items():
        site = site.replace(f"@@{key}@@", value)
    (prefix / "site.conf").write_text(site)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    user = ""
    if os.geteuid() == 0:  # the master may start as root; its workers must not stay root
        user = "user nobody nogroup;"
        os.chmod(prefix, 0o755)
        for path in [prefix / "tmp", *(prefix / "tmp").iterdir()]:
            os.chown(path, 65534, 65534)
    main = (DEPLOY / "nginx" / "nginx.conf.template").read_text()
    main = main.replace("@@PREFIX@@", str(prefix)).replace("@@USER@@", user)
    conf = prefix / "nginx.conf"
    conf.write_text(main)
    return conf


@dataclass
class Proc:
    """One process of the set, with its log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(self.argv, cwd=PROJECT_ROOT, env=self.env,
                                          stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True)

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int) -> None:
        if self.running():
            assert self.popen is not None
            self.popen.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL to the process group (gunicorn's master and its worker), no shutdown."""
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def stop(self, timeout_s: float = 30) -> int | None:
        """SIGTERM, wait (requests under way finish), SIGKILL when it takes too long."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.popen.returncode

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except FileNotFoundError:
            return ""


@dataclass
class ServeSet:
    """The whole production set on loopback; :meth:`start` waits until it is ready."""

    database_url: str
    redis_url: str
    web: int = 2
    port: int = 0
    worker_every_s: float = 30.0
    prefix: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="dispatch-serve-")))
    env: Mapping[str, str] = field(default_factory=dict)
    web_ports: list[int] = field(default_factory=list)
    webs: dict[int, Proc] = field(default_factory=dict)
    worker: Proc | None = None
    nginx: Proc | None = None

    def __post_init__(self) -> None:
        self.port = self.port or free_port()
        self.web_ports = self.web_ports or [free_port() for _ in range(self.web)]
        self.metrics_dir = self.prefix / "metrics"

    @property
    def url(self) -> str:
        """The base URL through nginx."""
        return f"http://127.0.0.1:{self.port}"

    def web_url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}"

    def base_env(self) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
                "DISPATCH_JOBS": "worker", "DISPATCH_LOG_JSON": "1",
                "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir), "PYTHONUNBUFFERED": "1",
                "SESSION_COOKIE_SECURE": "0", "FLASK_APP": "wsgi:app", **self.env}

    def _web_proc(self, port: int) -> Proc:
        env = {**self.base_env(), "PORT": str(port), "HOST": "127.0.0.1",
               "DISPATCH_PROXIES": "1"}
        return Proc(f"web-{port}", [sys.executable, "-m", "gunicorn", "-c",
                                    str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"],
                    env, self.prefix / f"web-{port}.log")

    def _worker_proc(self) -> Proc:
        return Proc("worker", [sys.executable, "-m", "flask", "jobs", "worker", "--every",
                               str(self.worker_every_s)], self.base_env(),
                    self.prefix / "worker.log")

    def start(self, timeout_s: float = 240) -> ServeSet:
        """Start every process and wait until each web process and nginx answer ``/readyz``."""
        shutil.rmtree(self.metrics_dir, ignore_errors=True)
        self.metrics_dir.mkdir(parents=True)
        for port in self.web_ports:
            self.start_web(port, wait=False)
        self.start_worker()
        conf = render_nginx(self.prefix, listen=f"127.0.0.1:{self.port}",
                            web_ports=self.web_ports)
        self.nginx = Proc("nginx", [NGINX, "-p", str(self.prefix), "-c", str(conf),
                                    "-e", str(self.prefix / "error.log")],
                          dict(os.environ), self.prefix / "nginx.out")
        self.nginx.start()
        for port in self.web_ports:
            self.wait_ready(self.web_url(port), self.webs[port], timeout_s)
        self.wait_ready(self.url, self.nginx, 30)
        return self

    def wait_ready(self, base: str, proc: Proc, timeout_s: float = 240) -> None:
        deadline = time.monotonic() + timeout_s
        while _get(f"{base}/readyz") != 200:
            if not proc.running():
                raise RuntimeError(f"{proc.name} exited:\n{proc.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{base}/readyz not ready in {timeout_s} s:\n{proc.tail()}")
            time.sleep(0.2)

    def start_web(self, port: int, *, wait: bool = True) -> None:
        self.webs[port] = proc = self._web_proc(port)
        proc.start()
        if wait:
            self.wait_ready(self.web_url(port), proc)

    def start_worker(self) -> None:
        self.worker = self._worker_proc()
        self.worker.start()

    def stop(self) -> dict[str, int | None]:
        """SIGTERM to every process (nginx first, then the web processes and the worker)."""
        codes: dict[str, int | None] = {}
        if self.nginx is not None:
            codes["nginx"] = self.nginx.stop(10)
        for proc in self.webs.values():
            proc.signal(signal.SIGTERM)
        for port, proc in self.webs.items():
            codes[f"web-{port}"] = proc.stop(40)
        if self.worker is not None:
            codes["worker"] = self.worker.stop(60)
        return codes

    def __enter__(self) -> ServeSet:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` if it does not exist yet."""
    import sqlalchemy as sa

    base, _, name = url.rpartition("/")
    admin = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": name}).scalar()
            if not found:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def _flask(env: Mapping[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", *args], cwd=PROJECT_ROOT, env=dict(env),
                   check=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--web", type=int, default=2, help="web processes")
    ap.add_argument("--port", type=int, default=8080, help="nginx port on 127.0.0.1")
    ap.add_argument("--database-url", default=os.environ.get(
        "DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/dispatch_serve"))
    ap.add_argument("--redis-url", default=os.environ.get("REDIS_URL",
                                                          "redis://127.0.0.1:6379/0"))
    ap.add_argument("--every", type=float, default=30.0, help="seconds between job passes")
    args = ap.parse_args(argv)
    if args.database_url.startswith("postgresql"):
        ensure_database(args.database_url)
    env = {**os.environ, "DATABASE_URL": args.database_url, "FLASK_APP": "wsgi:app"}
    _flask(env, "db", "upgrade")
    _flask(env, "quarters", "sync")
    _flask(env, "demo", "seed")
    serve = ServeSet(args.database_url, args.redis_url, web=args.web, port=args.port,
                     worker_every_s=args.every)
    print(f"starting {args.web} web processes on {serve.web_ports}, the job worker and nginx "
          f"(logs in {serve.prefix})", flush=True)
    stop = [False]

    def _stop(*_: object) -> None:
        stop[0] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    serve.start()
    print(f"ready: {serve.url} (Ctrl-C stops the set)", flush=True)
    try:
        while not stop[0]:
            for proc in [*serve.webs.values(), serve.worker, serve.nginx]:
                if proc is not None and not proc.running():
                    print(f"{proc.name} exited:\n{proc.tail()}", file=sys.stderr)
                    stop[0] = True
            time.sleep(0.5)
    finally:
        print(f"stopping: {serve.stop()}", flush=True)


if __name__ == "__main__":
    main()
