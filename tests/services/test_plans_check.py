"""The plans stored in the database pass the matching engine's independent checker."""

from __future__ import annotations

from dispatch.jobs.replan import run_pass
from tests.plans import stored_plan_violations
from tests.quarter import BERGSTR
from tests.quarter import DEUTSCHE
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def test_stored_plans_pass_the_checker_after_bookings_and_a_replan(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    for hour, minute in [(8, 0), (8, 20), (9, 0), (9, 30), (11, 0)]:
        body = ride(tomorrow_at(hour, minute), dropoff=BERGSTR if minute else DEUTSCHE)
        assert resident.post("/api/v1/requests", body).status_code == 201
    for phase in ("after insertion", "after re-plan"):
        with quarter.app.app_context():
            violations = stored_plan_violations("eving", tomorrow_at(8),
                                                quarter.app.config["SETTINGS"], require_all=True)
            assert violations == [], phase
        run_pass(quarter.app)
