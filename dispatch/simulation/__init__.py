"""A simulated day of service on the real streets, driving the real services (no Flask).

>>> params = SimParams("eving", date(2026, 12, 3), requests=150)
>>> result = simulate(settings, params)  # doctest: +SKIP

Homes and destinations come from the OSM files (:mod:`.places`), the residents and volunteers
are stored once (:mod:`.population`), the day's bookings are drawn from the seed
(:mod:`.demand`), and :mod:`.engine` plays them on a simulated clock (:mod:`.clock`). The
counts come back as a :class:`SimResult`. Call it inside an application context.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dispatch.settings import Settings
from dispatch.simulation.clock import RealClock
from dispatch.simulation.clock import SimClock
from dispatch.simulation.engine import Simulation
from dispatch.simulation.params import SimParams
from dispatch.simulation.places import QuarterPlaces
from dispatch.simulation.places import load_places
from dispatch.simulation.result import SimResult

__all__ = ["RealClock", "SimClock", "SimParams", "SimResult", "Simulation", "places_for",
           "simulate"]


def places_for(settings: Settings, quarter: str) -> QuarterPlaces:
    """Homes and destinations of a configured quarter (parsed once, then from the cache)."""
    cfg = settings.routing
    if cfg.osm_file is None or cfg.pois_file is None:
        msg = "the simulation needs the street file and the POI file (config/service.toml)"
        raise ValueError(msg)
    places = load_places(cfg.osm_file, cfg.pois_file, settings.quarters, cfg.cache_dir)
    if quarter not in places:
        msg = f"unknown quarter {quarter!r}; configured: {', '.join(sorted(places))}"
        raise ValueError(msg)
    if not places[quarter].homes or not places[quarter].destinations:
        msg = f"the map has no homes or no destinations in {quarter!r}"
        raise ValueError(msg)
    return places[quarter]


def simulate(settings: Settings, params: SimParams, *, speed: float | None = None,
             until: datetime | None = None,
             progress: Callable[[str], None] | None = None) -> SimResult:
    """Play one simulated day of a quarter (``speed`` None: as fast as possible)."""
    clock = SimClock(params.start_at, speed=speed)
    sim = Simulation(settings, params, places_for(settings, params.quarter), clock=clock,
                     progress=progress)
    with clock.running():
        sim.prepare()
        return sim.run(until)
