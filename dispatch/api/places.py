"""Places: offline address search, the street network for maps, public configuration."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app

from dispatch.api.common import me
from dispatch.api.common import settings
from dispatch.api.schemas import AddressQuery
from dispatch.api.schemas import QuarterQuery
from dispatch.errors import NotFound
from dispatch.services.network import get_network

bp = APIBlueprint("places", __name__, url_prefix="/api/v1", tag="places")
LANGUAGES = ["de", "en", "tr", "ar", "pl"]


@bp.get("/addresses")
@bp.input(AddressQuery, location="query", arg_name="query")
def addresses(query: dict[str, Any]) -> dict[str, Any]:
    """Addresses and places people travel to, typo-tolerant, from the offline index."""
    me()
    hits = get_network(settings()).addresses.search(query["q"], limit=query["limit"])
    return {"results": [{"label": h.label, "kind": h.kind, "lat": h.lat, "lon": h.lon,
                         "quarter": h.quarter} for h in hits]}


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
