"""Remember which booking a client's idempotency key made, so a repeat books nothing."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import IdempotencyKey
from dispatch.models import RideRequest


def booked_with(person_id: int, key: str | None) -> RideRequest | None:
    """The request this person already booked with ``key``, if any."""
    if not key:
        return None
    return db.session.scalar(select(RideRequest).join(
        IdempotencyKey, IdempotencyKey.request_id == RideRequest.id).where(
        IdempotencyKey.person_id == person_id, IdempotencyKey.key == key))


def remember(person_id: int, key: str | None, request: RideRequest) -> None:
    """Store the key with the request in the booking's own transaction (unique per person:
    of two simultaneous repeats, the second fails, runs again and finds the first)."""
    if key:
        db.session.add(IdempotencyKey(person_id=person_id, key=key, request_id=request.id))
