"""Background work: expired offers pass on; a re-plan keeps accepted trips exactly as they are."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.jobs.replan import run_pass
from dispatch.models import Offer
from dispatch.models import RideRequest
from dispatch.models import TripStop
from dispatch.models._types import utcnow
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def test_expired_offer_passes_to_the_next_volunteer(quarter: Quarter) -> None:
    quarter.resident(0).post("/api/v1/requests", ride(tomorrow_at(9)))
    with quarter.app.app_context():
        offer = db.session.scalar(select(Offer))
        first = offer.volunteer_id
        offer.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    out = run_pass(quarter.app)
    assert out["expired"] == 1
    with quarter.app.app_context():
        offers = db.session.scalars(select(Offer).order_by(Offer.id)).all()
        assert [o.state for o in offers] == ["expired", "open"]
        assert offers[1].volunteer_id != first
        assert db.session.scalar(select(RideRequest.state)) == "offered"


def test_replan_keeps_accepted_stops_and_places_everyone(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    for hour in (8, 9, 10, 11):
        assert resident.post("/api/v1/requests", ride(tomorrow_at(hour))).status_code == 201
    with quarter.app.app_context():
        offer = db.session.scalars(select(Offer).order_by(Offer.id)).first()
        vol = next(v for v in quarter.volunteers if v.id == offer.volunteer_id)
        offer_id = offer.id
    assert quarter.staff(vol).post(f"/api/v1/offers/{offer_id}/accept").status_code == 200

    def locked_stops() -> list[tuple[int, int, str, object]]:
        with quarter.app.app_context():
            rows = db.session.scalars(select(TripStop).where(TripStop.locked)).all()
            return sorted((s.trip.volunteer_id, s.request_id, s.kind, s.planned_arrival)
                          for s in rows)

    before = locked_stops()
    assert len(before) == 2
    out = run_pass(quarter.app)
    assert out["days"] == 1
    assert locked_stops() == before
    with quarter.app.app_context():
        states = sorted(db.session.scalars(select(RideRequest.state)))
        assert states == ["accepted", "offered", "offered", "offered"]
        # every offered request is on the trip of the volunteer it is offered to
        for o in db.session.scalars(select(Offer).where(Offer.state == "open")):
            stop = db.session.scalar(select(TripStop).where(TripStop.request_id == o.request_id,
                                                            TripStop.kind == "pickup"))
            assert stop.trip.volunteer_id == o.volunteer_id


def test_replan_gives_way_when_the_day_changed_meanwhile(quarter: Quarter) -> None:
    """A booking that lands while the solver runs is never overwritten by stale plans."""
    from dispatch.services import replan

    resident = quarter.resident(0)
    resident.post("/api/v1/requests", ride(tomorrow_at(8)))
    real_solve = replan.matching.solve

    def solve_while_someone_books(*args: object, **kw: object) -> object:
        result = real_solve(*args, **kw)  # type: ignore[arg-type]
        assert resident.post("/api/v1/requests", ride(tomorrow_at(10))).status_code == 201
        return result

    replan.matching.solve = solve_while_someone_books  # type: ignore[assignment]
    try:
        out = run_pass(quarter.app)
    finally:
        replan.matching.solve = real_solve  # type: ignore[assignment]
    assert out["trips_changed"] == 0
    assert out["gave_way"] == 1
    with quarter.app.app_context():
        pickups = db.session.scalars(select(TripStop.request_id).where(
            TripStop.kind == "pickup")).all()
        assert len(pickups) == 2  # both bookings keep their stops
