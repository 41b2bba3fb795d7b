"""Run a simulated day against the real services (no Flask): book, answer, report, cancel.

The engine keeps a queue of events in simulated time. Each event calls the same service
function the API would (:func:`~dispatch.services.booking.create_request`,
:func:`~dispatch.services.offers.accept_offer`, ...), so every change goes through the plan
writer, is checked against the invariants and pushed to residents, volunteers and the board.
A tick every few simulated minutes does what the job worker does (expire offers) and lets
the volunteers report their stops as the clock passes the planned times; every hour the day
is re-planned (iteration-bounded, so the run is deterministic for the seed).
"""

from __future__ import annotations

import heapq
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Protocol

from sqlalchemy import select

from dispatch.domain.kinds import StopKind
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import DispatchError
from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import OfferState
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Trip
from dispatch.models import TripStop
from dispatch.realtime.rooms import user_room
from dispatch.services import events
from dispatch.services.booking import cancel_request
from dispatch.services.booking import create_request
from dispatch.services.clock import utc_now
from dispatch.services.commands import BookRide
from dispatch.services.commands import Place
from dispatch.services.offers import accept_offer
from dispatch.services.offers import decline_offer
from dispatch.services.offers import expire_offers
from dispatch.services.replan import replan_day
from dispatch.services.trips import stop_action
from dispatch.settings import Settings
from dispatch.simulation.demand import PlannedBooking
from dispatch.simulation.demand import Resident
from dispatch.simulation.demand import plan_bookings
from dispatch.simulation.params import SimParams
from dispatch.simulation.places import QuarterPlaces
from dispatch.simulation.population import Population
from dispatch.simulation.population import ensure_population
from dispatch.simulation.result import SimResult

log = logging.getLogger(__name__)
#: a volunteer holds these requests and reports their stops
COMMITTED = (RequestState.ACCEPTED.value, RequestState.EN_ROUTE.value,
             RequestState.PICKED_UP.value)


class Clock(Protocol):
    """A :class:`~dispatch.simulation.clock.SimClock` or a real clock."""

    speed: float | None

    def now(self) -> datetime: ...

    def advance_to(self, local: datetime) -> None: ...


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    data: Any = field(compare=False, default=None)


class Simulation:
    """One quarter's simulated day; :meth:`run` plays it on ``clock``."""

    def __init__(self, settings: Settings, params: SimParams, places: QuarterPlaces, *,
                 clock: Clock, progress: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.params = params
        self.places = places
        self.clock = clock
        self.progress = progress
        self.rng = random.Random(
            f"{params.seed}:{params.quarter}:{params.day}:{params.run}:answers")
        self.result = SimResult(quarter=params.quarter, day=params.day, seed=params.seed)
        self._queue: list[_Event] = []
        self._seq = 0
        self._inbox: list[events.Event] = []
        self._expiries: dict[int, datetime] = {}  # open offers seen -> expiry (naive UTC)
        self._volunteer_rooms: dict[str, int] = {}
        self._held: set[int] = set()  # requests the simulated volunteers hold
        self._stops_due = datetime.min  # no stop report is due before this (local time)
        self._stops_event_at: datetime | None = None  # when a "stops" event is queued
        self._population: Population | None = None
        self._volunteers: set[int] = set()
        self._bookings: dict[int, PlannedBooking] = {}  # outward request id -> its plan
        self._no_show: set[int] = set()
        self._day0 = datetime(params.day.year, params.day.month, params.day.day)

    # -- set-up -------------------------------------------------------------------------------

    def prepare(self) -> list[PlannedBooking]:
        """Create (or find) the people and draw the day's bookings."""
        pop = ensure_population(self.params, self.places)
        self._population = pop
        self._volunteers = set(pop.volunteers)
        residents = []
        for rid in pop.residents:
            p = db.session.get(Person, rid)
            assert p is not None
            assert p.resident is not None
            residents.append(Resident(p.id, p.resident.home_lat, p.resident.home_lon,
                                      p.resident.home_address, p.resident.languages[0],
                                      tuple(p.resident.mobility_aids)))
        db.session.rollback()
        bookings = plan_bookings(self.params, self.places, residents)
        self.result.bookings_planned = len(bookings)
        for b in bookings:
            self._push(b.book_at, "book", b)
        self._volunteer_rooms = {user_room(v): v for v in pop.volunteers}
        return bookings

    def _push(self, at: datetime, kind: str, data: Any = None) -> None:
        self._seq += 1
        heapq.heappush(self._queue, _Event(at, self._seq, kind, data))

    # -- the loop -----------------------------------------------------------------------------

    def run(self, until: datetime | None = None, *,
            stop: threading.Event | None = None) -> SimResult:
        """Play events until ``until`` (default: the end of the simulated day) or ``stop``."""
        if self._population is None:
            self.prepare()
        events.subscribe(self._on_event)
        try:
            return self._loop(until, stop)
        finally:
            events.unsubscribe(self._on_event)

    def _loop(self, until: datetime | None, stop: threading.Event | None) -> SimResult:
        end = until or self.params.end_at
        now = self.clock.now()
        tick = timedelta(minutes=self.params.tick_minutes)
        self._push(now, "tick")
        self._held = {r for r, in db.session.execute(
            select(TripStop.request_id).join(Trip, Trip.id == TripStop.trip_id)
            .join(RideRequest, RideRequest.id == TripStop.request_id)
            .where(Trip.volunteer_id.in_(self._volunteers), RideRequest.state.in_(COMMITTED)))}
        db.session.rollback()
        if self.params.replan_every_minutes:
            self._push(now + timedelta(minutes=self.params.replan_every_minutes), "replan")
        self._push(end, "end")
        next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        while self._queue:
            if stop is not None and stop.is_set():
                break
            ev = heapq.heappop(self._queue)
            if ev.at > end:
                break
            self.clock.advance_to(ev.at)
            if stop is not None and stop.is_set():
                break  # woken from the wait to stop
            if self.progress and ev.at >= next_hour:
                self.progress(f"{ev.at:%a %H:%M} {self.params.quarter}: "
                              f"{self.result.bookings_made} bookings, "
                              f"{sum(self.result.stop_reports.values())} stop reports")
                next_hour = ev.at.replace(minute=0, second=0) + timedelta(hours=1)
            try:
                self._handle(ev)
            except DispatchError as exc:  # an answer of the service, like a 409: counted
                db.session.rollback()
                log.warning("simulation %s at %s: %s %s", ev.kind, ev.at, exc, exc.details)
                self.result.refused[f"{ev.kind}:{exc.code}"] += 1
                self._stops_due = datetime.min  # look at the stops again at the next tick
            if ev.kind == "end":
                break
            if ev.kind == "stops":
                self._schedule_stops()
            if ev.kind == "tick":
                self._push(ev.at + tick, "tick")
            elif ev.kind == "replan":
                self._push(ev.at + timedelta(minutes=self.params.replan_every_minutes), "replan")
        self._final_counts()
        return self.result

    def _handle(self, ev: _Event) -> None:
        if ev.kind == "book":
            self._book(ev.data)
        elif ev.kind == "answer":
            self._answer(*ev.data)
        elif ev.kind == "cancel":
            self._cancel(ev.data)
        elif ev.kind in ("tick", "end"):
            self._tick()
        elif ev.kind == "stops":
            if ev.at == self._stops_event_at and self._held:
                self._report_stops()
        elif ev.kind == "replan":
            self._replan()
        if ev.kind != "tick":
            self._discover_offers()

    # -- residents ----------------------------------------------------------------------------

    def _book(self, b: PlannedBooking) -> None:
        resident = db.session.get(Person, b.resident_id)
        assert resident is not None
        p = self.params
        cmd = BookRide(kind=b.kind, time=b.time, time_mode=b.time_mode,
                       pickup=Place(*b.pickup),
                       dropoff=Place(b.destination.label, b.destination.lat, b.destination.lon),
                       return_after_minutes=b.return_after_minutes,
                       repeat_weekly=b.repeat_weekly, purpose=b.purpose,
                       idempotency_key=f"sim-{p.seed}-{p.day}-{p.run}-{b.n}"[:80])
        try:
            req = create_request(resident, cmd, self.settings)
        except DispatchError as exc:
            db.session.rollback()
            log.info("simulation: booking %d refused: %s %s", b.n, exc, exc.details)
            self.result.refused[exc.code] += 1
            return
        r = self.result
        r.bookings_made += 1
        r.request_ids.append(req.id)
        r.by_purpose[b.purpose.value] += 1
        r.by_kind[b.kind.value] += 1
        r.by_language[b.language] += 1
        r.by_time_mode[b.time_mode.value] += 1
        r.by_aid[b.aids[0] if b.aids else "none"] += 1
        r.returns += b.return_after_minutes is not None
        r.weekly += b.repeat_weekly
        self._bookings[req.id] = b
        if b.no_show:
            self._no_show.add(req.id)
        if b.cancel_at is not None:
            self._push(max(b.cancel_at, self.clock.now()), "cancel", req.id)

    def _cancel(self, request_id: int) -> None:
        req = db.session.get(RideRequest, request_id)
        if req is None or RequestState(req.state) not in (
                RequestState.REQUESTED, RequestState.PLANNED, RequestState.OFFERED,
                RequestState.ACCEPTED, RequestState.UNSERVABLE):
            db.session.rollback()
            return  # under way or over: too late to cancel
        resident = db.session.get(Person, req.resident_id)
        assert resident is not None
        cancel_request(resident, request_id, self.settings)
        self.result.cancellations += 1
        self._stops_due = datetime.min

    # -- volunteers ---------------------------------------------------------------------------

    def _on_event(self, event: events.Event) -> None:
        """What the volunteers' phones receive (the normal push path): kept for the loop."""
        if event.name in ("offer.created", "offer.withdrawn"):
            self._inbox.append(event)  # list.append is atomic: pushes may come from any thread

    def _discover_offers(self) -> None:
        """Decide how the simulated volunteers will answer each new offer to them."""
        p = self.params
        now = self.clock.now()
        while self._inbox:
            event = self._inbox.pop(0)
            if event.name == "offer.withdrawn":
                self._expiries.pop(int(event.payload["id"]), None)
                continue
            offer = event.payload["offer"]
            offer_id = int(offer["id"])
            if offer_id in self._expiries or offer["state"] != OfferState.OPEN.value:
                continue
            self._expiries[offer_id] = datetime.fromisoformat(offer["expires_at"].rstrip("Z"))
            volunteer_id = next((self._volunteer_rooms[r] for r in event.rooms
                                 if r in self._volunteer_rooms), None)
            if volunteer_id is None:
                continue  # a real person (or another quarter's simulation) answers it
            roll = self.rng.random()
            delay = timedelta(minutes=self.rng.uniform(*p.answer_minutes))
            if roll < p.accept_share:
                self._push(now + delay, "answer", (offer_id, volunteer_id, "accept"))
            elif roll < p.accept_share + p.decline_share:
                self._push(now + delay, "answer", (offer_id, volunteer_id, "decline"))
            else:
                self.result.offers["ignored"] += 1

    def _answer(self, offer_id: int, volunteer_id: int, how: str) -> None:
        self._expiries.pop(offer_id, None)
        person = db.session.get(Person, volunteer_id)
        offer = db.session.get(Offer, offer_id)
        if person is None or offer is None or offer.state != OfferState.OPEN.value:
            db.session.rollback()
            self.result.offers["too_late"] += 1  # withdrawn by a re-plan or cancelled
            return
        try:
            if how == "accept":
                accept_offer(person, offer_id)
                self.result.offers["accepted"] += 1
                self._held.add(offer.request_id)
                self._stops_due = datetime.min
            else:
                decline_offer(person, offer_id, self.settings)
                self.result.offers["declined"] += 1
        except DispatchError:
            db.session.rollback()
            self.result.offers["too_late"] += 1

    def _tick(self) -> None:
        now_utc = utc_now()
        if any(at <= now_utc for at in self._expiries.values()):
            try:
                self.result.expired += expire_offers(self.settings)
            except DispatchError as exc:  # counted; the volunteers still report their stops
                db.session.rollback()
                log.warning("simulation: offer expiry refused: %s %s", exc, exc.details)
                self.result.refused[f"expire:{exc.code}"] += 1
            for offer_id in [o for o, at in self._expiries.items() if at <= now_utc]:
                del self._expiries[offer_id]
            self._discover_offers()
        if self._held and self.clock.now() >= self._stops_due:
            self._report_stops()
            self._schedule_stops()

    def _report_stops(self) -> None:
        """Each volunteer's next stop: arrived when its time comes, done when it is over."""
        now = self.clock.now()
        rows = db.session.execute(
            select(TripStop.id, TripStop.trip_id, TripStop.kind, TripStop.request_id,
                   TripStop.planned_arrival, TripStop.planned_departure, TripStop.arrived_at,
                   Trip.volunteer_id)
            .join(Trip, Trip.id == TripStop.trip_id)
            .join(RideRequest, RideRequest.id == TripStop.request_id)
            .where(Trip.quarter_slug == self.params.quarter, Trip.service_day == self._day0,
                   Trip.volunteer_id.in_(self._volunteers), TripStop.done_at.is_(None),
                   RideRequest.state.in_(COMMITTED))
            .order_by(Trip.id, TripStop.seq)).all()
        db.session.rollback()
        self._held = {row.request_id for row in rows}
        first: dict[int, Any] = {}
        for row in rows:
            first.setdefault(row.trip_id, row)
        self._stops_due = datetime.max
        for row in first.values():
            if row.planned_arrival > now:
                self._stops_due = min(self._stops_due, row.planned_arrival)
                continue
            person = db.session.get(Person, row.volunteer_id)
            assert person is not None
            if row.arrived_at is None:
                self._report(person, row.id, "arrived")
                if row.planned_departure > now:
                    self._stops_due = min(self._stops_due, row.planned_departure)
                    continue
            if row.kind == StopKind.PICKUP and row.request_id in self._no_show:
                self._report(person, row.id, "no_show")
                self.result.no_shows += 1
                self._cancel_return(row.request_id)
            else:
                self._report(person, row.id, "picked_up" if row.kind == StopKind.PICKUP
                             else "dropped_off")
            self._stops_due = now  # the next stop of this trip may be due at once

    def _schedule_stops(self) -> None:
        """Volunteers are on time: look again exactly when the next stop is due."""
        due = self._stops_due
        if datetime.min < due < datetime.max and due != self._stops_event_at:
            self._stops_event_at = due
            self._push(due, "stops")

    def _report(self, person: Person, stop_id: int, action: str) -> None:
        stop_action(person, stop_id, action)
        self.result.stop_reports[action] += 1

    def _cancel_return(self, request_id: int) -> None:
        """Whoever missed the outward ride needs no ride back: the resident cancels it."""
        ret = db.session.scalar(select(RideRequest.id).where(
            RideRequest.return_of_id == request_id))
        db.session.rollback()
        if ret is not None:
            self._cancel(ret)

    # -- the job worker's part ----------------------------------------------------------------

    def _replan(self) -> None:
        counts = replan_day(self.params.quarter, self._day0, self.settings,
                            seconds=self.settings.service.replan_seconds,
                            iterations=self.params.replan_iterations, seed=self.params.seed)
        self.result.replans += 1
        self._stops_due = datetime.min  # locked stops keep their order, but times may move
        log.debug("re-plan %s %s: %s", self.params.quarter, self.params.day, counts)

    def _final_counts(self) -> None:
        day_end = self._day0 + timedelta(days=1)
        rows = db.session.execute(select(RideRequest.state, RideRequest.reason_code).where(
            RideRequest.quarter_slug == self.params.quarter,
            RideRequest.requested_time >= self._day0,
            RideRequest.requested_time < day_end)).all()
        db.session.rollback()
        self.result.final_states.clear()
        self.result.unservable_reasons.clear()
        for state, reason in rows:
            self.result.final_states[state] += 1
            if state == RequestState.UNSERVABLE.value:
                self.result.unservable_reasons[reason or "unknown"] += 1
