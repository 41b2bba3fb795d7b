"""The kinds shared by models, schemas and matching, each defined once."""

from __future__ import annotations

from enum import StrEnum


class RequestKind(StrEnum):
    """What kind of help is asked for."""

    RIDE = "ride"
    RIDE_ESCORT = "ride_escort"  # drive there and stay with the person
    ESCORT_WALK = "escort_walk"  # walk together


class StopKind(StrEnum):
    """What happens at a stop of a trip."""

    PICKUP = "pickup"
    DROPOFF = "dropoff"


class TimeMode(StrEnum):
    """How the asked time is meant."""

    PICKUP_AFTER = "pickup_after"
    ARRIVE_BY = "arrive_by"
