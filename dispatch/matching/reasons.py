"""Plain-language reasons why a request cannot be served: a stable code plus a message."""

from __future__ import annotations

from dataclasses import dataclass

NO_WHEELCHAIR_VEHICLE = "no_wheelchair_vehicle"
NO_SEATS = "no_seats"
NO_LANGUAGE = "no_language"
NO_SAME_GENDER = "no_same_gender"
NO_WALKING_ESCORT = "no_walking_escort"
NO_DRIVER = "no_driver"
NO_VOLUNTEER = "no_volunteer"
NO_VOLUNTEER_ON_SHIFT = "no_volunteer_on_shift"
DETOUR_LIMIT = "detour_limit"
WINDOW_TOO_EARLY = "window_impossible"
WHEELCHAIR_PLACE_TAKEN = "no_wheelchair_place_free"
SEATS_TAKEN = "no_seat_free"
WORK_LIMIT = "work_limit"
VOLUNTEERS_BUSY = "volunteers_busy"
NOT_PLANNED = "not_planned"
EXCLUDED = "declined_or_filtered"  # last: on a tie, a rule about the person or vehicle wins

_TEXT: dict[str, tuple[str, str]] = {
    NO_WHEELCHAIR_VEHICLE: (
        "No volunteer on duty has a vehicle with a wheelchair place.",
        "Kein Fahrzeug im Dienst hat einen Rollstuhlplatz.",
    ),
    NO_SEATS: (
        "No volunteer's vehicle has enough seats for this ride.",
        "Kein Fahrzeug hat genug Sitzplätze für diese Fahrt.",
    ),
    NO_LANGUAGE: (
        "No volunteer on duty speaks a required language.",
        "Keine Person im Dienst spricht eine der gewünschten Sprachen.",
    ),
    NO_SAME_GENDER: (
        "No volunteer of the requested gender is on duty.",
        "Keine Person des gewünschten Geschlechts ist im Dienst.",
    ),
    NO_WALKING_ESCORT: (
        "No volunteer who escorts on foot is on duty.",
        "Niemand im Dienst begleitet zu Fuß.",
    ),
    NO_DRIVER: (
        "No driving volunteer is on duty.",
        "Niemand im Dienst fährt.",
    ),
    NO_VOLUNTEER: (
        "No volunteer is on duty.",
        "Niemand ist im Dienst.",
    ),
    NO_VOLUNTEER_ON_SHIFT: (
        "No suitable volunteer is on shift at that time.",
        "Zu dieser Zeit hat keine passende Person Dienst.",
    ),
    DETOUR_LIMIT: (
        "The ride would exceed the detour limit.",
        "Die Fahrt würde den erlaubten Umweg überschreiten.",
    ),
    WINDOW_TOO_EARLY: (
        "The requested times cannot be met, even by a free volunteer.",
        "Die gewünschten Zeiten sind selbst mit einer freien Person nicht erreichbar.",
    ),
    WHEELCHAIR_PLACE_TAKEN: (
        "No wheelchair place is free in that time window.",
        "In diesem Zeitfenster ist kein Rollstuhlplatz frei.",
    ),
    SEATS_TAKEN: (
        "No seat is free in that time window.",
        "In diesem Zeitfenster ist kein Sitzplatz frei.",
    ),
    WORK_LIMIT: (
        "Every suitable volunteer would exceed their working hours.",
        "Alle passenden Personen würden ihre Stunden überschreiten.",
    ),
    VOLUNTEERS_BUSY: (
        "All suitable volunteers are busy in that time window.",
        "Alle passenden Personen sind in diesem Zeitfenster schon unterwegs.",
    ),
    NOT_PLANNED: (
        "Not in the plans yet, though it would fit: a re-plan will place it.",
        "Noch nicht eingeplant, würde aber passen: eine Neuplanung nimmt sie auf.",
    ),
    EXCLUDED: (
        "Every suitable volunteer declined it, let the offer expire or does not take such "
        "requests.",
        "Alle passenden Ehrenamtlichen haben abgelehnt, nicht rechtzeitig geantwortet oder "
        "nehmen solche Anfragen nicht an.",
    ),
}

CODES = tuple(_TEXT)


@dataclass(frozen=True)
class Reason:
    """Why a request is unservable: a stable ``code`` (for the UI to translate) and text."""

    code: str
    message: str
    message_de: str

    @classmethod
    def of(cls, code: str) -> Reason:
        """The reason for ``code`` with its English and German text."""
        en, de = _TEXT[code]
        return cls(code, en, de)

    def __str__(self) -> str:
        return self.message
