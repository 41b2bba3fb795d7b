"""Database models (Flask-SQLAlchemy, SQLAlchemy 2 typed mappings). Models never commit."""

from dispatch.domain.kinds import RequestKind
from dispatch.domain.kinds import StopKind
from dispatch.domain.kinds import TimeMode
from dispatch.models.audit import AuditEntry
from dispatch.models.idempotency import IdempotencyKey
from dispatch.models.idempotency import UsedLink
from dispatch.models.notices import BoardTask
from dispatch.models.notices import Delivery
from dispatch.models.notices import Notice
from dispatch.models.notices import OpenSocket
from dispatch.models.notices import ShortLink
from dispatch.models.people import Person
from dispatch.models.people import Quarter
from dispatch.models.people import ResidentProfile
from dispatch.models.people import Role
from dispatch.models.people import Shift
from dispatch.models.people import VolunteerProfile
from dispatch.models.plan_day import PlanDay
from dispatch.models.requests import RideRequest
from dispatch.models.trips import Offer
from dispatch.models.trips import OfferState
from dispatch.models.trips import Trip
from dispatch.models.trips import TripStop

__all__ = [
    "AuditEntry",
    "BoardTask",
    "Delivery",
    "IdempotencyKey",
    "Notice",
    "Offer",
    "OfferState",
    "OpenSocket",
    "Person",
    "PlanDay",
    "Quarter",
    "RequestKind",
    "ResidentProfile",
    "RideRequest",
    "Role",
    "Shift",
    "ShortLink",
    "StopKind",
    "TimeMode",
    "Trip",
    "TripStop",
    "UsedLink",
    "VolunteerProfile",
]
