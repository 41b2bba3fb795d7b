"""Domain errors with a code and a message a person understands (no Flask import)."""

from __future__ import annotations

from typing import Any


class DispatchError(Exception):
    """Base of all errors the service reports to people; maps to an HTTP status in the API."""

    code = "dispatch_error"
    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidTransition(DispatchError):
    """A state change that the lifecycle does not allow."""

    code = "invalid_transition"
    status = 409


class NotFound(DispatchError):
    """The thing asked for does not exist (or is not visible to the asker)."""

    code = "not_found"
    status = 404


class NotAllowed(DispatchError):
    """The person may not do this."""

    code = "not_allowed"
    status = 403


class OutsideServiceArea(DispatchError):
    """A place lies outside the streets the service covers."""

    code = "outside_service_area"
    status = 422


class Unservable(DispatchError):
    """No volunteer can take this request under the rules."""

    code = "unservable"
    status = 422


class OfferTaken(DispatchError):
    """The offer was already accepted, declined or has expired."""

    code = "offer_taken"
    status = 409


class InvalidInput(DispatchError):
    """Input that passed the schema but breaks a rule; ``fields`` maps field -> message."""

    code = "invalid_input"
    status = 422


class Conflict(DispatchError):
    """Someone else changed the same thing at the same moment; trying again usually works."""

    code = "conflict"
    status = 409


class PlanBroken(DispatchError):
    """A change would have left a day's plans inconsistent; nothing was saved."""

    code = "plan_broken"
    status = 409


class LikelyDuplicate(DispatchError):
    """The person has an open booking of the same ride; booking it again needs a yes."""

    code = "likely_duplicate"
    status = 409


BUSY_DE = ("Der Dienst ist gerade stark ausgelastet. Bitte versuchen Sie es in einer Minute "
           "noch einmal.")


class Busy(DispatchError):
    """Overload: the change waited too long for its turn (try again in a moment)."""

    code = "busy"
    status = 503
    retry_after_s = 30
