"""The real Marten/Eving network: streets present, connectivity, routes, snapping, GeoJSON."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from dispatch.routing import GraphSourceError
from dispatch.routing import OutsideServiceArea
from dispatch.routing import StreetNetwork
from dispatch.routing import load_network
from dispatch.routing.build import check_online
from dispatch.routing.build import download_polygon
from dispatch.settings import Settings

STREETS = [
    # Eving
    "Evinger Straße", "Deutsche Straße", "Bergstraße", "Brechtener Straße",
    "Kemminghauser Straße",
    # Marten
    "Martener Straße", "Steinhammerstraße", "Schulte-Heuthaus-Straße", "Germaniastraße",
]


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_named_streets_of_both_quarters_are_present(net: StreetNetwork, mode: str) -> None:
    names = net.street_names(mode=mode)
    missing = [s for s in STREETS if s not in names]
    assert not missing
    assert "Meylantstraße" not in names  # Asseln lies outside the extract


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_graph_is_one_strongly_connected_component(net: StreetNetwork, mode: str) -> None:
    n_comp, _ = connected_components(net.mode(mode).csr, directed=True, connection="strong")
    assert n_comp == 1
    assert net.mode(mode).graph.n_nodes > (10_000 if mode == "drive" else 30_000)


def test_walk_edges_use_the_configured_walking_speed(net: StreetNetwork,
                                                     settings: Settings) -> None:
    g = net.walk.graph
    speed_ms = settings.routing.walking_speed_kmh / 3.6
    long_edges = g.length_m > 1.0
    np.testing.assert_allclose(g.travel_time_s[long_edges], g.length_m[long_edges] / speed_ms,
                               rtol=1e-9)


def test_marten_to_eving_drive_route(net: StreetNetwork) -> None:
    r = net.route_geometry((51.513, 7.392), (51.548, 7.465), mode="drive")
    assert 8_000 < r.length_m < 14_000
    assert 8 * 60 < r.travel_time_s < 20 * 60
    assert "Evinger Straße" in r.streets
    # the polyline starts and ends at the snapped nodes and its time equals the matrix entry
    start, end = net.snap(51.513, 7.392), net.snap(51.548, 7.465)
    assert r.coords[0] == (start.lat, start.lon)
    assert r.coords[-1] == pytest.approx((end.lat, end.lon), abs=1e-6)
    t = net.travel_time_s((51.513, 7.392), (51.548, 7.465))
    assert r.travel_time_s == pytest.approx(t, abs=0.01)
    lats = np.array([c[0] for c in r.coords])
    assert lats.min() > 51.50
    assert lats.max() < 51.56


def test_walking_is_slower_than_driving_between_the_offices(net: StreetNetwork,
                                                           settings: Settings) -> None:
    offices = [(q.office.lat, q.office.lon) for q in settings.quarters]
    drive = net.travel_time_matrix(offices, mode="drive")
    walk = net.travel_time_matrix(offices, mode="walk")
    assert np.all(np.diag(drive) == 0)
    assert np.all(np.diag(walk) == 0)
    assert walk[0, 1] > 3 * drive[0, 1]
    # about 3.5 km/h over a path at least as long as the straight line (~7 km)
    assert 1.5 * 3600 < walk[0, 1] < 3.5 * 3600


def test_city_centre_destination_is_reachable(net: StreetNetwork) -> None:
    # Dortmund city centre (Westenhellweg area), south-east of both quarters
    marten_home, centre = (51.5093, 7.3864), (51.5140, 7.4640)
    t = net.travel_time_matrix([marten_home, centre], mode="drive")
    assert np.isfinite(t).all()
    assert 5 * 60 < t[0, 1] < 25 * 60


def test_point_outside_the_area_is_refused_naming_it(net: StreetNetwork) -> None:
    with pytest.raises(OutsideServiceArea) as info:
        net.travel_time_matrix([(51.5093, 7.3864), (51.30, 7.10)], labels=["office", "Frau K."])
    msg = str(info.value)
    assert "Frau K." in msg
    assert "51.300000" in msg
    assert "7.100000" in msg
    assert info.value.distance_m > 300
    with pytest.raises(OutsideServiceArea, match="point"):
        net.snap(51.0, 7.0)


def test_point_beside_a_street_snaps_to_a_near_node(net: StreetNetwork) -> None:
    s = net.snap(51.55051, 7.46352, label="Evinger Straße 209")
    assert s.distance_m < 40
    assert abs(s.lat - 51.55051) < 0.003
    assert abs(s.lon - 7.46352) < 0.004
    # snapped node ids are accepted as points
    t = net.travel_time_matrix([s.node, (51.55051, 7.46352)])
    assert t[0, 1] == 0.0


def test_quarter_of(net: StreetNetwork, settings: Settings) -> None:
    for q in settings.quarters:
        assert net.quarter_of(q.office.lat, q.office.lon) == q.slug
    assert net.quarter_of(51.514, 7.464) is None  # city centre


def test_street_geojson(net: StreetNetwork) -> None:
    gj = net.street_geojson(mode="drive")
    assert gj["type"] == "FeatureCollection"
    feats = gj["features"]
    assert len(feats) > 5_000
    names = {f["properties"]["name"] for f in feats}
    assert {"Evinger Straße", "Martener Straße"} <= names
    xy = np.array([c for f in feats for c in f["geometry"]["coordinates"]])
    assert xy[:, 0].min() > 7.3
    assert xy[:, 0].max() < 7.6
    assert xy[:, 1].min() > 51.45
    assert xy[:, 1].max() < 51.62
    small = net.street_geojson(mode="drive", bbox=(51.545, 7.46, 51.552, 7.47))
    assert 0 < len(small["features"]) < len(feats) // 10


def test_status(net: StreetNetwork) -> None:
    st = net.status()
    assert st["drive"]["nodes"] == net.drive.graph.n_nodes
    assert st["source"].endswith("dortmund_marten_eving_omt2020_derived.osm.bz2")
    assert st["built_at"]
    assert len(st["fingerprint"]) == 64


def test_download_polygon_covers_the_quarters_with_a_margin(settings: Settings) -> None:
    from shapely.geometry import Point

    poly = download_polygon(settings.quarters, buffer_m=3000)
    for q in settings.quarters:
        assert poly.contains(Point(q.office.lon, q.office.lat))
    # 3 km north of Eving's box (51.565 N) is inside, 5 km is not
    assert poly.contains(Point(7.47, 51.565 + 2.5 / 111.32))
    assert not poly.contains(Point(7.47, 51.565 + 3.5 / 111.32))


def test_prepare_builds_the_lazy_parts(net: StreetNetwork) -> None:
    assert net.prepare() is net
    assert net.drive._snapper is not None
    assert net.walk._snapper is not None
    assert len(net.addresses) > 40_000


def test_without_a_street_file_the_download_is_refused_clearly_offline(
    settings: Settings, tmp_path: Path
) -> None:
    """The download path is real code; offline it must fail at once and say what to set."""
    cfg = dataclasses.replace(settings.routing, osm_file=None, cache_dir=tmp_path)
    try:
        check_online(timeout_s=3)
    except GraphSourceError:
        with pytest.raises(GraphSourceError, match="DISPATCH_OSM_FILE"):
            load_network(cfg, settings.quarters, progress=False)
        assert not list(tmp_path.glob("*.npz"))
        return
    pytest.skip("online: the test suite does not download the quarters")
