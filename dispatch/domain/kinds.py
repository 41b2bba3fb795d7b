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


class SameGender(StrEnum):
    """A resident's wish for a volunteer of her own gender."""

    NONE = "none"
    SOFT = "soft"  # preferred
    HARD = "hard"  # only then


class Purpose(StrEnum):
    """What the trip is for (the kind of destination), for the monitoring of the quarter."""

    DOCTOR = "doctor"
    PHARMACY = "pharmacy"
    SHOPPING = "shopping"
    WORSHIP = "worship"
    COMMUNITY = "community"  # community centre, meeting place, club
    AUTHORITY = "authority"  # town hall, office, bank
    VISIT = "visit"  # family, friends, cemetery
    OTHER = "other"


class Channel(StrEnum):
    """A way to reach a person outside the app (and the app's live push)."""

    PUSH = "push"  # the PWA's open socket
    EMAIL = "email"
    SMS = "sms"


class NoticeKind(StrEnum):
    """What a notice in the outbox tells its recipient."""

    BOOKED = "booked"  # resident: the request is recorded
    ACCEPTED = "accepted"  # resident: a volunteer took it
    REMINDER = "reminder"  # resident: the day before, with one-click links
    TIME_CHANGED = "time_changed"  # resident / volunteer: the pick-up moved beyond the window
    CANCELLED = "cancelled"  # resident / volunteer of an accepted ride
    ON_THE_WAY = "on_the_way"  # resident: "Anna ist unterwegs"
    WAITING = "waiting"  # resident: "Anna wartet vor der Tür"
    DROPPED_OFF = "dropped_off"  # caregiver: arrived safely
    OFFER = "offer"  # volunteer without an open socket: a new offer
    UNSERVABLE = "unservable"  # coordinators: a request nobody can take


class NoticeState(StrEnum):
    """Where a notice in the outbox stands."""

    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"  # not needed any more (the person saw it live, the ride is gone)
    FAILED = "failed"  # every channel the person allows failed: shown on the board


class DeliveryState(StrEnum):
    """One notice on one channel."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender until its lease ends
    SENT = "sent"
    FAILED = "failed"  # given up on this channel: the next one is tried
