"""Shared fixtures: the app on SQLite and on PostgreSQL, a client, factories of real rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from dispatch import create_app
from dispatch.extensions import db
from tests.scheduling import FilesLongestFirst
from tests.scheduling import longest_first


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest files first (:mod:`tests.scheduling`)."""
    longest_first(items)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile``: whole files, longest first, browser files together."""
    return FilesLongestFirst(config, log) if config.getvalue("dist") == "loadfile" else None


PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        eng = sa.create_engine(PG_ADMIN_URL)
        with eng.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        eng.dispose()
    except Exception as exc:  # noqa: BLE001 - the reason is reported
        return f"{type(exc).__name__}: {exc}"
    return None


@contextmanager
def fresh_pg_database(prefix: str = "dispatch_test") -> Iterator[str]:
    """A new, empty PostgreSQL database named ``prefix_<random>``, dropped afterwards (skips
    the test when PostgreSQL does not answer, fails in CI)."""
    problem = _pg_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must answer on 127.0.0.1:5432 in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = :n"), {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "dispatch.sqlite3"
    return f"sqlite:///{path}"


def _upgrade(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


_migrated: set[str] = set()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test on SQLite and on PostgreSQL."""
    name = "sqlite_database_url" if request.param == "sqlite" else "pg_database_url"
    return str(request.getfixturevalue(name))


def make_app(database_url: str) -> Flask:
    """The app on a migrated database (migrations run once per database and session)."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url,
                      "SECRET_KEY": "test-secret", "REDIS_URL": ""})
    if database_url not in _migrated:
        _upgrade(app)
        _migrated.add(database_url)
    with app.app_context():
        from dispatch.services.quarters import sync_quarters

        sync_quarters(app.config["SETTINGS"])
        db.session.commit()
    return app


def empty_database(app: Flask) -> None:
    """Delete every row but the quarters."""
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name != "quarters":
                db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app on a migrated database, emptied after each test."""
    app = make_app(database_url)
    yield app
    empty_database(app)


@pytest.fixture
def pg_app(pg_database_url: str) -> Iterator[Flask]:
    """The app on PostgreSQL only."""
    app = make_app(pg_database_url)
    yield app
    empty_database(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def street_network() -> Any:
    """The real Marten/Eving street network, loaded (or built once) for the session."""
    from dispatch.services.network import get_network
    from dispatch.settings import load_settings

    return get_network(load_settings())


@pytest.fixture
def quarter(app: Flask, street_network: Any) -> Any:
    """A small Eving quarter on the real street network (see :mod:`tests.quarter`)."""
    from tests.quarter import make_quarter

    return make_quarter(app)
