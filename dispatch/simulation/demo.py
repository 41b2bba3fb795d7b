"""The populated demo of ``make run``: a morning simulated fast, then a trickle of bookings.

:func:`seed_demo_day` runs once before the server starts (``flask sim demo``): for every
quarter it simulates the demo day from the evening before up to now, as fast as it goes, so
the board shows finished, running and planned trips. :func:`start_trickle` then keeps the same
simulated people busy inside the running server (embedded mode), on the machine's clock: a
few bookings an hour, volunteers answering offers and reporting their stops.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Person
from dispatch.models import Shift
from dispatch.services.clock import local_now
from dispatch.services.quarters import sync_quarters
from dispatch.settings import Settings
from dispatch.simulation import places_for
from dispatch.simulation.clock import RealClock
from dispatch.simulation.clock import SimClock
from dispatch.simulation.engine import Simulation
from dispatch.simulation.params import SimParams

log = logging.getLogger(__name__)
DEMO_SEED = 2026
DEMO_RESIDENTS = 30
DEMO_VOLUNTEERS = 6
TRICKLE_PER_HOUR = 6.0
LAST_HOUR = 17  # after this the demo shows the next day


def demo_day(now: datetime) -> date:
    """Today while the service day is on, else tomorrow."""
    return now.date() if now.hour < LAST_HOUR else now.date() + timedelta(days=1)


def _seeded(quarter: str, day: date) -> bool:
    """Whether the demo day was simulated: its first volunteer has a shift that day."""
    start = datetime(day.year, day.month, day.day)
    found = db.session.scalar(select(Shift.id).join(
        Person, Person.id == Shift.volunteer_id).where(
        Person.email == f"sim-{quarter}-v0@example.org", Shift.starts_at >= start,
        Shift.starts_at < start + timedelta(days=1)).limit(1))
    db.session.rollback()
    return found is not None


def seed_demo_day(settings: Settings, *, requests: int = 30, volunteers: int = DEMO_VOLUNTEERS,
                  progress: Callable[[str], None] | None = None) -> Iterator[str]:
    """Simulate every quarter's demo day up to now, once per day; yields a line per quarter."""
    sync_quarters(settings)
    db.session.commit()
    now = local_now()
    day = demo_day(now)
    for q in settings.quarters:
        if _seeded(q.slug, day):
            yield f"{q.slug}: demo day {day} already simulated"
            continue
        params = SimParams(q.slug, day, requests=requests, volunteers=volunteers,
                           seed=DEMO_SEED, residents=DEMO_RESIDENTS, run="demo",
                           replan_every_minutes=120, replan_iterations=100, tick_minutes=3)
        clock = SimClock(params.start_at)
        sim = Simulation(settings, params, places_for(settings, q.slug), clock=clock,
                         progress=progress)
        with clock.running():
            sim.prepare()
            result = sim.run(until=min(now, params.end_at))
        yield from result.lines()


def start_trickle(app_context: Callable[[], AbstractContextManager[object]],
                  settings: Settings, *, per_hour: float = TRICKLE_PER_HOUR) -> threading.Event:
    """Keep the demo going in the running server: one daemon thread per quarter; set the
    returned event to stop them."""
    stop = threading.Event()

    def loop(quarter: str) -> None:
        places = places_for(settings, quarter)
        while not stop.is_set():
            with app_context():
                now = local_now()
                day = demo_day(now)
                end = datetime(day.year, day.month, day.day, 19)
                hours = max(0.5, (end - now).total_seconds() / 3600 - 1)
                params = SimParams(quarter, day, requests=max(1, round(per_hour * hours)),
                                   volunteers=DEMO_VOLUNTEERS, seed=DEMO_SEED,
                                   residents=DEMO_RESIDENTS, start=now, lead="spread",
                                   run=f"trickle-{now:%H%M%S}", replan_every_minutes=0,
                                   tick_minutes=1)
                sim = Simulation(settings, params, places, clock=RealClock(sleep=stop.wait))
                try:
                    sim.run(until=end, stop=stop)
                except Exception:  # noqa: BLE001 - the demo goes on; the server keeps serving
                    log.exception("demo trickle of %s failed", quarter)
                    db.session.rollback()
                    stop.wait(60)

    for q in settings.quarters:
        threading.Thread(target=loop, args=(q.slug,), name=f"demo-trickle-{q.slug}",
                         daemon=True).start()
    return stop
