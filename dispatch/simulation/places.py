"""Where simulated residents live and where they go: read once from the OSM files, cached.

Homes are house numbers of the street extract on streets people live on (residential,
living-street and through roads; not motorways, service roads, tracks or paths), inside a
configured quarter. Destinations are the points of interest of the POI file that older
residents travel to, each with the :class:`~dispatch.domain.kinds.Purpose` it serves. The
result is cached as ``osm_cache/simplaces-<fingerprint>.npz`` (fingerprint over both files,
the quarter boundaries and :data:`PLACES_VERSION`), like the street graph.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.domain.kinds import Purpose

PLACES_VERSION = 1
#: street classes along which people live
HOME_STREETS = frozenset({"residential", "living_street", "unclassified", "tertiary",
                          "secondary", "primary"})
#: how far (km) beyond its quarter's boundary a destination may lie
DESTINATION_MARGIN_KM = 1.5


@dataclass(frozen=True)
class Destination:
    """A place people travel to."""

    label: str
    purpose: Purpose
    kind: str  # doctors, pharmacy, supermarket, church, mosque, community_centre, ...
    lat: float
    lon: float


@dataclass(frozen=True)
class Home:
    """A house number someone can live at."""

    label: str
    lat: float
    lon: float


@dataclass(frozen=True)
class QuarterPlaces:
    """Homes inside one quarter and destinations in and around it."""

    quarter: str
    homes: tuple[Home, ...]
    destinations: tuple[Destination, ...]

    def of_purpose(self, purpose: Purpose, *, kind: str | None = None) -> list[Destination]:
        """Destinations serving ``purpose`` (and of ``kind``, when given)."""
        return [d for d in self.destinations
                if d.purpose == purpose and (kind is None or d.kind == kind)]


def destination_kind(tags: dict[str, str]) -> tuple[Purpose, str] | None:
    """The purpose and kind of a point of interest, or None if nobody is driven there."""
    amenity, shop = tags.get("amenity", ""), tags.get("shop", "")
    if amenity in ("doctors", "clinic", "dentist", "hospital"):
        return Purpose.DOCTOR, amenity
    if amenity == "pharmacy":
        return Purpose.PHARMACY, amenity
    if shop in ("supermarket", "chemist", "bakery"):
        return Purpose.SHOPPING, shop
    if amenity == "place_of_worship":
        religion = tags.get("religion", "")
        return Purpose.WORSHIP, {"christian": "church", "muslim": "mosque"}.get(
            religion, "place_of_worship")
    if amenity in ("community_centre", "social_facility", "nursing_home"):
        return Purpose.COMMUNITY, amenity
    if amenity in ("townhall", "post_office", "bank"):
        return Purpose.AUTHORITY, amenity
    return None


def _in_polygon(lat: float, lon: float, boundary: Sequence[Sequence[float]]) -> bool:
    inside = False
    n = len(boundary)
    for i in range(n):
        x1, y1 = boundary[i][0], boundary[i][1]
        x2, y2 = boundary[(i + 1) % n][0], boundary[(i + 1) % n][1]
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _near_polygon(lat: float, lon: float, boundary: Sequence[Sequence[float]],
                  margin_km: float) -> bool:
    lons = [p[0] for p in boundary]
    lats = [p[1] for p in boundary]
    dlat = margin_km / 111.2
    dlon = margin_km / (111.2 * float(np.cos(np.radians(lat))))
    return (min(lats) - dlat <= lat <= max(lats) + dlat
            and min(lons) - dlon <= lon <= max(lons) + dlon)


def read_places(street_file: Path, pois_file: Path, quarters: Sequence[Any],
                elements: Callable[[Path], Iterable[tuple[float, float, dict[str, str], bool]]]
                | None = None) -> dict[str, QuarterPlaces]:
    """Parse both files into homes and destinations per quarter (slow: use :func:`load_places`)."""
    if elements is None:
        from dispatch.routing.addresses import iter_osm_file

        elements = iter_osm_file
    street_class: dict[str, set[str]] = {}
    numbers: list[tuple[str, float, float]] = []
    for lat, lon, tags, is_node in elements(street_file):
        if not is_node and tags.get("highway") and tags.get("name"):
            street_class.setdefault(tags["name"], set()).add(tags["highway"])
        elif is_node and tags.get("addr:housenumber") and tags.get("addr:street"):
            numbers.append((f"{tags['addr:street']} {tags['addr:housenumber']}", lat, lon))
    homes: dict[str, list[Home]] = {q.slug: [] for q in quarters}
    seen: set[str] = set()
    for label, lat, lon in sorted(numbers):
        street = label.rsplit(" ", 1)[0]
        if label in seen or not street_class.get(street, set()) & HOME_STREETS:
            continue
        seen.add(label)
        for q in quarters:
            if _in_polygon(lat, lon, q.boundary):
                homes[q.slug].append(Home(label, lat, lon))
                break
    dests: dict[str, list[Destination]] = {q.slug: [] for q in quarters}
    for lat, lon, tags, _ in elements(pois_file):
        found = destination_kind(tags)
        name = tags.get("name:de") or tags.get("name")
        if found is None or not name:
            continue
        for q in quarters:
            if _near_polygon(lat, lon, q.boundary, DESTINATION_MARGIN_KM):
                dests[q.slug].append(Destination(name.strip(), found[0], found[1], lat, lon))
    return {q.slug: QuarterPlaces(q.slug, tuple(homes[q.slug]),
                                  tuple(sorted(dests[q.slug], key=lambda d: (d.lat, d.lon))))
            for q in quarters}


def _fingerprint(street_file: Path, pois_file: Path, quarters: Sequence[Any]) -> str:
    from dispatch.routing.cache import file_sha256

    parts = {"version": PLACES_VERSION, "streets": file_sha256(street_file),
             "pois": file_sha256(pois_file),
             "quarters": [[q.slug, [list(map(float, p)) for p in q.boundary]] for q in quarters]}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]


def _to_arrays(places: dict[str, QuarterPlaces]) -> dict[str, np.ndarray]:
    rows = {"home": [(q, h.label, "", "", h.lat, h.lon)
                     for q, p in places.items() for h in p.homes],
            "dest": [(q, d.label, d.purpose.value, d.kind, d.lat, d.lon)
                     for q, p in places.items() for d in p.destinations]}
    out: dict[str, np.ndarray] = {}
    for name, items in rows.items():
        text = json.dumps([list(r[:4]) for r in items], ensure_ascii=False).encode()
        out[f"{name}/text"] = np.frombuffer(text, dtype=np.uint8)
        out[f"{name}/coords"] = np.array([[r[4], r[5]] for r in items], dtype=np.float64)
    return out


def _from_arrays(arrays: dict[str, np.ndarray], quarters: Sequence[Any]) -> dict[
        str, QuarterPlaces]:
    homes: dict[str, list[Home]] = {q.slug: [] for q in quarters}
    dests: dict[str, list[Destination]] = {q.slug: [] for q in quarters}
    for name in ("home", "dest"):
        text = json.loads(np.asarray(arrays[f"{name}/text"], dtype=np.uint8).tobytes().decode())
        coords = np.asarray(arrays[f"{name}/coords"]).reshape(-1, 2)
        for (q, label, purpose, kind), (lat, lon) in zip(text, coords.tolist(), strict=True):
            if name == "home":
                homes[q].append(Home(label, lat, lon))
            else:
                dests[q].append(Destination(label, Purpose(purpose), kind, lat, lon))
    return {q.slug: QuarterPlaces(q.slug, tuple(homes[q.slug]), tuple(dests[q.slug]))
            for q in quarters}


def load_places(street_file: Path, pois_file: Path, quarters: Sequence[Any],
                cache_dir: Path) -> dict[str, QuarterPlaces]:
    """Homes and destinations per quarter, from the cache or parsed once and cached."""
    from dispatch.routing.cache import read_arrays
    from dispatch.routing.cache import write_arrays

    path = cache_dir / f"simplaces-{_fingerprint(street_file, pois_file, quarters)}.npz"
    if path.is_file():
        arrays, _ = read_arrays(path)
        return _from_arrays(arrays, quarters)
    places = read_places(street_file, pois_file, quarters)
    write_arrays(path, _to_arrays(places), {"source": street_file.name,
                                            "pois": pois_file.name})
    for old in cache_dir.glob("simplaces-*.npz"):
        if old != path:
            old.unlink(missing_ok=True)
    return places
