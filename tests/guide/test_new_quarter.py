"""docs/NEW_QUARTER.md, followed step by step for a quarter the code has never seen.

The page's ``# file:`` blocks are written where they say and its ``sh`` blocks run from top to
bottom, with the guide's directory replaced by a temporary one and ``DATABASE_URL`` by a fresh
SQLite or PostgreSQL database: ``flask`` commands go to the same click commands in this process
(an app made from the exported settings), ``python wsgi.py`` starts a real server, anything
else runs in bash. Then the office records a volunteer and a resident, the resident books and
the offer reaches the volunteer's socket. Edit the guide and this test follows the edit.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.cli import FlaskGroup

from dispatch import create_app
from dispatch.settings import PROJECT_ROOT
from tests.conftest import fresh_pg_database
from tests.live import LiveClient
from tests.live import LiveServer
from tests.live import Session
from tests.live import free_port
from tests.quarter import tomorrow_at

pytestmark = pytest.mark.scenario

GUIDE = PROJECT_ROOT / "docs" / "NEW_QUARTER.md"
TOWN = "/srv/dispatch-innenstadt"  # the guide's directory, replaced by a temporary one
PASSWORD = "ein-langes-passwort-fuer-den-test"
#: exported settings the app takes as overrides in this process
OVERRIDES = {"DISPATCH_CONFIG_DIR": "CONFIG_DIR", "DATABASE_URL": "DATABASE_URL",
             "SECRET_KEY": "SECRET_KEY", "REDIS_URL": "REDIS_URL"}


def blocks(text: str) -> list[tuple[str, str]]:
    """(info string, body) of every fenced code block, in order."""
    return [(m[1], m[2]) for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)]


def commands(body: str) -> list[str]:
    """The commands of an ``sh`` block (comments dropped, continued lines joined)."""
    out = []
    for line in body.replace("\\\n", " ").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@dataclass
class Guide:
    """The guide with the directory replaced, and what following it has produced so far."""

    town: Path
    database_url: str
    env: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return GUIDE.read_text(encoding="utf-8").replace(TOWN, str(self.town))

    def files(self) -> list[Path]:
        """Write every ``# file:`` block where it says."""
        written = []
        for _, body in blocks(self.text):
            first, _, rest = body.partition("\n")
            if first.startswith("# file: "):
                path = Path(first.removeprefix("# file: ").strip())
                assert path.is_relative_to(self.town), path
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(rest, encoding="utf-8")
                written.append(path)
        return written

    def steps(self) -> list[str]:
        return [c for info, body in blocks(self.text) if info == "sh" for c in commands(body)]

    def app(self) -> Any:
        overrides = {OVERRIDES[k]: v for k, v in self.env.items() if k in OVERRIDES}
        return create_app({"TESTING": True, "SECRET_KEY": "guide-test-secret", **overrides})

    def run(self, cmd: str) -> str:
        """One step of the guide; returns what it printed."""
        if cmd.startswith("export "):
            name, _, value = cmd.removeprefix("export ").partition("=")
            value = shlex.split(value)[0]
            self.env[name] = self.database_url if name == "DATABASE_URL" else value
            return ""
        argv = shlex.split(cmd)
        if argv[0] == "flask":
            app = self.app()
            before = os.environ.get("FLASK_RUN_FROM_CLI")
            try:
                res = app.test_cli_runner().invoke(cli=FlaskGroup(create_app=lambda: app),
                                                   args=argv[1:],
                                                   env={"DISPATCH_PASSWORD": PASSWORD})
            finally:  # FlaskGroup sets it for good; a server started later would not run
                os.environ.pop("FLASK_RUN_FROM_CLI", None)
                if before is not None:
                    os.environ["FLASK_RUN_FROM_CLI"] = before
            assert res.exit_code == 0, f"{cmd}\n{res.output}\n{res.exception!r}"
            return res.output
        proc = subprocess.run(["bash", "-ec", cmd], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, env={**os.environ, **self.env}, timeout=120)
        assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    def follow(self, *, until: str | None = None, start: str | None = None) -> None:
        """Run the steps from the first starting with ``start`` up to (without) ``until``;
        ``python wsgi.py`` is left to :meth:`server`."""
        steps = self.steps()
        begin = next(i for i, c in enumerate(steps) if c.startswith(start)) if start else 0
        for cmd in steps[begin:]:
            if until and cmd.startswith(until):
                return
            if cmd == "python wsgi.py":
                continue
            self.outputs[cmd] = self.run(cmd)

    def server(self, log: Path) -> LiveServer:
        assert "python wsgi.py" in self.steps()
        env = {**os.environ, **self.env, "PORT": str(free_port()), "PYTHONUNBUFFERED": "1",
               "SECRET_KEY": "guide-test-secret", "DISPATCH_BACKGROUND": "0", "REDIS_URL": ""}
        return LiveServer(env, log)


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Guide:
    """Steps 1 to 4 of the guide (files, extract, graph), once for both databases."""
    guide = Guide(tmp_path_factory.mktemp("town"), "sqlite://")
    written = guide.files()
    assert [p.name for p in written] == ["service.toml", "innenstadt.toml"]
    guide.follow(until="flask db ")
    return guide


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database: nothing migrated, no quarters."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'innenstadt.sqlite3'}"
        return
    with fresh_pg_database("dispatch_guide") as url:
        yield url


def test_the_graph_steps_show_the_new_quarter(town: Guide) -> None:
    out = town.outputs
    assert "innenstadt" in out["flask graph info"]
    drive = re.search(r"^drive:\s+(\d+) nodes", out["flask graph info"], re.M)
    assert drive is not None
    assert int(drive[1]) > 300, out["flask graph info"]
    # no house numbers in the 2017 extract: the street itself is found, inside the quarter
    found = out['flask address search "Kampstraße"']
    assert re.search(r"^Kampstraße\s+street\s.*innenstadt", found, re.M), found
    route = out['flask graph route "Kampstraße" "Ostwall"']
    minutes = float(re.search(r"drive: ([\d.]+) min", route)[1])  # type: ignore[index]
    assert 0.5 < minutes < 15, route
    # the cache lives in the town's directory, named by the fingerprint
    assert len(list((town.town / "osm_cache").glob("network-*.npz"))) == 1


def test_a_booking_in_the_new_quarter_reaches_a_volunteer(town: Guide, fresh_database: str,
                                                          tmp_path: Path) -> None:
    guide = Guide(town.town, fresh_database, env=dict(town.env))
    guide.env["DATABASE_URL"] = fresh_database
    guide.follow(start="flask db ")
    assert "created" in guide.outputs[next(c for c in guide.outputs if "--role coordinator" in c)]
    coordinator = re.search(r"--email (\S+)", next(
        c for c in guide.steps() if "--role coordinator" in c))[1]  # type: ignore[index]
    server = guide.server(tmp_path / "server.log")
    server.start()
    try:
        _first_day(server.url, coordinator)
    finally:
        server.stop()


def _place(office: Session, text: str) -> dict[str, Any]:
    """The first hit of the address search, as the board's address field takes it."""
    res = office.get(f"/api/v1/addresses?q={text}")
    assert res.status_code == 200, res.text
    hit = res.json()["results"][0]
    return {"address": hit["label"], "lat": hit["lat"], "lon": hit["lon"]}


def _first_day(base: str, coordinator: str) -> None:
    office = Session(base)
    assert office.login(coordinator, PASSWORD)["quarter"] == "innenstadt"
    config = office.get("/api/v1/config").json()
    assert [q["slug"] for q in config["quarters"]] == ["innenstadt"]
    home = _place(office, "Kampstraße")
    surgery = _place(office, "Ostwall")
    volunteer = {"first_name": "Vera", "last_name": "Test", "email": "vera@innenstadt.example",
                 "password": PASSWORD, "home": _place(office, "Olpe"),
                 "languages": ["de", "tr"], "vehicle_seats": 3,
                 "vetted_until": (date.today() + timedelta(days=365)).isoformat()}
    res = office.post("/api/v1/volunteers", volunteer)
    assert res.status_code == 201, res.text
    vera = Session(base)
    vera.login(volunteer["email"], PASSWORD)
    res = vera.post("/api/v1/me/shifts", {"starts_at": tomorrow_at(7).isoformat(),
                                          "ends_at": tomorrow_at(14).isoformat()})
    assert res.status_code == 201, res.text
    phone = LiveClient(vera).connect()
    phone.wait_for("snapshot")
    res = office.post("/api/v1/residents", {"first_name": "Hilde", "last_name": "Test",
                                            "home": home, "languages": ["de"]})
    assert res.status_code == 201, res.text
    resident_id = res.json()["person"]["id"]
    code = office.post(f"/api/v1/residents/{resident_id}/login-code").json()["code"]
    hilde = Session(base)
    hilde.login_code(code)
    res = hilde.post("/api/v1/requests", {"kind": "ride", "pickup": home, "dropoff": surgery,
                                          "time": tomorrow_at(9).isoformat()})
    assert res.status_code == 201, res.text
    req = res.json()["request"]
    assert req["state"] == "offered", req
    offer = phone.wait_for("offer.created", lambda d: d["offer"]["request"]["id"] == req["id"],
                           timeout=60)["offer"]
    res = vera.post(f"/api/v1/offers/{offer['id']}/accept")
    assert res.status_code == 200, res.text
    board = office.get("/api/v1/board").json()
    assert [s["request_id"] for t in board["trips"] for s in t["stops"]] == [req["id"]] * 2
    phone.close()
