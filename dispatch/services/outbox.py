"""Write notices into the outbox, in the unit of work of the change that causes them.

The plan writers call these next to their audit entries; the job worker sends what they wrote
(:mod:`dispatch.notifications.sender`). A rolled-back unit of work takes its notices with it,
and a committed one can never lose them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dispatch.domain.kinds import NoticeKind
from dispatch.domain.kinds import StopKind
from dispatch.domain.lifecycle import RequestState
from dispatch.extensions import db
from dispatch.models import Notice
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models import TripStop
from dispatch.models._types import utcnow
from dispatch.services.serialize import car_of

K = NoticeKind
#: What the caregiver the resident named gets a copy of (with consent).
CAREGIVER_KINDS = frozenset({K.ACCEPTED, K.REMINDER, K.TIME_CHANGED, K.CANCELLED,
                             K.ON_THE_WAY, K.WAITING, K.DROPPED_OFF})
#: Only for the caregiver: the resident knows she has arrived.
CAREGIVER_ONLY = frozenset({K.DROPPED_OFF})


def _iso(dt: datetime | None) -> str | None:
    return dt.replace(microsecond=0).isoformat() if dt else None


def pickup_of(req: RideRequest) -> datetime:
    """The pick-up time to tell: the planned one, else the start of the asked window."""
    stop = db.session.scalar(select(TripStop).where(TripStop.request_id == req.id,
                                                    TripStop.kind == StopKind.PICKUP.value))
    return stop.planned_arrival if stop is not None else req.window_start


def ride_params(req: RideRequest, volunteer: Person | None = None) -> dict[str, Any]:
    """What a resident's notice says about the ride: time, volunteer's first name, car."""
    out: dict[str, Any] = {"pickup": _iso(pickup_of(req)),
                           "resident": req.resident.display_name}
    if volunteer is not None:
        out["volunteer"] = volunteer.first_name
        out["car"] = car_of(volunteer)
    return out


def notice(kind: NoticeKind, person: Person, *, request: RideRequest | None = None,
           key: str | None = None, not_before: datetime | None = None,
           **params: Any) -> list[Notice]:
    """Add a notice for ``person`` (and the copy for her caregiver) to the unit of work."""
    quarter = request.quarter_slug if request is not None else person.quarter_slug
    made = []
    clean = {k: v for k, v in params.items() if v is not None}
    recipients = [False]
    prof = person.resident
    if prof is not None and kind in CAREGIVER_KINDS and prof.copies_caregiver:
        recipients.append(True)
    if kind in CAREGIVER_ONLY:
        recipients = [r for r in recipients if r]
    for to_caregiver in recipients:
        row = Notice(kind=kind.value, person_id=person.id, to_caregiver=to_caregiver,
                     quarter_slug=quarter, request_id=request.id if request else None,
                     params=clean, key=f"{key}:{int(to_caregiver)}" if key else None,
                     not_before=not_before or utcnow())
        db.session.add(row)
        made.append(row)
    return made


def booked(req: RideRequest) -> None:
    """The resident's booking is recorded."""
    notice(K.BOOKED, req.resident, request=req, **ride_params(req))


def accepted(req: RideRequest, volunteer: Person) -> None:
    """A volunteer took the ride: who comes, when, in which car."""
    req.told_pickup = pickup_of(req)
    notice(K.ACCEPTED, req.resident, request=req, **ride_params(req, volunteer))


def cancelled(req: RideRequest, volunteer: Person | None, *, tell_resident: bool) -> None:
    """The ride is off: the resident (unless she cancelled it herself in the app) and the
    volunteer who had accepted it."""
    if tell_resident:
        notice(K.CANCELLED, req.resident, request=req, **ride_params(req))
    if volunteer is not None:
        notice(K.CANCELLED, volunteer, request=req, audience="volunteer", **ride_params(req))


def offer_made(req: RideRequest, volunteer: Person, offer_id: int) -> None:
    """A volunteer without an open socket learns of the offer (the sender checks)."""
    notice(K.OFFER, volunteer, request=req, audience="volunteer", offer_id=offer_id,
           **ride_params(req))


def stop_reported(req: RideRequest, volunteer: Person, action: str, stop_kind: str) -> None:
    """On the way, waiting at the door, dropped off: told as it happens."""
    kind = {("on_the_way", StopKind.PICKUP.value): K.ON_THE_WAY,
            ("arrived", StopKind.PICKUP.value): K.WAITING,
            ("dropped_off", StopKind.DROPOFF.value): K.DROPPED_OFF}.get((action, stop_kind))
    if kind is not None:
        notice(kind, req.resident, request=req, **ride_params(req, volunteer))


def unservable(req: RideRequest) -> None:
    """Every coordinator of the quarter learns that nobody can take the request."""
    for coord in db.session.scalars(select(Person).where(
            Person.role == Role.COORDINATOR, Person.quarter_slug == req.quarter_slug,
            Person.active)):
        notice(K.UNSERVABLE, coord, request=req, audience="coordinator", request_id=req.id,
               reason=req.reason_text, **ride_params(req))


def times_changed(request_ids: Iterable[int]) -> None:
    """Accepted rides whose planned pick-up moved beyond their window since the resident was
    told: tell her and the volunteer (called by the plan writer's commit)."""
    from dispatch.services.plans import volunteer_of

    ids = list(request_ids)
    if not ids:
        return
    for req in db.session.scalars(select(RideRequest).where(
            RideRequest.id.in_(ids), RideRequest.told_pickup.is_not(None),
            RideRequest.state == RequestState.ACCEPTED.value)):
        now = pickup_of(req)
        assert req.told_pickup is not None
        if abs(now - req.told_pickup) <= max(req.window_end - req.window_start,
                                             timedelta(minutes=1)):
            continue
        old, req.told_pickup = req.told_pickup, now
        volunteer = volunteer_of(req)
        params = {**ride_params(req, volunteer), "old_pickup": _iso(old)}
        notice(K.TIME_CHANGED, req.resident, request=req, **params)
        if volunteer is not None:
            notice(K.TIME_CHANGED, volunteer, request=req, audience="volunteer", **params)


REMINDER_STATES = (RequestState.ACCEPTED, RequestState.OFFERED, RequestState.PLANNED)


def queue_reminders(today: datetime) -> int:
    """The day-before reminders for tomorrow's rides (once each: a unique key); returns how
    many were written. Commits."""
    from dispatch.services.plans import volunteer_of

    start = datetime(today.year, today.month, today.day) + timedelta(days=1)
    reqs = db.session.scalars(select(RideRequest).where(
        RideRequest.requested_time >= start, RideRequest.requested_time < start + timedelta(1),
        RideRequest.state.in_([s.value for s in REMINDER_STATES]))).all()
    keys = {f"reminder:{r.id}:{start.date()}" for r in reqs}
    have = set(db.session.scalars(select(Notice.key).where(
        Notice.key.in_([f"{k}:0" for k in keys])))) if keys else set()
    made = 0
    for req in reqs:
        key = f"reminder:{req.id}:{start.date()}"
        if f"{key}:0" in have:
            continue
        volunteer = volunteer_of(req) if req.state == RequestState.ACCEPTED else None
        notice(K.REMINDER, req.resident, request=req, key=key,
               **ride_params(req, volunteer))
        made += 1
    try:
        db.session.commit()
    except IntegrityError:  # another worker wrote them at the same moment
        db.session.rollback()
        return 0
    return made


def forget_person(person_id: int) -> None:
    """Erasure: the person's notices and call-back wishes go; notices to others about her
    rides keep no name (not committed: the erasure's unit of work commits)."""
    from sqlalchemy import delete

    from dispatch.models import BoardTask
    from dispatch.models import Delivery
    from dispatch.models import ShortLink

    rides = select(RideRequest.id).where(RideRequest.resident_id == person_id)
    own = select(Notice.id).where(Notice.person_id == person_id)
    db.session.execute(delete(Delivery).where(Delivery.notice_id.in_(own)))
    db.session.execute(delete(Notice).where(Notice.person_id == person_id))
    for other in db.session.scalars(select(Notice).where(Notice.request_id.in_(rides))):
        other.params = {k: v for k, v in other.params.items() if k != "resident"}
    db.session.execute(delete(BoardTask).where(BoardTask.person_id == person_id))
    db.session.execute(delete(ShortLink).where(ShortLink.request_id.in_(rides)))


def drop_old_notices(before: datetime) -> None:
    """Retention: notices written before ``before`` go with their deliveries (not committed)."""
    from sqlalchemy import delete

    from dispatch.models import Delivery

    old = select(Notice.id).where(Notice.created_at < before)
    db.session.execute(delete(Delivery).where(Delivery.notice_id.in_(old)))
    db.session.execute(delete(Notice).where(Notice.created_at < before))
