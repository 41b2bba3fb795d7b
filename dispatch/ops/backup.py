"""Consistent backups while the service runs: SQLite's online backup API, ``pg_dump``."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


def sqlite_path(database_url: str) -> Path:
    """The file of a ``sqlite:///...`` URL."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        msg = f"not a SQLite file URL: {database_url}"
        raise ValueError(msg)
    return Path(url.database)


def backup_sqlite(database_url: str, dest: Path, *, pages_per_step: int = 256) -> int:
    """Copy the live database to ``dest`` with SQLite's online backup API: a snapshot as of
    one moment, taken in steps so writers wait only briefly; returns the pages copied."""
    src = sqlite3.connect(sqlite_path(database_url), timeout=30)
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    out = sqlite3.connect(tmp)
    try:
        src.backup(out, pages=pages_per_step, sleep=0.005)
        pages = int(out.execute("PRAGMA page_count").fetchone()[0])
        ok = out.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            msg = f"backup failed its integrity check: {ok}"
            raise RuntimeError(msg)
    finally:
        out.close()
        src.close()
    os.replace(tmp, dest)
    return pages


def pg_args(database_url: str) -> tuple[list[str], dict[str, str]]:
    """Connection options of ``pg_dump``/``pg_restore`` for a URL (password in PGPASSWORD)."""
    url = make_url(database_url)
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
            "-U", url.username or "postgres"]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def backup_postgresql(database_url: str, dest: Path) -> None:
    """``pg_dump -Fc``: one consistent snapshot (a single repeatable-read transaction)."""
    args, env = pg_args(database_url)
    name = make_url(database_url).database or ""
    subprocess.run(["pg_dump", *args, "-Fc", "-f", str(dest), name], check=True, env=env)


def backup(database_url: str, dest: Path) -> str:
    """Back up whichever database the URL names; returns a line for the operator."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if database_url.startswith("sqlite"):
        pages = backup_sqlite(database_url, dest)
        return f"SQLite backup: {dest} ({pages} pages, integrity ok)"
    backup_postgresql(database_url, dest)
    return f"PostgreSQL backup (pg_dump custom format): {dest}; restore with pg_restore"
