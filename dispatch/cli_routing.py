"""Flask CLI of the routing layer: ``flask graph build|info|route`` and ``flask address search``."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

from dispatch.routing import MODES
from dispatch.routing import AddressNotFound
from dispatch.routing import RoutingError
from dispatch.routing import StreetNetwork
from dispatch.routing import load_network

graph_cli = AppGroup("graph", help="Street graphs built from OpenStreetMap data.")
address_cli = AppGroup("address", help="Offline address and place search.")


def _network(*, rebuild: bool = False) -> StreetNetwork:
    settings: Any = current_app.config["SETTINGS"]
    cached = current_app.extensions.get("street_network")
    if cached is not None and not rebuild:
        return cached  # type: ignore[no-any-return]
    net = load_network(settings.routing, settings.quarters, rebuild=rebuild, progress=True)
    current_app.extensions["street_network"] = net
    return net


@graph_cli.command("build")
@click.option("--force", is_flag=True, help="Rebuild even when the cache is fresh.")
def graph_build(force: bool) -> None:
    """Build (or refresh) the drive and walk graphs in the cache directory."""
    net = _network(rebuild=force)
    st = net.status()
    state = "loaded from cache" if st["from_cache"] else f"built in {st['build_s']} s"
    click.echo(f"street network {state}: {st['cache_file']}")
    for mode in MODES:
        click.echo(f"  {mode}: {st[mode]['nodes']} nodes, {st[mode]['edges']} edges")


@graph_cli.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def graph_info(as_json: bool) -> None:
    """Show source, fingerprint, build time and graph sizes."""
    st = _network().status()
    if as_json:
        click.echo(json.dumps(st, indent=2, default=str))
        return
    click.echo(f"source:      {st['source']}")
    click.echo(f"built at:    {st['built_at']} ({st['build_s']} s)")
    click.echo(f"cache file:  {st['cache_file']} (loaded in {st['load_s']} s)")
    click.echo(f"fingerprint: {st['fingerprint']}")
    click.echo(f"quarters:    {', '.join(st['quarters'])}")
    for mode in MODES:
        m = st[mode]
        click.echo(f"{mode + ':':12} {m['nodes']} nodes, {m['edges']} edges, "
                   f"{m['ch_edges']} hierarchy edges")


def _locate(net: StreetNetwork, text: str) -> tuple[float, float, str]:
    """Coordinates of ``"lat,lon"`` or of the best address hit."""
    parts = text.replace(";", ",").split(",")
    if len(parts) == 2:
        try:
            return float(parts[0]), float(parts[1]), text
        except ValueError:
            pass
    hit = net.geocode(text)
    return hit.lat, hit.lon, hit.label


@graph_cli.command("route")
@click.argument("origin")
@click.argument("destination")
@click.option("--mode", type=click.Choice(MODES), default="drive", show_default=True)
@click.option("--geojson", is_flag=True, help="Print the route as a GeoJSON LineString.")
def graph_route(origin: str, destination: str, mode: str, geojson: bool) -> None:
    """Fastest route between two addresses (or "lat,lon" pairs)."""
    net = _network()
    try:
        a = _locate(net, origin)
        b = _locate(net, destination)
        r = net.route_geometry((a[0], a[1]), (b[0], b[1]), mode=mode)
    except (AddressNotFound, RoutingError) as exc:
        raise click.ClickException(str(exc)) from exc
    if geojson:
        click.echo(json.dumps({
            "type": "Feature",
            "geometry": {"type": "LineString",
                         "coordinates": [[lon, lat] for lat, lon in r.coords]},
            "properties": {"travel_time_s": r.travel_time_s, "length_m": r.length_m},
        }))
        return
    click.echo(f"from: {a[2]} ({a[0]:.5f}, {a[1]:.5f})")
    click.echo(f"to:   {b[2]} ({b[0]:.5f}, {b[1]:.5f})")
    click.echo(f"{mode}: {r.travel_time_s / 60:.1f} min, {r.length_m / 1000:.2f} km")
    click.echo("via: " + " → ".join(r.streets))


@address_cli.command("search")
@click.argument("text")
@click.option("--limit", default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
def address_search(text: str, limit: int, as_json: bool) -> None:
    """Search addresses and places (typos, umlauts and Str./Straße are fine)."""
    hits = _network().addresses.search(text, limit=limit)
    if as_json:
        click.echo(json.dumps([h.as_dict() for h in hits], ensure_ascii=False))
        return
    if not hits:
        raise click.ClickException(f"nothing found for {text!r}")
    for h in hits:
        where = h.quarter or "-"
        click.echo(f"{h.label:45} {h.kind:16} {h.lat:.5f} {h.lon:.5f} {where:8} {h.district}")


def register_routing_cli(app: Flask) -> None:
    """Attach the ``graph`` and ``address`` command groups to ``app``."""
    app.cli.add_command(graph_cli)
    app.cli.add_command(address_cli)
