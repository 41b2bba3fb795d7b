"""Offline address search on the real extract: addresses and places of both quarters."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.routing import StreetNetwork
from dispatch.routing.addresses import normalize
from dispatch.routing.addresses import tokens


def _top(net: StreetNetwork, text: str, **kw: object) -> tuple[str, str, str | None]:
    hits = net.addresses.search(text, limit=5, **kw)  # type: ignore[arg-type]
    assert hits, f"nothing found for {text!r}"
    return hits[0].label, hits[0].kind, hits[0].quarter


def test_normalize_folds_umlauts_sharp_s_and_street_suffixes() -> None:
    assert normalize("Münsterstraße 5 A") == "muensterstrasse 5a"
    assert tokens("Münsterstraße 5a") == ["muensterstr", "5a", "muenster", "str"]
    assert tokens("Evinger Str. 209") == ["evinger", "str", "209"]
    assert tokens("EVINGER STRASSE 209") == tokens("Evinger Straße 209")
    assert normalize("Camii Derneği") == "camii dernegi"


@pytest.mark.parametrize(
    ("text", "label", "quarter"),
    [
        ("Evinger Str 209", "Evinger Straße 209", "eving"),
        ("Evinger Straße 209", "Evinger Straße 209", "eving"),
        ("evnger strase 209", "Evinger Straße 209", "eving"),  # typo + ss
        ("Evinger Strasse 209", "Evinger Straße 209", "eving"),
        ("Martener Straße 292", "Martener Straße 292", "marten"),
        ("Martner Str. 292", "Martener Straße 292", "marten"),  # typo
        ("martener strasse 292", "Martener Straße 292", "marten"),
        ("Steinhammerstr 3", "Steinhammerstraße 3", "marten"),
        ("Steinhammer Straße 3", "Steinhammerstraße 3", "marten"),
        ("Schulte Heuthaus Strasse 5", "Schulte-Heuthaus-Straße 5", "marten"),
    ],
)
def test_real_addresses_with_typos(net: StreetNetwork, text: str, label: str,
                                   quarter: str) -> None:
    assert _top(net, text) == (label, "address", quarter)


def test_address_coordinates_are_those_of_the_extract(net: StreetNetwork) -> None:
    hit = net.geocode("Evinger Straße 209")
    assert hit.lat == pytest.approx(51.55051, abs=2e-5)
    assert hit.lon == pytest.approx(7.46352, abs=2e-5)
    hit = net.geocode("Martener Str 292")
    assert (hit.lat, hit.lon) == pytest.approx((51.50934, 7.38638), abs=2e-5)


def test_umlaut_written_three_ways(net: StreetNetwork) -> None:
    a = net.addresses.search("Münsterstraße", limit=1)[0]
    b = net.addresses.search("Muensterstrasse", limit=1)[0]
    c = net.addresses.search("Munsterstr", limit=1)[0]  # umlaut dropped: one typo
    assert a.label == b.label == c.label == "Münsterstraße"
    assert a.kind == "street"


def test_prefix_search_while_typing(net: StreetNetwork) -> None:
    hits = net.addresses.search("Evinger Str 20", limit=10)
    labels = [h.label for h in hits]
    assert labels
    assert all(x.startswith("Evinger Straße 20") for x in labels)
    assert "Evinger Straße 209" in [h.label for h in net.addresses.search("Evinger Str 209")]


@pytest.mark.parametrize(
    ("text", "label", "kind", "quarter"),
    [
        ("Apotheke Neue Evinger Mitte", "Apotheke Neue Evinger Mitte", "pharmacy", "eving"),
        ("apoteke neue evinger mite", "Apotheke Neue Evinger Mitte", "pharmacy", "eving"),
        ("Minister Stein Apotheke", "Minister Stein Apotheke", "pharmacy", None),
        ("Ardey Apotheke", "Ardey-Apotheke", "pharmacy", "marten"),
        ("ardey apoteke", "Ardey-Apotheke", "pharmacy", "marten"),
        ("Arztpraxis Bonnenberg", "Arztpraxis Dr. med. Bonnenberg", "doctor", None),
        ("Arztpraxis Bonenberg", "Arztpraxis Dr. med. Bonnenberg", "doctor", None),
    ],
)
def test_points_of_interest_with_typos(net: StreetNetwork, text: str, label: str, kind: str,
                                       quarter: str | None) -> None:
    got = _top(net, text)
    assert got[:2] == (label, kind)
    if quarter is not None:
        assert got[2] == quarter


def test_kind_words_and_district_find_places(net: StreetNetwork) -> None:
    hits = net.addresses.search("Apotheke Eving", limit=5)
    assert len(hits) >= 3
    assert all(h.kind == "pharmacy" and h.district == "Eving" for h in hits)
    mosques = net.addresses.search("Moschee", limit=30)
    assert sum(h.kind == "mosque" for h in mosques) >= 15
    assert all(h.kind in {"mosque", "place_of_worship"} for h in mosques)
    assert mosques[0].label == "Moschee"  # exact name first
    churches = net.addresses.search("Kirche Eving", limit=5)
    assert churches
    assert all(h.kind == "church" for h in churches)
    stops = net.addresses.search("Haltestelle Marten", limit=5, kinds=["bus_stop", "tram_stop"])
    assert stops
    assert all(h.kind in {"bus_stop", "tram_stop"} for h in stops)
    doctors = net.addresses.search("Zahnarzt", limit=50)
    assert len(doctors) >= 10
    assert all(h.kind == "dentist" for h in doctors)


def test_every_hit_carries_coordinates_inside_the_extract(net: StreetNetwork) -> None:
    for text in ("Evinger", "Marten", "Supermarkt", "Pflegeheim"):
        for h in net.addresses.search(text, limit=20):
            assert 51.49 < h.lat < 51.60
            assert 7.33 < h.lon < 7.52
            assert set(h.as_dict()) == {"label", "kind", "lat", "lon", "quarter", "district",
                                        "score"}


def test_nonsense_finds_nothing(net: StreetNetwork) -> None:
    assert net.addresses.search("Xqzvwy Plonk 99999") == []
    assert net.addresses.search("   ") == []


def test_kind_and_district_prefers_the_district_then_the_nearest(net: StreetNetwork) -> None:
    markets = net.addresses.search("Supermarkt Marten", limit=4)
    assert [h.district for h in markets] == ["Marten"] * 4
    assert {h.kind for h in markets} == {"supermarket"}
    # no dentist lies in Eving itself: the nearest ones come first
    dentists = net.addresses.search("Zahnarzt Eving", limit=3)
    assert {h.kind for h in dentists} == {"dentist"}
    km = [111.2 * np.hypot(h.lat - 51.5481, (h.lon - 7.4650) * 0.62) for h in dentists]
    assert km == sorted(km)
    assert km[0] < 3.0


def test_a_district_s_adjective_names_the_district(net: StreetNetwork) -> None:
    """ "Evinger Markt" is no street: what is called market near Eving comes first, not the
    "Markt" of the city centre 4 km south (outside every quarter)."""
    hits = net.addresses.search("Evinger Markt", limit=3)
    assert hits
    assert all(h.quarter == "eving" for h in hits), hits
    assert "Markt" in hits[0].label
    assert all(h.district != "Mitte" for h in hits)


def test_with_a_word_unmatched_the_quarters_come_first(net: StreetNetwork) -> None:
    """When no entry has every word, the hits inside the quarters rank above those outside."""
    hits = net.addresses.search("Markt Xqzvwy", limit=6)
    inside = [h.quarter is not None for h in hits]
    assert inside == sorted(inside, reverse=True), hits
    assert inside[0]
