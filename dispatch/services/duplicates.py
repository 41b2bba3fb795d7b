"""Refuse a booking that repeats an open one of the same person, unless they confirm it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from dispatch.domain.duplicates import RideShape
from dispatch.domain.duplicates import likely_same
from dispatch.domain.lifecycle import TERMINAL
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import LikelyDuplicate
from dispatch.extensions import db
from dispatch.models import RideRequest
from dispatch.settings import ServiceRules

#: States of a booking that will still happen (an unservable one may be booked again).
LIVE = [s.value for s in RequestState if s not in TERMINAL and s != RequestState.UNSERVABLE]
WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def _shape(r: RideRequest) -> RideShape:
    return RideShape((r.pickup_lat, r.pickup_lon), (r.dropoff_lat, r.dropoff_lon),
                     r.requested_time)


def find_duplicate(resident_id: int, new: Sequence[RideRequest],
                   rules: ServiceRules) -> tuple[RideRequest, RideRequest] | None:
    """(new, existing) for the first new request that repeats an open booking, else None.

    Call it under the lock of the days of ``new`` (``plan_day.lock_days``), so that of two
    identical bookings at the same instant the second sees the first.
    """
    window = timedelta(minutes=rules.duplicate_window_min)
    times = [r.requested_time for r in new]
    rows = db.session.scalars(select(RideRequest).where(
        RideRequest.resident_id == resident_id, RideRequest.state.in_(LIVE),
        RideRequest.requested_time >= min(times) - window,
        RideRequest.requested_time <= max(times) + window).order_by(RideRequest.requested_time))
    old = list(rows)
    for n in new:
        for o in old:
            if likely_same(_shape(n), _shape(o), radius_m=rules.duplicate_radius_m,
                           window=window):
                return n, o
    return None


def when_de(t: datetime) -> str:
    """'Mittwoch, 2.12., um 9:05 Uhr'."""
    return f"{WEEKDAYS_DE[t.weekday()]}, {t.day}.{t.month}., um {t.hour}:{t.minute:02d} Uhr"


def refuse_duplicate(existing: RideRequest) -> LikelyDuplicate:
    """The 409 naming the ride that is booked already."""
    return LikelyDuplicate(
        f"Diese Fahrt ist schon gebucht: {when_de(existing.requested_time)} von "
        f"„{existing.pickup_address}“ nach „{existing.dropoff_address}“. Möchten Sie wirklich "
        "noch eine buchen?",
        existing={"id": existing.id, "time": existing.requested_time.isoformat(),
                  "pickup": existing.pickup_address, "dropoff": existing.dropoff_address})
