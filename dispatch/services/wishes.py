"""A ride's wishes about its volunteer: languages and same gender.

They are recorded on the request when it is booked (from the booking, else from the
resident's profile), so a later change of the profile does not change the rules of rides
already planned. Rows from before that was recorded fall back to the profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatch.domain.kinds import SameGender
from dispatch.models import Person
from dispatch.models import RideRequest


@dataclass(frozen=True)
class Wishes:
    """Languages the resident speaks and her wish for a volunteer of her own gender."""

    languages: tuple[str, ...]
    same_gender: SameGender

    def as_dict(self) -> dict[str, object]:
        """Plain values (for the API and the audit log)."""
        return {"languages": list(self.languages), "same_gender": self.same_gender.value}


def profile_wishes(resident: Person) -> Wishes:
    """The wishes in a resident's profile (the default of a new booking)."""
    prof = resident.resident
    if prof is None:
        return Wishes((), SameGender.NONE)
    return Wishes(tuple(prof.languages or ()), SameGender(prof.same_gender or "none"))


def wishes_of(req: RideRequest) -> Wishes:
    """The ride's own wishes; the profile's for rows that recorded none."""
    default = profile_wishes(req.resident)
    languages = tuple(req.languages) if req.languages is not None else default.languages
    same = SameGender(req.same_gender) if req.same_gender else default.same_gender
    return Wishes(languages, same)
