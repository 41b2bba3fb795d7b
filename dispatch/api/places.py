"""Places: offline address search, the street network for maps, public configuration."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from apiflask import APIBlueprint
from flask import current_app

from dispatch.api.common import me
from dispatch.api.common import settings
from dispatch.api.schemas import AddressQuery
from dispatch.api.schemas import QuarterQuery
from dispatch.errors import NotFound
from dispatch.routing.addresses import AddressHit
from dispatch.routing.addresses import AddressIndex
from dispatch.routing.addresses import kind_words
from dispatch.services.network import get_network

bp = APIBlueprint("places", __name__, url_prefix="/api/v1", tag="places")
LANGUAGES = ["de", "en", "tr", "ar", "pl"]


def _hit(index: AddressIndex, h: AddressHit) -> dict[str, Any]:
    """A search result; a place (doctor, pharmacy, stop) also says its street and district."""
    out = {"label": h.label, "kind": h.kind, "lat": h.lat, "lon": h.lon, "quarter": h.quarter,
           "district": h.district}
    if h.kind not in ("address", "street"):
        out["street"] = index.street_near(h.lat, h.lon)
    return out


def _kept(index: AddressIndex, h: AddressHit) -> dict[str, Any]:
    """An entry of the list a phone keeps: a place also carries the words of its kind
    (``search``: "apotheke pharmacy"), so the offline search finds it by what it is."""
    out = _hit(index, h)
    words = kind_words(h.kind)
    if words:
        out["search"] = " ".join(words)
    return out


@bp.get("/addresses")
@bp.input(AddressQuery, location="query", arg_name="query")
def addresses(query: dict[str, Any]) -> dict[str, Any]:
    """Addresses and places people travel to, typo-tolerant, from the offline index."""
    me()
    index = get_network(settings()).addresses
    return {"results": [_hit(index, h) for h in index.search(query["q"], limit=query["limit"])]}


@bp.get("/addresses/all")
@bp.input(QuarterQuery, location="query", arg_name="query")
def all_addresses(query: dict[str, Any]) -> dict[str, Any]:
    """Every address and place of a quarter (the person's own by default): the phone keeps
    this list to search it when there is no connection."""
    person = me()
    s = settings()
    slug = query.get("quarter") or person.quarter_slug or ""
    if slug not in {q.slug for q in s.quarters}:
        raise NotFound("Dieses Quartier gibt es nicht.")
    index = get_network(s).addresses
    lists = _QUARTER_LISTS.setdefault(index, {})
    if slug not in lists:  # about a second to build; an index does not change
        lists[slug] = [_kept(index, h) for h in index.in_quarter(slug)]
    return {"quarter": slug, "results": lists[slug]}


#: The address list of each quarter, per address index (built once; gone with its index).
_QUARTER_LISTS: WeakKeyDictionary[AddressIndex, dict[str, list[dict[str, Any]]]] = (
    WeakKeyDictionary())


@bp.get("/map/streets")
@bp.input(QuarterQuery, location="query", arg_name="query")
def streets(query: dict[str, Any]) -> dict[str, Any]:
    """The street network as GeoJSON, so maps work without any tile server."""
    s = settings()
    slug = query.get("quarter")
    bbox = None
    if slug is not None:
        if slug not in {q.slug for q in s.quarters}:
            raise NotFound("Dieses Quartier gibt es nicht.")
        lons, lats = zip(*s.quarter(slug).boundary, strict=True)
        margin = 0.01  # about a kilometre around the quarter
        bbox = (min(lats) - margin, min(lons) - margin, max(lats) + margin, max(lons) + margin)
    return get_network(s).street_geojson(mode="drive", bbox=bbox)  # type: ignore[no-any-return]


@bp.get("/config")
def public_config() -> dict[str, Any]:
    s = settings()
    return {
        "tile_url": current_app.config.get("TILE_URL"),
        "languages": LANGUAGES,
        "quarters": [{"slug": q.slug, "name": q.name, "boundary": q.boundary,
                      "languages": q.languages,
                      "office": {"name": q.office.name, "address": q.office.address,
                                 "lat": q.office.lat, "lon": q.office.lon,
                                 "phone": q.office.phone}} for q in s.quarters],
    }
