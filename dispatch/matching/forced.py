"""A coordinator's override: the time rules of one request and one volunteer, loosened.

On the phone the office may agree with a resident and a volunteer that the ride comes later
than asked, takes longer, or ends after the shift. Only those rules of time give way, by at
most :data:`FORCE_SLACK_S`; places, wheelchairs, languages, gender wishes, walking and the
week's hours stay hard. Once accepted, the stops are locked and later plans keep their times
(:mod:`dispatch.matching.late`).
"""

from __future__ import annotations

from dataclasses import replace

from dispatch.matching import reasons
from dispatch.matching.problem import INF
from dispatch.matching.problem import Problem

#: How much later than its rules a forced request may be served (seconds).
FORCE_SLACK_S = 3600.0

#: The refusals an override may lift: they are about time only (for a volunteer with a
#: shift that day, "no one on shift" means the ride ends after the shift).
FORCEABLE = frozenset({reasons.DETOUR_LIMIT, reasons.WINDOW_TOO_EARLY, reasons.VOLUNTEERS_BUSY,
                       reasons.NOT_PLANNED, reasons.NO_VOLUNTEER_ON_SHIFT})


def loosen_times(problem: Problem, request_id: str, vehicle_id: str,
                 slack: float = FORCE_SLACK_S) -> Problem:
    """``problem`` with the request's windows ``slack`` later, no ride limit, and the
    volunteer's shift ``slack`` longer."""
    req = problem.request(request_id)
    lo, hi = problem.pickup_window(req)
    pickup = (lo, hi + slack) if hi != INF else req.pickup_window
    drop_lo, drop_hi = problem.dropoff_window(req)
    dropoff = (drop_lo, drop_hi + slack) if drop_hi != INF else req.dropoff_window
    loosened = replace(req, pickup_window=pickup, dropoff_window=dropoff, max_ride=None)
    vehicles = tuple(replace(v, shift=(v.shift[0], v.shift[1] + slack)) if v.id == vehicle_id
                     else v for v in problem.vehicles)
    return replace(problem, vehicles=vehicles).with_request(loosened)
