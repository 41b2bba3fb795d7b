"""``flask graph build|info|route`` and ``flask address search`` on the real network."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from dispatch.cli_routing import register_routing_cli
from dispatch.routing import StreetNetwork
from dispatch.settings import PROJECT_ROOT
from dispatch.settings import Settings


@pytest.fixture
def app(settings: Settings, net: StreetNetwork) -> Flask:
    app = Flask("routing-cli-test")
    app.config["SETTINGS"] = settings
    app.config["PROJECT_ROOT"] = PROJECT_ROOT
    register_routing_cli(app)
    return app


def test_graph_build_and_info(app: Flask) -> None:
    runner = app.test_cli_runner()
    out = runner.invoke(args=["graph", "build"])
    assert out.exit_code == 0, out.output
    assert "loaded from cache" in out.output
    assert "drive:" in out.output
    info = runner.invoke(args=["graph", "info", "--json"])
    assert info.exit_code == 0, info.output
    st = json.loads(info.output)
    assert st["drive"]["nodes"] > 10_000
    assert st["source"].endswith(".osm.bz2")


def test_graph_route_between_addresses(app: Flask) -> None:
    out = app.test_cli_runner().invoke(
        args=["graph", "route", "Martener Straße 292", "Evinger Str 209"])
    assert out.exit_code == 0, out.output
    assert "Martener Straße 292" in out.output
    assert "Evinger Straße 209" in out.output
    assert " min, " in out.output
    assert "Evinger Straße" in out.output.splitlines()[-1]


def test_graph_route_unknown_address_fails_clearly(app: Flask) -> None:
    out = app.test_cli_runner().invoke(args=["graph", "route", "Xqzvwy Plonk", "Evinger Str 209"])
    assert out.exit_code != 0
    assert "Xqzvwy Plonk" in out.output


def test_address_search(app: Flask) -> None:
    out = app.test_cli_runner().invoke(args=["address", "search", "ardey apoteke", "--json"])
    assert out.exit_code == 0, out.output
    hits = json.loads(out.output)
    assert hits[0]["label"] == "Ardey-Apotheke"
    assert hits[0]["quarter"] == "marten"
    text = app.test_cli_runner().invoke(args=["address", "search", "Evinger Str 209"])
    assert text.output.splitlines()[0].startswith("Evinger Straße 209")
