"""Offline address and place search: house numbers and points of interest from OSM files.

Entries come from ``addr:street``/``addr:housenumber`` tags of the street extract (nodes and
ways), one entry per street (placed at its middle address; a named street without any house
number in the extract is placed on the middle of its ways), and from the points of interest
older residents travel to (doctors, pharmacies, supermarkets, churches, stops, ...). ``place``
nodes name the Stadtteile (``district``). Search folds case, umlauts, ß/ss and accents, treats
``Str.``/``Straße`` alike, matches prefixes and tolerates typos (edit distance 1 from four
letters, 2 from eight); house numbers match exactly or by prefix only.
"""

from __future__ import annotations

import bz2
import re
import unicodedata
import xml.etree.ElementTree as ET
from bisect import bisect_left
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from typing import Any

import numpy as np
from numba import njit

__all__ = [
    "AddressHit",
    "AddressIndex",
    "AddressRecords",
    "normalize",
    "address_records",
    "iter_osm_file",
    "kind_words",
    "read_address_records",
    "tokens",
]

# (key, value) -> (kind, extra search words)
_POI_KINDS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("amenity", "doctors"): ("doctor", ("arzt", "aerztin", "praxis", "hausarzt", "doctor")),
    ("amenity", "clinic"): ("doctor", ("arzt", "praxis", "klinik", "ambulanz")),
    ("amenity", "dentist"): ("dentist", ("zahnarzt", "zahnaerztin", "praxis", "dentist")),
    ("amenity", "pharmacy"): ("pharmacy", ("apotheke", "pharmacy")),
    ("amenity", "hospital"): ("hospital", ("krankenhaus", "klinik", "hospital", "klinikum")),
    ("amenity", "community_centre"): (
        "community_centre",
        ("begegnungsstaette", "gemeindezentrum", "treff", "zentrum"),
    ),
    ("amenity", "nursing_home"): ("nursing_home", ("pflegeheim", "altenheim", "seniorenheim")),
    ("amenity", "social_facility"): ("social_facility", ("sozial", "seniorenheim")),
    ("amenity", "townhall"): (
        "townhall",
        ("rathaus", "buergerbuero", "bezirksverwaltungsstelle", "amt", "verwaltung"),
    ),
    ("amenity", "post_office"): ("post_office", ("post", "postamt", "postfiliale")),
    ("shop", "supermarket"): ("supermarket", ("supermarkt", "lebensmittel", "einkaufen")),
    ("highway", "bus_stop"): ("bus_stop", ("haltestelle", "bus", "bushaltestelle")),
    ("railway", "tram_stop"): ("tram_stop", ("haltestelle", "stadtbahn", "strassenbahn", "bahn")),
    ("railway", "halt"): ("station", ("bahnhof", "haltepunkt", "bahn")),
    ("railway", "station"): ("station", ("bahnhof", "bahn")),
}
_RELIGION_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "christian": ("church", ("kirche", "gemeinde", "church")),
    "muslim": ("mosque", ("moschee", "cami", "mosque")),
}
_WORSHIP_DEFAULT = ("place_of_worship", ("gotteshaus", "gemeinde"))

def _kind_words() -> dict[str, tuple[str, ...]]:
    """Search words of each kind (the union over the tags mapped to it)."""
    out: dict[str, set[str]] = {}
    for kind, words in [*_POI_KINDS.values(), *_RELIGION_KINDS.values(), _WORSHIP_DEFAULT]:
        out.setdefault(kind, set()).update(words)
    return {k: tuple(sorted(v)) for k, v in out.items()}


#: applied when the index is built, so changing these words needs no cache rebuild
_KIND_WORDS = _kind_words()


def kind_words(kind: str) -> tuple[str, ...]:
    """The search words of a kind of place (``("apotheke", "pharmacy")``); none for addresses.

    The phone's offline search needs them too: a pharmacy called "An der Wasserburg" is found
    by "Apotheke" only through its kind.
    """
    return _KIND_WORDS.get(kind, ())


_PLACE_TYPES = frozenset({"suburb", "quarter", "neighbourhood", "village", "hamlet", "borough"})
#: how much a hit outside every quarter loses when the search falls back to all words but one
OUTSIDE_PENALTY = 0.1


@dataclass(frozen=True)
class AddressHit:
    """One search result."""

    label: str
    kind: str  # address, street, doctor, pharmacy, church, mosque, bus_stop, ...
    lat: float
    lon: float
    quarter: str | None  # slug of the configured quarter containing it
    district: str  # nearest Stadtteil name from the place nodes ("" if unknown)
    score: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "label": self.label,
            "kind": self.kind,
            "lat": self.lat,
            "lon": self.lon,
            "quarter": self.quarter,
            "district": self.district,
            "score": round(self.score, 3),
        }


@dataclass(frozen=True)
class AddressRecords:
    """Raw entries as arrays (what the cache stores)."""

    label: np.ndarray  # str
    kind: np.ndarray  # str
    extra: np.ndarray  # str: extra search words, space separated
    lat: np.ndarray  # float64
    lon: np.ndarray  # float64
    quarter: np.ndarray  # str, "" for none
    district: np.ndarray  # str

    def arrays(self, prefix: str = "addr/") -> dict[str, np.ndarray]:
        """Arrays for storage under ``prefix`` (text columns as UTF-8 bytes, one per line)."""
        out = {prefix + "lat": self.lat, prefix + "lon": self.lon}
        for k in _TEXT_COLUMNS:
            blob = "\n".join(
                str(x).replace("\n", " ") for x in getattr(self, k).tolist()
            ).encode()
            out[prefix + k] = np.frombuffer(blob, dtype=np.uint8)
        return out

    @classmethod
    def from_arrays(cls, arrays: Any, prefix: str = "addr/") -> AddressRecords:
        """Rebuild from :meth:`arrays` output (or an open ``.npz``)."""
        lat = np.asarray(arrays[prefix + "lat"], dtype=np.float64)
        kwargs: dict[str, np.ndarray] = {"lat": lat, "lon": np.asarray(arrays[prefix + "lon"])}
        for k in _TEXT_COLUMNS:
            text = np.asarray(arrays[prefix + k], dtype=np.uint8).tobytes().decode()
            kwargs[k] = np.array(text.split("\n") if lat.size else [], dtype=object)
        return cls(**kwargs)

    def __len__(self) -> int:
        return int(self.label.shape[0])


_TEXT_COLUMNS = ("label", "kind", "extra", "quarter", "district")

# ---------------------------------------------------------------------------------------------
# normalisation

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", "ø": "o", "æ": "ae"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NUM_LETTER = re.compile(r"\b(\d+)\s*([a-z])\b")
_STREET_WORDS = frozenset({"str", "strasse", "strase", "strse", "strass", "strsse"})


def normalize(text: str) -> str:
    """Lower-case, fold umlauts (ä→ae, ß→ss), strip accents, keep letters and digits."""
    text = unicodedata.normalize("NFC", text).lower().translate(_FOLD)
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    text = _NON_ALNUM.sub(" ", text)
    return _NUM_LETTER.sub(r"\1\2", text).strip()


def tokens(text: str) -> list[str]:
    """Search tokens of a text: ``Straße``/``Str.`` become ``str``; compounds are split too.

    ``"Steinhammerstraße 5a"`` gives ``["steinhammerstr", "5a", "steinhammer", "str"]``: the
    first tokens in order, then the parts of compound street names.
    """
    return _street_tokens(text, split_compounds=True)


def _query_tokens(text: str) -> list[str]:
    """Tokens of a query: compounds stay whole (their parts are indexed)."""
    return _street_tokens(text, split_compounds=False)


def _street_tokens(text: str, *, split_compounds: bool) -> list[str]:
    out: list[str] = []
    extra: list[str] = []
    for tok in normalize(text).split():
        if tok in _STREET_WORDS:
            out.append("str")
            continue
        for suffix in ("strasse", "str"):
            if tok.endswith(suffix) and len(tok) > len(suffix) + 2:
                stem = tok[: -len(suffix)]
                out.append(stem + "str")
                if split_compounds:
                    extra.extend((stem, "str"))
                break
        else:
            out.append(tok)
    return out + [t for t in extra if t not in out]


# ---------------------------------------------------------------------------------------------
# reading OSM files


def _open_xml(path: Path) -> IO[bytes]:
    if path.suffix == ".bz2":
        return bz2.open(path, "rb")
    return path.open("rb")


def _iter_elements(path: Path) -> Iterator[tuple[str, dict[str, str], dict[str, str], list[str]]]:
    """Yield (tag, attributes, tags, node refs) of every node and way."""
    with _open_xml(path) as fh:
        for _, elem in ET.iterparse(fh, events=("end",)):
            if elem.tag not in ("node", "way"):
                continue
            tags = {}
            refs = []
            for child in elem:
                if child.tag == "tag":
                    tags[child.get("k", "")] = child.get("v", "")
                elif child.tag == "nd":
                    refs.append(child.get("ref", ""))
            yield elem.tag, dict(elem.attrib), tags, refs
            elem.clear()


def _poi_kind(tags: dict[str, str]) -> tuple[str, tuple[str, ...]] | None:
    if tags.get("amenity") == "place_of_worship":
        return _RELIGION_KINDS.get(tags.get("religion", ""), _WORSHIP_DEFAULT)
    for key in ("amenity", "shop", "highway", "railway"):
        kind = _POI_KINDS.get((key, tags.get(key, "")))
        if kind is not None:
            return kind
    return None


def iter_osm_file(path: Path) -> Iterator[tuple[float, float, dict[str, str], bool]]:
    """(lat, lon, tags, is_node) of every tagged node and way (ways at their centroid; a
    street, ``highway=*``, at its middle node, which lies on the street)."""
    coords: dict[str, tuple[float, float]] = {}
    for tag, attrib, tags, refs in _iter_elements(path):
        if tag == "node":
            lat, lon = float(attrib["lat"]), float(attrib["lon"])
            coords[attrib["id"]] = (lat, lon)
            if tags:
                yield lat, lon, tags, True
        elif tags:
            pts = [coords[r] for r in refs if r in coords]
            if pts and "highway" in tags:
                yield *pts[len(pts) // 2], tags, False
            elif pts:
                lat = sum(p[0] for p in pts) / len(pts)
                lon = sum(p[1] for p in pts) / len(pts)
                yield lat, lon, tags, False


def read_address_records(
    street_file: Path | None,
    pois_file: Path | None,
    *,
    quarter_of: Callable[[float, float], str | None],
) -> AddressRecords:
    """Read addresses from ``street_file`` and points of interest and places from ``pois_file``.

    Parameters
    ----------
    quarter_of
        Maps (lat, lon) to the slug of the configured quarter or None.
    """
    files = [p for p in (street_file, pois_file) if p is not None and p.is_file()]
    elements = (el for p in files for el in iter_osm_file(p))
    return address_records(elements, quarter_of=quarter_of)


def address_records(
    elements: Iterable[tuple[float, float, dict[str, str], bool]],
    *,
    quarter_of: Callable[[float, float], str | None],
) -> AddressRecords:
    """Entries from OSM elements given as (lat, lon, tags, is_node)."""
    addr: dict[tuple[str, str], tuple[float, float]] = {}
    pois: list[tuple[str, str, str, float, float]] = []
    places: list[tuple[str, float, float]] = []
    named_ways: dict[str, list[tuple[float, float]]] = {}
    for lat, lon, tags, is_node in elements:
        if not is_node and tags.get("highway") and tags.get("name"):
            named_ways.setdefault(tags["name"].strip(), []).append((lat, lon))
        if tags.get("place") in _PLACE_TYPES and tags.get("name"):
            places.append((tags["name"], lat, lon))
            continue
        street, number = tags.get("addr:street"), tags.get("addr:housenumber")
        if street and number:
            for num in re.split(r"[;,]", number):
                if num.strip():
                    addr.setdefault((street.strip(), num.strip()), (lat, lon))
        name = tags.get("name:de") or tags.get("name")
        kind = _poi_kind(tags)
        if kind is not None and name and (is_node or "highway" not in tags):
            pois.append((name.strip(), kind[0], " ".join(kind[1]), lat, lon))
    labels: list[str] = []
    kinds: list[str] = []
    extras: list[str] = []
    lats: list[float] = []
    lons: list[float] = []
    by_street: dict[str, list[tuple[str, float, float]]] = {}
    for (street, number), (lat, lon) in sorted(addr.items()):
        labels.append(f"{street} {number}")
        kinds.append("address")
        extras.append("")
        lats.append(lat)
        lons.append(lon)
        by_street.setdefault(street, []).append((number, lat, lon))
    for street, ways in named_ways.items():  # streets the extract has no house numbers on
        if street not in by_street:
            by_street[street] = [("", lat, lon) for lat, lon in ways]
    for street, items in sorted(by_street.items()):
        mlat = float(np.median([i[1] for i in items]))
        mlon = float(np.median([i[2] for i in items]))
        best = min(items, key=lambda i: (i[1] - mlat) ** 2 + (i[2] - mlon) ** 2)
        labels.append(street)
        kinds.append("street")
        extras.append("")
        lats.append(best[1])
        lons.append(best[2])
    seen: set[tuple[str, str, float, float]] = set()
    for name, poi_kind, extra, lat, lon in pois:
        key = (name, poi_kind, round(lat, 4), round(lon, 4))
        if key in seen:
            continue
        seen.add(key)
        labels.append(name)
        kinds.append(poi_kind)
        extras.append(extra)
        lats.append(lat)
        lons.append(lon)
    lat_a = np.asarray(lats, dtype=np.float64)
    lon_a = np.asarray(lons, dtype=np.float64)
    districts = _nearest_place(lat_a, lon_a, places)
    quarters = [quarter_of(a, b) or "" for a, b in zip(lats, lons, strict=True)]
    return AddressRecords(
        label=np.asarray(labels, dtype=str),
        kind=np.asarray(kinds, dtype=str),
        extra=np.asarray(extras, dtype=str),
        lat=lat_a,
        lon=lon_a,
        quarter=np.asarray(quarters, dtype=str),
        district=np.asarray(districts, dtype=str),
    )


def _nearest_place(
    lat: np.ndarray, lon: np.ndarray, places: list[tuple[str, float, float]]
) -> list[str]:
    if not places or lat.size == 0:
        return [""] * int(lat.size)
    from scipy.spatial import cKDTree

    coslat = float(np.cos(np.radians(np.mean(lat))))
    pts = np.array([[p[1], p[2] * coslat] for p in places])
    _, idx = cKDTree(pts).query(np.column_stack([lat, lon * coslat]))
    return [places[i][0] for i in idx]


# ---------------------------------------------------------------------------------------------
# search


@njit(cache=True)
def _osa_distances(
    q: np.ndarray, vocab: np.ndarray, lengths: np.ndarray, max_d: int
) -> np.ndarray:
    """Optimal-string-alignment edit distance from ``q`` to every vocabulary row (capped)."""
    nq = q.shape[0]
    out = np.full(vocab.shape[0], max_d + 1, np.int64)
    d = np.empty((nq + 1, vocab.shape[1] + 1), np.int64)
    for r in range(vocab.shape[0]):
        m = lengths[r]
        if abs(m - nq) > max_d:
            continue
        for i in range(nq + 1):
            d[i, 0] = i
        for j in range(m + 1):
            d[0, j] = j
        for i in range(1, nq + 1):
            row_min = max_d + 1
            for j in range(1, m + 1):
                cost = 0 if q[i - 1] == vocab[r, j - 1] else 1
                v = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + cost)
                if (
                    i > 1
                    and j > 1
                    and q[i - 1] == vocab[r, j - 2]
                    and q[i - 2] == vocab[r, j - 1]
                ):
                    v = min(v, d[i - 2, j - 2] + 1)
                d[i, j] = v
                if v < row_min:
                    row_min = v
            if row_min > max_d:
                break
        else:
            out[r] = min(d[nq, m], max_d + 1)
    return out


def _allowed_typos(tok: str) -> int:
    if tok.isdigit() or any(c.isdigit() for c in tok):
        return 0
    if len(tok) >= 8:
        return 2
    if len(tok) >= 4:
        return 1
    return 0


class AddressIndex:
    """Typo-tolerant search over :class:`AddressRecords`.

    Examples
    --------
    >>> index.search("Evnger Strase 209", limit=3)[0].label  # doctest: +SKIP
    'Evinger Straße 209'
    """

    # weight of a token by where it comes from in the entry; a kind word ("Apotheke",
    # "Krankenhaus") matched as such outranks the same word inside a street or stop name
    _W_LABEL = 1.0
    _W_EXTRA = 1.05
    _W_DISTRICT = 0.8  # above a label word with a typo (0.7)

    def __init__(self, records: AddressRecords) -> None:
        self.records = records
        n = len(records)
        post: dict[str, dict[int, float]] = {}
        self._n_tokens = np.zeros(n, np.int64)
        self._outside = records.quarter == ""  # in no quarter (ranked last in a fallback)

        def add(tok: str, i: int, w: float) -> None:
            slot = post.setdefault(tok, {})
            if slot.get(i, 0.0) < w:
                slot[i] = w

        for i in range(n):
            label = str(records.label[i])
            label_toks = tokens(label)
            self._n_tokens[i] = len(_query_tokens(label))
            for t in label_toks:
                add(t, i, self._W_LABEL)
            kind = str(records.kind[i])
            words = _KIND_WORDS.get(kind) or str(records.extra[i]).split()
            for t in words:
                add(t, i, self._W_EXTRA)
            for t in tokens(str(records.district[i])):
                add(t, i, self._W_DISTRICT)
        self._vocab = sorted(post)
        self._post_ids: list[np.ndarray] = []
        self._post_w: list[np.ndarray] = []
        for t in self._vocab:
            slot = post[t]
            self._post_ids.append(np.fromiter(slot.keys(), np.int64, len(slot)))
            self._post_w.append(np.fromiter(slot.values(), np.float64, len(slot)))
        # centre of each Stadtteil (mean of its entries), keyed by its one-word name
        self._district_centre: dict[str, tuple[float, float]] = {}
        districts = np.asarray(records.district, dtype=object)
        for name in sorted({str(d) for d in districts.tolist()} - {""}):
            toks = _query_tokens(name)
            if len(toks) == 1:
                sel = districts == name
                self._district_centre[toks[0]] = (
                    float(np.mean(records.lat[sel])),
                    float(np.mean(records.lon[sel])),
                )
        width = max((len(t) for t in self._vocab), default=1)
        self._codes = np.zeros((len(self._vocab), width), np.int64)
        self._lengths = np.zeros(len(self._vocab), np.int64)
        for r, t in enumerate(self._vocab):
            self._codes[r, : len(t)] = [ord(c) for c in t]
            self._lengths[r] = len(t)

    def __len__(self) -> int:
        return len(self.records)

    def _token_matches(self, tok: str) -> dict[int, float]:
        """Vocabulary rows matching ``tok`` with a match quality in (0, 1]."""
        found: dict[int, float] = {}
        lo = bisect_left(self._vocab, tok)
        hi = lo
        while hi < len(self._vocab) and self._vocab[hi].startswith(tok):
            r = hi
            if self._vocab[r] == tok:
                found[r] = 1.0
            else:
                # a short prefix is weaker; a number prefix (20 -> 209) weaker still
                ratio = len(tok) / len(self._vocab[r])
                found[r] = (0.5 if tok.isdigit() else 0.6) + 0.3 * ratio
            hi += 1
        max_d = _allowed_typos(tok)
        if max_d:
            q = np.array([ord(c) for c in tok], np.int64)
            dist = _osa_distances(q, self._codes, self._lengths, max_d)
            for r in np.flatnonzero(dist <= max_d).tolist():
                quality = 0.7 if dist[r] == 1 else 0.5
                if found.get(r, 0.0) < quality:
                    found[r] = quality
        return found

    def search(self, text: str, *, limit: int = 10, kinds: Iterable[str] | None = None) -> list[
        AddressHit
    ]:
        """Best matching entries for ``text`` (all words must match, allowing typos).

        Parameters
        ----------
        text
            Free text such as ``"Evinger Str 209"`` or ``"apotheke eving"``.
        limit
            Maximum number of hits.
        kinds
            Only entries of these kinds (``address``, ``street``, ``pharmacy``, ...).
        """
        q_tokens = list(dict.fromkeys(_query_tokens(text)))
        n = len(self.records)
        if not q_tokens or n == 0:
            return []
        per_token: list[np.ndarray] = []
        for tok in q_tokens:
            best = np.zeros(n, np.float64)
            for r, quality in self._token_matches(tok).items():
                ids = self._post_ids[r]
                np.maximum.at(best, ids, self._post_w[r] * quality)
            per_token.append(best)
        allowed = (
            np.isin(self.records.kind, list(kinds)) if kinds is not None else np.ones(n, bool)
        )
        total = np.sum(per_token, axis=0)
        matched = np.sum([b > 0 for b in per_token], axis=0)
        ok = (matched == len(q_tokens)) & allowed
        n_words = len(q_tokens)
        near: tuple[float, float] | None = None
        if not ok.any() and len(q_tokens) > 1:
            # "Hausarzt Eving" with no doctor in Eving: the doctors nearest to Eving
            # ("Evinger Markt": the district's adjective names it as well)
            for k, tok in enumerate(q_tokens):
                centre = self._district_centre.get(tok) or (
                    self._district_centre.get(tok[:-2]) if tok.endswith("er") else None)
                if centre is not None:
                    others = [b for j, b in enumerate(per_token) if j != k]
                    ok = np.all([b > 0 for b in others], axis=0) & allowed
                    if ok.any():
                        total = np.sum(others, axis=0)
                        n_words = len(others)
                        near = centre
                        break
            if near is None:
                # otherwise entries that match all words but one, in the quarters first
                ok = (matched >= len(q_tokens) - 1) & allowed
                total = total - OUTSIDE_PENALTY * self._outside
        cand = np.flatnonzero(ok)
        if cand.size == 0:
            return []
        # prefer entries without unmatched words, then short labels
        extra_words = np.maximum(self._n_tokens[cand] - n_words, 0)
        score = total[cand] / n_words - 0.02 * extra_words
        if near is not None:
            coslat = np.cos(np.radians(near[0]))
            dist_km = 111.2 * np.hypot(
                self.records.lat[cand] - near[0], (self.records.lon[cand] - near[1]) * coslat
            )
            score = total[cand] / n_words - 0.3 * dist_km  # nearness decides
        order = np.lexsort(
            (
                np.array([len(str(self.records.label[i])) for i in cand]),
                -score,
            )
        )
        hits: list[AddressHit] = []
        seen: set[tuple[str, str]] = set()
        rec = self.records
        for k in order.tolist():
            i = int(cand[k])
            key = (str(rec.label[i]), str(rec.district[i]))
            if key in seen:
                continue
            seen.add(key)
            hits.append(
                AddressHit(
                    label=str(rec.label[i]),
                    kind=str(rec.kind[i]),
                    lat=float(rec.lat[i]),
                    lon=float(rec.lon[i]),
                    quarter=str(rec.quarter[i]) or None,
                    district=str(rec.district[i]),
                    score=float(score[k]),
                )
            )
            if len(hits) >= limit:
                break
        return hits

    def street_near(self, lat: float, lon: float) -> str:
        """The nearest house address ("Evinger Straße 12"): where a place lies, for people."""
        tree, labels = self._address_tree()
        if not labels:
            return ""
        coslat = float(np.cos(np.radians(lat)))
        _, i = tree.query([lat, lon * coslat])
        return labels[int(i)]

    def _address_tree(self) -> tuple[Any, list[str]]:
        cached = getattr(self, "_tree", None)
        if cached is None:
            from scipy.spatial import cKDTree

            rec = self.records
            ids = np.flatnonzero(rec.kind == "address")
            labels = [str(rec.label[i]) for i in ids.tolist()]
            lat = rec.lat[ids] if ids.size else np.zeros(0)
            coslat = float(np.cos(np.radians(np.mean(lat)))) if ids.size else 1.0
            pts = np.column_stack([lat, rec.lon[ids] * coslat]) if ids.size else np.zeros((1, 2))
            cached = (cKDTree(pts), labels)
            self._tree = cached
        return cached  # type: ignore[no-any-return]

    def in_quarter(self, quarter: str) -> list[AddressHit]:
        """Every entry inside ``quarter`` (the list a phone keeps for searching offline)."""
        rec = self.records
        ids = np.flatnonzero(rec.quarter == quarter)
        return [AddressHit(label=str(rec.label[i]), kind=str(rec.kind[i]), lat=float(rec.lat[i]),
                           lon=float(rec.lon[i]), quarter=quarter,
                           district=str(rec.district[i]), score=0.0) for i in ids.tolist()]
