"""Why a request stayed unmet: the stored reason codes grouped into the six monitored reasons."""

from __future__ import annotations

from enum import StrEnum

from dispatch.matching import reasons as r


class UnmetReason(StrEnum):
    """The reasons the monitoring counts (in this order)."""

    NO_VOLUNTEER = "no_volunteer"  # nobody suitable on shift, or all of them busy
    NO_WHEELCHAIR = "no_wheelchair"  # no wheelchair place (none on duty, or none free)
    LANGUAGE = "language"  # nobody on duty speaks the resident's language
    RIDE_TIME = "ride_time"  # detour limit or the asked times cannot be met
    DECLINED = "declined"  # every suitable volunteer declined or let the offer expire
    OTHER = "other"  # seats, same-gender wish, not planned yet, no code


#: Stored ``reason_code`` (see :mod:`dispatch.matching.reasons`) -> monitored reason.
BY_CODE: dict[str, UnmetReason] = {
    r.NO_VOLUNTEER: UnmetReason.NO_VOLUNTEER,
    r.NO_VOLUNTEER_ON_SHIFT: UnmetReason.NO_VOLUNTEER,
    r.NO_DRIVER: UnmetReason.NO_VOLUNTEER,
    r.NO_WALKING_ESCORT: UnmetReason.NO_VOLUNTEER,
    r.VOLUNTEERS_BUSY: UnmetReason.NO_VOLUNTEER,
    r.WORK_LIMIT: UnmetReason.NO_VOLUNTEER,
    r.NO_WHEELCHAIR_VEHICLE: UnmetReason.NO_WHEELCHAIR,
    r.WHEELCHAIR_PLACE_TAKEN: UnmetReason.NO_WHEELCHAIR,
    r.NO_LANGUAGE: UnmetReason.LANGUAGE,
    r.DETOUR_LIMIT: UnmetReason.RIDE_TIME,
    r.WINDOW_TOO_EARLY: UnmetReason.RIDE_TIME,
    r.EXCLUDED: UnmetReason.DECLINED,
    r.NO_SEATS: UnmetReason.OTHER,
    r.SEATS_TAKEN: UnmetReason.OTHER,
    r.NO_SAME_GENDER: UnmetReason.OTHER,
    r.NOT_PLANNED: UnmetReason.OTHER,
}


def unmet_reason(code: str | None, *, declined_offers: int = 0) -> UnmetReason:
    """The monitored reason of an unmet request with the stored ``code``.

    A request that never got a code (it stayed open past its time) counts as declined when a
    volunteer declined or let an offer of it expire, else as other.
    """
    if code is None:
        return UnmetReason.DECLINED if declined_offers else UnmetReason.OTHER
    return BY_CODE.get(code, UnmetReason.OTHER)
