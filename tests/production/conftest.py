"""The production set for these tests: 2 gunicorn web processes, the job worker and nginx, on
a fresh PostgreSQL database and a Redis server of their own (which a test may restart)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from dispatch.deploy.serve import NGINX
from dispatch.deploy.serve import ServeSet
from dispatch.settings import PROJECT_ROOT
from tests.conftest import fresh_pg_database
from tests.conftest import make_app
from tests.live import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@dataclass
class RedisServer:
    """``redis-server`` on a free loopback port, without persistence; restartable."""

    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=(self.workdir / "redis.log").open("ab"), stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(free_port(), tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def prod_database_url() -> Iterator[str]:
    """A PostgreSQL database of this module's own, dropped afterwards."""
    with fresh_pg_database("dispatch_prod") as url:
        yield url


def _fast_config(target: Path) -> Path:
    """A copy of config/ with a short background re-plan (the passes stay short)."""
    shutil.copytree(PROJECT_ROOT / "config", target)
    service = target / "service.toml"
    text = re.sub(r"(?m)^replan_seconds = .*$", "replan_seconds = 0.5", service.read_text())
    service.write_text(text)
    return target


@dataclass
class Prod:
    """The running set, the app (for direct database reads) and who takes part."""

    serve: ServeSet
    app: Any
    pop: Any
    redis: RedisServer


@pytest.fixture(scope="module")
def prod(prod_database_url: str, redis_server: RedisServer,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prod]:
    import sys

    if not Path(NGINX).exists():
        pytest.fail(f"nginx missing at {NGINX}: run scripts/ensure_nginx.sh (make test does)")
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    from load import populate

    app = make_app(prod_database_url)
    pop = populate(app, coordinators=2, volunteers=12, residents=8, days=3)
    tmp = tmp_path_factory.mktemp("serve")
    config = _fast_config(tmp / "config")
    serve = ServeSet(prod_database_url, redis_server.url, web=2, worker_every_s=3600,
                     prefix=tmp / "set",
                     env={"SECRET_KEY": "prod-test-secret", "DISPATCH_CONFIG_DIR": str(config),
                          "GUNICORN_GRACEFUL_TIMEOUT": "5",
                          "DISPATCH_SOCKETIO_CHANNEL": f"prod-test-{uuid.uuid4().hex[:8]}"})
    (tmp / "set").mkdir()
    serve.start()
    try:
        yield Prod(serve, app, pop, redis_server)
    finally:
        serve.stop()
