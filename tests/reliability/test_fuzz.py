"""Fuzzing the live API with schemathesis as coordinator, volunteer and resident.

A short run is part of the suite (each operation as one role in turn); ``make fuzz`` runs the
long one (``DISPATCH_FUZZ_EXAMPLES`` generated cases per operation, role and mode, every
operation as every role in ``DISPATCH_FUZZ_ROLES``, which adds the admin, at least
``DISPATCH_FUZZ_MIN_REQUESTS`` requests).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Offer
from dispatch.models import Role
from dispatch.models import TripStop
from tests.factories import PASSWORD
from tests.factories import make_resident
from tests.factories import make_staff
from tests.factories import make_volunteer
from tests.live import Session
from tests.live import running_server
from tests.live import server_exceptions
from tests.quarter import EVINGER_209
from tests.quarter import ride
from tests.quarter import tomorrow_at
from tests.reliability.fuzzing import examples_per_mode
from tests.reliability.fuzzing import fuzz
from tests.reliability.fuzzing import long_run

pytestmark = [pytest.mark.reliability, pytest.mark.slow]


def _people(app: Flask) -> tuple[str, str, str, int]:
    with app.app_context():
        coord = make_staff(Role.COORDINATOR, "eving")
        admin = make_staff(Role.ADMIN, None)
        vol = make_volunteer(lat=EVINGER_209["lat"], lon=EVINGER_209["lon"],
                             shift=(tomorrow_at(7), tomorrow_at(18)))
        res = make_resident()
        db.session.commit()
        return coord.email, admin.email, vol.email, res.id


def test_fuzzed_requests_get_no_server_error_and_documented_answers(
        app: Flask, database_url: str, tmp_path: Path) -> None:
    coord_email, admin_email, vol_email, resident_id = _people(app)
    log = tmp_path / "server.log"
    with running_server(database_url, log=log) as base:
        coord = Session(base)
        coord.login(coord_email, PASSWORD)
        vol = Session(base)
        vol_id = vol.login(vol_email, PASSWORD)["id"]
        code = coord.post(f"/api/v1/residents/{resident_id}/login-code").json()["code"]
        resident = Session(base)
        resident.login_code(code)
        booked = resident.post("/api/v1/requests", ride(tomorrow_at(10)))
        assert booked.status_code == 201, booked.text
        rid = booked.json()["request"]["id"]
        with app.app_context():
            offer_id = db.session.scalar(select(Offer.id).where(Offer.request_id == rid))
            stop = db.session.scalars(select(TripStop).where(TripStop.request_id == rid)).first()
            assert stop is not None
            trip_id, stop_id = stop.trip_id, stop.id
        real_ids = {"request_id": rid, "offer_id": offer_id or 1, "trip_id": trip_id,
                    "stop_id": stop_id, "person_id": resident_id, "volunteer_id": vol_id}
        admin = Session(base)
        admin.login(admin_email, PASSWORD)
        sessions = {"coordinator": coord, "volunteer": vol, "resident": resident, "admin": admin}
        roles = os.environ.get("DISPATCH_FUZZ_ROLES", "coordinator,volunteer,resident")
        figures = fuzz(base, {r: sessions[r] for r in roles.split(",")}, real_ids,
                       examples_per_mode(), every_role=long_run())
        print(f"\nfuzz [{database_url.split(':')[0]}]: {figures.summary()}")
        assert not figures.failures, "\n\n".join(figures.failures[:20])
        assert not [s for s in figures.statuses if s >= 500]
        assert figures.requests >= int(os.environ.get("DISPATCH_FUZZ_MIN_REQUESTS", "100"))
        assert not server_exceptions(log), server_exceptions(log)
