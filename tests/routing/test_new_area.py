"""A further area set up from files alone: Dortmund's city centre on real OSM tags."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dispatch.routing import OutsideServiceArea
from dispatch.routing import load_network
from dispatch.routing.build import read_raw_graph
from dispatch.settings import load_settings

from .conftest import INNENSTADT

SERVICE_TOML = f"""
[service]
walking_speed_kmh = 3.0

[routing]
osm_file = "{INNENSTADT.as_posix()}"
cache_dir = "osm_cache"
snap_max_m = 200
fallback_speed_kmh = 30

[routing.speeds_kmh]
primary = 50
secondary = 50
tertiary = 40
residential = 30
unclassified = 30
"""

QUARTER_TOML = """
slug = "innenstadt"
name = "Innenstadt"
city = "Dortmund"
languages = ["de", "en"]
boundary = [[7.452, 51.508], [7.480, 51.508], [7.480, 51.518], [7.452, 51.518]]

[office]
name = "Quartiersbüro Innenstadt"
address = "Friedensplatz 1, 44135 Dortmund"
lat = 51.5115
lon = 7.4660
"""


def test_city_centre_from_config_files_uses_maxspeed(tmp_path: Path) -> None:
    (tmp_path / "config" / "quarters").mkdir(parents=True)
    (tmp_path / "config" / "service.toml").write_text(SERVICE_TOML, encoding="utf-8")
    (tmp_path / "config" / "quarters" / "innenstadt.toml").write_text(QUARTER_TOML,
                                                                      encoding="utf-8")
    s = load_settings(tmp_path, env={})
    assert s.routing.cache_dir == tmp_path / "osm_cache"
    net = load_network(s.routing, s.quarters, progress=False)
    assert net.status()["quarters"] == ["innenstadt"]
    assert net.quarter_of(51.5115, 7.4660) == "innenstadt"
    names = net.street_names()
    assert {"Königswall", "Burgwall", "Ostwall"} & names
    # real OSM says who may use a way: foot=no keeps walkers off streets cars still use
    assert {"Gutenbergstraße", "Hakenstraße", "Splintstraße"} <= names - net.street_names(
        mode="walk")
    # the extract has no house numbers, yet its streets are found (on the middle of the street)
    hit = net.addresses.search("Kampstr")[0]
    assert (hit.label, hit.kind, hit.quarter) == ("Kampstraße", "street", "innenstadt")
    assert net.snap(hit.lat, hit.lon).distance_m < s.routing.snap_max_m  # bookable

    # maxspeed is used: on each unsimplified edge whose maxspeed differs from its class
    # default (tertiary 50 vs 40, residential 50 or 10 vs 30, ...), time = length / maxspeed
    raw = read_raw_graph(INNENSTADT)
    g = net.drive.graph
    index = {int(o): i for i, o in enumerate(g.node_osmid.tolist())}
    checked = 0
    for u, v, d in raw.edges(data=True):
        default = s.routing.speeds_kmh.get(d.get("highway", ""))
        if d.get("maxspeed") is None or default is None or float(d["maxspeed"]) == default:
            continue
        if u not in index or v not in index:
            continue
        a, b = index[u], index[v]
        row = slice(int(g.indptr[a]), int(g.indptr[a + 1]))
        hit = np.flatnonzero(g.indices[row] == b)
        if hit.size == 0:
            continue
        e = row.start + int(hit[0])
        if abs(g.length_m[e] - d["length"]) > 0.01:
            continue  # merged with neighbouring segments
        expected = d["length"] / (float(d["maxspeed"]) / 3.6)
        assert g.travel_time_s[e] == pytest.approx(max(expected, 0.001), rel=1e-6)
        checked += 1
    assert checked >= 10
    # walking speed from this area's service.toml
    w = net.walk.graph
    long_edges = w.length_m > 1
    np.testing.assert_allclose(w.travel_time_s[long_edges], w.length_m[long_edges] / (3.0 / 3.6))
    # the area's own limits: Marten is far outside this extract
    with pytest.raises(OutsideServiceArea, match="Martener"):
        net.travel_time_matrix([(51.5115, 7.4660), (51.50934, 7.38638)],
                               labels=["office", "Martener Straße 292"])
    t = net.travel_time_matrix([(51.5090, 7.4560), (51.5170, 7.4780), (51.5115, 7.4660)])
    assert np.isfinite(t).all()
    assert (t[~np.eye(3, dtype=bool)] > 0).all()


@pytest.mark.parametrize(("tags", "drive", "walk"), [
    ({"highway": "residential"}, True, True),
    ({"highway": "residential", "access": "destination"}, True, True),
    ({"highway": "residential", "motor_vehicle": "no"}, False, True),
    ({"highway": "residential", "vehicle": "private"}, False, True),
    ({"highway": "primary", "foot": "no"}, True, False),
    ({"highway": "service", "access": "private"}, False, False),
    ({"highway": "service", "access": "private", "foot": "yes"}, False, True),
    ({"highway": "footway"}, False, True),
    ({"highway": "motorway"}, True, False),
])
def test_who_may_use_a_way(tags: dict[str, str], drive: bool, walk: bool) -> None:
    from dispatch.routing.build import _keep_drive
    from dispatch.routing.build import _keep_walk

    assert (_keep_drive(tags), _keep_walk(tags)) == (drive, walk)
