"""The osm_cache: fast loads, and a changed source or setting is never served stale."""

from __future__ import annotations

import bz2
import dataclasses
import time
from pathlib import Path

import pytest

from dispatch.routing import load_network
from dispatch.routing.cache import CACHE_VERSION
from dispatch.settings import RoutingConfig
from dispatch.settings import Settings


def test_cached_load_is_much_faster_than_building(settings: Settings) -> None:
    """Loading from the cache is measured against the build on the same machine (the seconds
    themselves are in ``benchmarks/routing.py``)."""
    load_network(settings.routing, settings.quarters, progress=False)  # built (once) if missing
    t0 = time.perf_counter()
    net = load_network(settings.routing, settings.quarters, progress=False)
    elapsed = time.perf_counter() - t0
    assert net.status()["from_cache"] is True
    assert net.status()["build_s"] > 5 * elapsed  # building took far longer than loading


def _network_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("network-*.npz"))


def test_changed_source_file_invalidates_the_cache(innenstadt_routing: RoutingConfig,
                                                   settings: Settings) -> None:
    cfg = innenstadt_routing
    first = load_network(cfg, settings.quarters, progress=False)
    assert first.status()["from_cache"] is False
    again = load_network(cfg, settings.quarters, progress=False)
    assert again.status()["from_cache"] is True
    assert again.status()["fingerprint"] == first.status()["fingerprint"]
    # edit the street file: every maxspeed=50 becomes 30
    assert cfg.osm_file is not None
    xml = bz2.decompress(cfg.osm_file.read_bytes())
    assert b'k="maxspeed" v="50"' in xml
    cfg.osm_file.write_bytes(bz2.compress(xml.replace(b'k="maxspeed" v="50"',
                                                      b'k="maxspeed" v="30"')))
    changed = load_network(cfg, settings.quarters, progress=False)
    st = changed.status()
    assert st["from_cache"] is False
    assert st["fingerprint"] != first.status()["fingerprint"]
    assert _network_files(cfg.cache_dir) == [Path(st["cache_file"])]  # stale file removed
    # and the new data is really used: slower roads, longer trips
    pts = [(51.5090, 7.4560), (51.5170, 7.4780)]
    assert changed.travel_time_s(*pts) > first.travel_time_s(*pts) * 1.1


def test_changed_settings_invalidate_the_cache(innenstadt_routing: RoutingConfig,
                                               settings: Settings) -> None:
    first = load_network(innenstadt_routing, settings.quarters, progress=False)
    slower = dataclasses.replace(innenstadt_routing, walking_speed_kmh=2.5)
    second = load_network(slower, settings.quarters, progress=False)
    assert second.status()["from_cache"] is False
    pts = [(51.5090, 7.4560), (51.5170, 7.4780)]
    ratio = second.travel_time_s(*pts, mode="walk") / first.travel_time_s(*pts, mode="walk")
    assert ratio == pytest.approx(3.5 / 2.5, rel=1e-6)
    speeds = dict(innenstadt_routing.speeds_kmh, residential=20.0)
    third = load_network(dataclasses.replace(slower, speeds_kmh=speeds), settings.quarters,
                         progress=False)
    assert third.status()["from_cache"] is False
    assert third.meta["parts"]["version"] == CACHE_VERSION
    assert third.meta["parts"]["speeds_kmh"]["residential"] == 20.0


def test_corrupt_cache_file_is_rebuilt(innenstadt_routing: RoutingConfig,
                                       settings: Settings) -> None:
    first = load_network(innenstadt_routing, settings.quarters, progress=False)
    path = Path(first.status()["cache_file"])
    path.write_bytes(b"not a cache")
    again = load_network(innenstadt_routing, settings.quarters, progress=False)
    assert again.status()["from_cache"] is False
    assert again.drive.graph.n_nodes == first.drive.graph.n_nodes


def test_building_shows_a_progress_bar(innenstadt_routing: RoutingConfig, settings: Settings,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    load_network(innenstadt_routing, settings.quarters, progress=True)
    err = capsys.readouterr().err
    assert "building street network" in err
    assert "7/7" in err
    load_network(innenstadt_routing, settings.quarters, progress=True)  # from cache: no bar
    assert "building street network" not in capsys.readouterr().err


def test_missing_address_file_triggers_a_rebuild(innenstadt_routing: RoutingConfig,
                                                 settings: Settings) -> None:
    load_network(innenstadt_routing, settings.quarters, progress=False)
    for p in innenstadt_routing.cache_dir.glob("addresses-*.npz"):
        p.unlink()
    again = load_network(innenstadt_routing, settings.quarters, progress=False)
    assert again.status()["from_cache"] is False
    assert list(innenstadt_routing.cache_dir.glob("addresses-*.npz"))
