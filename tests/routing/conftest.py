"""Fixtures of the routing tests: the real Marten/Eving network, built once per session.

The network is loaded through the normal path, so the project's ``osm_cache/`` is reused
across runs (a cold cache, as on a fresh clone, is built here once).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import networkx as nx
import pytest

from dispatch.routing import StreetNetwork
from dispatch.routing import load_network
from dispatch.routing.build import mode_graph
from dispatch.routing.build import read_raw_graph
from dispatch.settings import PROJECT_ROOT
from dispatch.settings import RoutingConfig
from dispatch.settings import Settings
from dispatch.settings import load_settings

SHARED_OSM = (PROJECT_ROOT.parent / "shared" / "osm").resolve()
INNENSTADT = SHARED_OSM / "dortmund_innenstadt_osm2017_limosim.osm.bz2"


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The project's own configuration (``config/``), without environment overrides."""
    s = load_settings(PROJECT_ROOT, env={})
    if s.routing.osm_file is None or not s.routing.osm_file.is_file():
        pytest.fail(f"the OSM extract is missing: {s.routing.osm_file}")
    return s


@pytest.fixture(scope="session")
def net(settings: Settings) -> StreetNetwork:
    """The real network of both quarters (cache in the project's ``osm_cache/``)."""
    return load_network(settings.routing, settings.quarters, progress=False)


@pytest.fixture(scope="session")
def osmnx_drive(settings: Settings) -> nx.MultiDiGraph:
    """OSMnx's own drive graph of the extract, independent of our arrays and cache."""
    assert settings.routing.osm_file is not None
    raw = read_raw_graph(settings.routing.osm_file)
    return mode_graph(
        raw,
        "drive",
        speeds_kmh=dict(settings.routing.speeds_kmh),
        fallback_speed_kmh=settings.routing.fallback_speed_kmh,
        walking_speed_kmh=settings.routing.walking_speed_kmh,
    )


@pytest.fixture
def innenstadt_routing(tmp_path: Path, settings: Settings) -> RoutingConfig:
    """Routing settings on a private copy of the small real-OSM city-centre file."""
    src = tmp_path / "innenstadt.osm.bz2"
    shutil.copyfile(INNENSTADT, src)
    return dataclasses.replace(
        settings.routing, osm_file=src, pois_file=None, cache_dir=tmp_path / "cache"
    )
