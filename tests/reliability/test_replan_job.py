"""The re-plan job on PostgreSQL: one process plans at a time, its lock can never be left
behind, and a pass killed mid-solve does not stop the next one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from dispatch.jobs.replan import ADVISORY_KEY
from dispatch.settings import PROJECT_ROOT
from tests.quarter import make_quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at

pytestmark = [pytest.mark.reliability, pytest.mark.postgres]


def _job(database_url: str, seconds: float) -> subprocess.Popen[str]:
    """``flask jobs pass`` in a process of its own."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "job-test",
           "REDIS_URL": "", "FLASK_APP": "wsgi:app"}
    return subprocess.Popen([sys.executable, "-m", "flask", "jobs", "pass", "--seconds",
                             str(seconds)], cwd=PROJECT_ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _advisory_locks(database_url: str) -> int:
    eng = sa.create_engine(database_url)
    try:
        with eng.connect() as conn:
            return int(conn.execute(sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :k "
                "AND database = (SELECT oid FROM pg_database WHERE datname = "
                "current_database())"),  # other test runs may hold it in their databases
                {"k": ADVISORY_KEY}).scalar_one())
    finally:
        eng.dispose()


def _wait_for_lock(database_url: str, proc: subprocess.Popen[str], held: bool,
                   timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while (_advisory_locks(database_url) > 0) != held:
        assert proc.poll() is None or not held, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, f"advisory lock held={held} not seen in time"
        time.sleep(0.1)


def _result(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture
def open_day(pg_app: Flask, pg_database_url: str, street_network: Any) -> str:
    """Three rides tomorrow waiting in the plans (so a pass has a day to re-plan)."""
    quarter = make_quarter(pg_app)
    resident = quarter.resident(0)
    for hour in (8, 9, 10):
        assert resident.post("/api/v1/requests", ride(tomorrow_at(hour))).status_code == 201
    return pg_database_url


def test_two_job_processes_one_plans_the_other_skips_and_no_lock_stays(open_day: str) -> None:
    first = _job(open_day, seconds=40)  # a loaded machine starts the second slowly
    _wait_for_lock(open_day, first, held=True)
    second = _job(open_day, seconds=1)
    skipped = _result(second)
    assert first.poll() is None, "the first pass ended before the second asked for the lock"
    planned = _result(first)
    assert (skipped["skipped"], skipped["days"]) == (1, 0), (skipped, planned)
    assert (planned["skipped"], planned["days"]) == (0, 1)
    assert _advisory_locks(open_day) == 0


def test_a_pass_killed_mid_solve_leaves_no_lock_and_the_next_pass_runs(open_day: str) -> None:
    doomed = _job(open_day, seconds=60)
    _wait_for_lock(open_day, doomed, held=True)
    time.sleep(1.0)  # well inside the solve
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    _wait_for_lock(open_day, doomed, held=False, timeout_s=20)
    after = _result(_job(open_day, seconds=1))
    assert (after["skipped"], after["days"]) == (0, 1)
    assert _advisory_locks(open_day) == 0


def test_the_job_worker_expires_offers_and_stops_cleanly_on_sigterm(open_day: str) -> None:
    """``flask jobs worker``: an offer past its time passes to the next volunteer; SIGTERM
    ends the worker after the pass under way."""
    eng = sa.create_engine(open_day)
    with eng.begin() as conn:
        first = conn.execute(sa.text("SELECT id, volunteer_id FROM offers ORDER BY id")).first()
        conn.execute(sa.text("UPDATE offers SET expires_at = :t WHERE id = :i"),
                     {"t": "2000-01-01 00:00:00", "i": first.id})
    env = {**os.environ, "DATABASE_URL": open_day, "SECRET_KEY": "job-test", "REDIS_URL": "",
           "FLASK_APP": "wsgi:app"}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker", "--every", "1"],
                              cwd=PROJECT_ROOT, env=env, text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            with eng.connect() as conn:
                state = conn.execute(sa.text("SELECT state FROM offers WHERE id = :i"),
                                     {"i": first.id}).scalar_one()
                newer = conn.execute(sa.text(
                    "SELECT volunteer_id FROM offers WHERE id > :i AND request_id = "
                    "(SELECT request_id FROM offers WHERE id = :i) AND state = 'open'"),
                    {"i": first.id}).scalars().all()
            if state == "expired" and newer:
                break
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline, f"offer still {state}"
            time.sleep(0.2)
        assert first.volunteer_id not in newer
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=60)
        eng.dispose()
    assert worker.returncode == 0, err
    assert out.strip().splitlines()[-1] == "job worker stopped"
    assert _advisory_locks(open_day) == 0
