"""Request and response schemas: they validate input and are the source of the OpenAPI document.

Messages are German first and written for people, not programmers.
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask import fields
from apiflask import validators
from marshmallow import ValidationError
from marshmallow import validates_schema

from dispatch.domain.kinds import RequestKind
from dispatch.domain.kinds import TimeMode

GERMAN: dict[str, Any] = {
    "required": "Bitte ausfüllen.",
    "null": "Bitte ausfüllen.",
    "invalid": "Diese Angabe verstehen wir nicht.",
    "type": "Diese Angabe verstehen wir nicht.",
    "invalid_utf8": "Dieser Text enthält Zeichen, die wir nicht speichern können.",
    "too_large": "Diese Zahl ist zu groß.",
    "special": "Bitte eine Zahl angeben.",
    "format": "Diese Angabe verstehen wir nicht.",
    "invalid_awareness": "Bitte Datum und Uhrzeit angeben, z. B. 2026-12-01T09:30.",
}


def _de(**extra: str) -> dict[str, Any]:
    return {**GERMAN, **extra}


#: Bounds of every input: the longest text without its own limit, the most items in a list,
#: the largest integer a database column holds.
MAX_TEXT = 1000
MAX_ITEMS = 20
MAX_INT = 2**31 - 1
#: Dates and times are of this century (far ones cannot be converted between time zones).
YEARS = (2000, 2099)


def Length(*, min: int | None = None, max: int | None = None,  # noqa: N802, A002
           error: str | None = None) -> validators.Length:
    """:class:`validators.Length` with a German message of its own by default."""
    if error is None:
        error = (f"Bitte {min} bis {max} Zeichen angeben." if min and max is not None
                 else f"Höchstens {max} Zeichen." if max is not None
                 else f"Mindestens {min} Zeichen.")
    return validators.Length(min=min, max=max, error=error)


def Range(*, min: float | None = None, max: float | None = None,  # noqa: N802, A002
          error: str | None = None) -> validators.Range:
    """:class:`validators.Range` with a German message of its own by default."""
    return validators.Range(min=min, max=max,
                            error=error or "Bitte einen Wert von {min} bis {max} angeben.")


class In(Schema):
    """Base of the input schemas: German messages for unknown fields and a wrong body type."""

    error_messages = {"unknown": "Dieses Feld kennen wir nicht.",
                      "type": "Bitte die Angaben als JSON-Objekt senden."}


class Text(fields.String):
    """A string without NUL bytes or lone surrogates (they cannot be stored or shown)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text):
            raise ValidationError("Dieser Text enthält Zeichen, die wir nicht speichern können.")
        return text


def Str(**kw: Any) -> fields.String:  # noqa: N802 - field factory
    """A text field; without a validator of its own it holds at most :data:`MAX_TEXT` chars."""
    kw.setdefault("validate", Length(
        max=MAX_TEXT, error=f"Höchstens {MAX_TEXT} Zeichen."))
    return Text(error_messages=_de(), **kw)


def Int(**kw: Any) -> fields.Integer:  # noqa: N802
    """A whole number; without a validator of its own it fits a database integer."""
    kw.setdefault("validate", Range(
        min=-MAX_INT, max=MAX_INT, error="Diese Zahl ist zu groß."))
    return fields.Integer(error_messages=_de(invalid="Bitte eine ganze Zahl angeben."), **kw)


def Id(**kw: Any) -> fields.Integer:  # noqa: N802
    """The id of a row (1 to :data:`MAX_INT`)."""
    return Int(validate=Range(min=1, max=MAX_INT, error="Unbekannte Nummer."), **kw)


def Many(inner: fields.Field, **kw: Any) -> fields.List:  # noqa: N802
    """A list of at most :data:`MAX_ITEMS` items."""
    return fields.List(inner, validate=Length(
        max=MAX_ITEMS, error=f"Höchstens {MAX_ITEMS} Einträge."), error_messages=_de(), **kw)


def Float(**kw: Any) -> fields.Float:  # noqa: N802
    return fields.Float(error_messages=_de(invalid="Bitte eine Zahl angeben."), **kw)


def Bool(**kw: Any) -> fields.Boolean:  # noqa: N802
    return fields.Boolean(error_messages=_de(invalid="Bitte ja oder nein angeben."), **kw)


class Moment(fields.DateTime):
    """A date and time within :data:`YEARS`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not YEARS[0] <= moment.year <= YEARS[1]:
            raise ValidationError(f"Bitte ein Datum zwischen {YEARS[0]} und {YEARS[1]} angeben.")
        return moment


def DateTime(**kw: Any) -> fields.DateTime:  # noqa: N802
    return Moment(
        error_messages=_de(invalid="Bitte Datum und Uhrzeit angeben, z. B. 2026-12-01T09:30."),
        **kw)


def one_of(choices: list[str], message: str) -> validators.OneOf:
    return validators.OneOf(choices, error=message)


class PlaceIn(In):
    address = Str(required=True, validate=Length(
        min=3, max=200, error="Bitte eine Adresse mit 3 bis 200 Zeichen angeben."))
    lat = Float(required=True, validate=Range(
        min=-90, max=90, error="Die Breite muss zwischen -90 und 90 liegen."))
    lon = Float(required=True, validate=Range(
        min=-180, max=180, error="Die Länge muss zwischen -180 und 180 liegen."))


class LoginIn(In):
    email = Str(required=True, validate=Length(min=3, max=200))
    password = Str(required=True, validate=Length(min=1, max=200))


class CodeIn(In):
    code = Str(required=True, validate=Length(
        min=4, max=64, error="Der Anmeldecode hat mindestens 4 Zeichen."))


class MePatchIn(In):
    ui_language = Str(validate=one_of(["de", "en", "tr", "ar", "pl"],
                                      "Diese Sprache gibt es nicht."))


class AvailabilityIn(In):
    available = Bool(required=True)


class ShiftIn(In):
    starts_at = DateTime(required=True)
    ends_at = DateTime(required=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data["ends_at"] <= data["starts_at"]:
            raise ValidationError("Das Ende muss nach dem Beginn liegen.", "ends_at")


KINDS = [k.value for k in RequestKind]
TIME_MODES = [m.value for m in TimeMode]
AIDS = ["walker", "wheelchair", "cane", "guide_dog", "oxygen", "hearing", "sight"]


class RequestIn(In):
    kind = Str(required=True, validate=one_of(
        KINDS, "Bitte „Fahrt“, „Fahrt mit Begleitung“ oder „Begleitung zu Fuß“ wählen."))
    pickup = fields.Nested(PlaceIn, required=True, error_messages=_de())
    dropoff = fields.Nested(PlaceIn, required=True, error_messages=_de())
    time_mode = Str(load_default=TimeMode.PICKUP_AFTER.value, validate=one_of(
        TIME_MODES, "Bitte „Abholen ab“ oder „Ankommen bis“ wählen."))
    time = DateTime(required=True)
    return_after_minutes = Int(load_default=None, allow_none=True, validate=Range(
        min=0, max=600, error="Die Rückfahrt muss 0 bis 600 Minuten nach dem Termin liegen."))
    passengers = Int(load_default=1, validate=Range(
        min=1, max=4, error="Es können 1 bis 4 Personen mitfahren."))
    mobility_aids = Many(Str(validate=one_of(AIDS, "Dieses Hilfsmittel kennen wir nicht.")),
                                load_default=None)
    notes = Str(load_default="", validate=Length(
        max=500, error="Die Notiz darf höchstens 500 Zeichen haben."))
    repeat_weekly = Bool(load_default=False)
    resident_id = Id(load_default=None, allow_none=True)


class OfferFiltersIn(In):
    days = Many(Int(validate=Range(
        min=0, max=6, error="Wochentage sind 0 (Montag) bis 6 (Sonntag).")), load_default=[])
    kinds = Many(Str(validate=one_of(KINDS, "Diese Art von Hilfe kennen wir nicht.")),
                        load_default=[])
    max_km = Float(load_default=None, allow_none=True, validate=Range(
        min=0.5, max=50, error="Bitte 0,5 bis 50 km angeben."))


class RequestEditIn(In):
    """What a coordinator (or the resident, before a volunteer accepted) may change."""

    pickup = fields.Nested(PlaceIn, error_messages=_de())
    dropoff = fields.Nested(PlaceIn, error_messages=_de())
    time_mode = Str(validate=one_of(TIME_MODES, "Bitte „Abholen ab“ oder „Ankommen bis“ wählen."))
    time = DateTime()
    passengers = Int(validate=Range(min=1, max=4,
                                               error="Es können 1 bis 4 Personen mitfahren."))
    notes = Str(validate=Length(max=500,
                                           error="Die Notiz darf höchstens 500 Zeichen haben."))


class AgainIn(In):
    time = DateTime(required=True)


class AssignIn(In):
    volunteer_id = Id(required=True)


class ResidentIn(In):
    first_name = Str(required=True, validate=Length(
        min=1, max=80, error="Bitte einen Vornamen angeben."))
    last_name = Str(load_default="", validate=Length(max=80))
    home = fields.Nested(PlaceIn, required=True, error_messages=_de())
    phone = Str(load_default=None, allow_none=True, validate=Length(max=40))
    gender = Str(load_default=None, allow_none=True, validate=one_of(
        ["f", "m", "d"], "Bitte w, m oder d angeben."))
    languages = Many(Str(validate=Length(min=2, max=5)), load_default=["de"])
    mobility_aids = Many(Str(validate=one_of(AIDS, "Dieses Hilfsmittel kennen wir nicht.")),
                                load_default=[])
    same_gender = Str(load_default="none", validate=one_of(
        ["none", "soft", "hard"], "Bitte „egal“, „lieber“ oder „nur“ wählen."))
    help_at_door = Bool(load_default=False)
    ui_language = Str(load_default="de", validate=one_of(["de", "en", "tr", "ar", "pl"],
                                                         "Diese Sprache gibt es nicht."))
    caregiver_name = Str(load_default=None, allow_none=True,
                         validate=Length(max=120, error="Höchstens 120 Zeichen."))
    caregiver_email = Str(load_default=None, allow_none=True,
                          validate=Length(max=200, error="Höchstens 200 Zeichen."))
    quarter = Str(load_default=None, allow_none=True, validate=Length(max=40))


class VolunteerIn(In):
    """A volunteer's profile, as the quarter office records it."""

    first_name = Str(required=True, validate=Length(
        min=1, max=80, error="Bitte einen Vornamen angeben."))
    last_name = Str(load_default="", validate=Length(max=80))
    email = fields.Email(required=True, validate=Length(
        max=200, error="Höchstens 200 Zeichen."), error_messages=_de(
        invalid="Bitte eine gültige E-Mail-Adresse angeben."))
    password = Str(required=True, validate=Length(
        min=10, max=200, error="Das Passwort braucht mindestens 10 Zeichen."))
    phone = Str(load_default=None, allow_none=True, validate=Length(max=40))
    gender = Str(load_default=None, allow_none=True, validate=one_of(
        ["f", "m", "d"], "Bitte w, m oder d angeben."))
    home = fields.Nested(PlaceIn, required=True, error_messages=_de())
    languages = Many(Str(validate=Length(min=2, max=5)), load_default=["de"])
    drives = Bool(load_default=True)
    escorts_on_foot = Bool(load_default=False)
    vehicle_seats = Int(load_default=3, validate=Range(
        min=0, max=8, error="0 bis 8 Sitzplätze."))
    wheelchair_places = Int(load_default=0, validate=Range(
        min=0, max=2, error="0 bis 2 Rollstuhlplätze."))
    max_hours_per_week = Float(load_default=10.0, validate=Range(
        min=0, max=60, error="0 bis 60 Stunden pro Woche."))
    vetted_until = fields.Date(load_default=None, allow_none=True, error_messages=_de(
        invalid="Bitte ein Datum angeben, z. B. 2027-06-30."))
    quarter = Str(load_default=None, allow_none=True, validate=Length(max=40))


class AddressQuery(In):
    q = Str(required=True, validate=Length(
        min=2, max=100, error="Bitte mindestens 2 Zeichen eingeben."))
    limit = Int(load_default=8, validate=Range(min=1, max=30))


class QuarterQuery(In):
    quarter = Str(load_default=None, allow_none=True, validate=Length(max=40))


class ResidentQuery(In):
    q = Str(load_default="", validate=Length(max=100, error="Höchstens 100 Zeichen."))


class StateQuery(In):
    state = Str(load_default=None, allow_none=True, validate=Length(max=20))
