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

from dispatch.domain.kinds import Channel
from dispatch.domain.kinds import Purpose
from dispatch.domain.kinds import RequestKind
from dispatch.domain.kinds import SameGender
from dispatch.domain.kinds import TimeMode
from dispatch.field_messages import FIELD_MESSAGES
from dispatch.field_messages import say
from dispatch.services.commands import NotifyPrefs

#: How a date and time is written in the examples of the messages.
EXAMPLE_MOMENT = "2026-12-01T09:30"

GERMAN: dict[str, Any] = {
    "required": say("required"),
    "null": say("required"),
    "invalid": say("not_understood"),
    "type": say("not_understood"),
    "invalid_utf8": say("bad_characters"),
    "too_large": say("number_too_large"),
    "special": say("number"),
    "format": say("not_understood"),
    "invalid_awareness": say("date_time", example=EXAMPLE_MOMENT),
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
        error = (say("length_range", min=min, max=max) if min and max is not None
                 else say("too_long", max=max) if max is not None
                 else say("too_short", min=min))
    return validators.Length(min=min, max=max, error=error)


def Range(*, min: float | None = None, max: float | None = None,  # noqa: N802, A002
          error: str | None = None) -> validators.Range:
    """:class:`validators.Range` with a German message of its own by default."""
    return validators.Range(min=min, max=max,
                            error=error or FIELD_MESSAGES["value_range"])


class In(Schema):
    """Base of the input schemas: German messages for unknown fields and a wrong body type."""

    error_messages = {"unknown": say("unknown_field"), "type": say("json_object")}


class Text(fields.String):
    """A string without NUL bytes or lone surrogates (they cannot be stored or shown)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text):
            raise ValidationError(say("bad_characters"))
        return text


def Str(**kw: Any) -> fields.String:  # noqa: N802 - field factory
    """A text field; without a validator of its own it holds at most :data:`MAX_TEXT` chars."""
    kw.setdefault("validate", Length(
        max=MAX_TEXT, error=say("too_long", max=MAX_TEXT)))
    return Text(error_messages=_de(), **kw)


def Int(**kw: Any) -> fields.Integer:  # noqa: N802
    """A whole number; without a validator of its own it fits a database integer."""
    kw.setdefault("validate", Range(
        min=-MAX_INT, max=MAX_INT, error=say("number_too_large")))
    return fields.Integer(error_messages=_de(invalid=say("whole_number")), **kw)


def Id(**kw: Any) -> fields.Integer:  # noqa: N802
    """The id of a row (1 to :data:`MAX_INT`)."""
    return Int(validate=Range(min=1, max=MAX_INT, error=say("unknown_id")), **kw)


def Many(inner: fields.Field, **kw: Any) -> fields.List:  # noqa: N802
    """A list of at most :data:`MAX_ITEMS` items."""
    return fields.List(inner, validate=Length(
        max=MAX_ITEMS, error=say("too_many_items", max=MAX_ITEMS)), error_messages=_de(), **kw)


def Float(**kw: Any) -> fields.Float:  # noqa: N802
    return fields.Float(error_messages=_de(invalid=say("number")), **kw)


def Bool(**kw: Any) -> fields.Boolean:  # noqa: N802
    return fields.Boolean(error_messages=_de(invalid=say("yes_or_no")), **kw)


class Moment(fields.DateTime):
    """A date and time within :data:`YEARS`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not YEARS[0] <= moment.year <= YEARS[1]:
            raise ValidationError(say("year_range", min=YEARS[0], max=YEARS[1]))
        return moment


def DateTime(**kw: Any) -> fields.DateTime:  # noqa: N802
    return Moment(
        error_messages=_de(invalid=say("date_time", example=EXAMPLE_MOMENT)),
        **kw)


def one_of(choices: list[str], message: str) -> validators.OneOf:
    return validators.OneOf(choices, error=message)


class PlaceIn(In):
    address = Str(required=True, validate=Length(
        min=3, max=200, error=say("address_length", min=3, max=200)))
    lat = Float(required=True, validate=Range(
        min=-90, max=90, error=say("latitude")))
    lon = Float(required=True, validate=Range(
        min=-180, max=180, error=say("longitude")))


class LoginIn(In):
    email = Str(required=True, validate=Length(min=3, max=200))
    password = Str(required=True, validate=Length(min=1, max=200))


class CodeIn(In):
    code = Str(required=True, validate=Length(
        min=4, max=64, error=say("login_code_length", min=4)))


class MePatchIn(In):
    car_make = Str(allow_none=True, validate=Length(max=60))
    car_colour = Str(allow_none=True, validate=Length(max=40))
    car_plate = Str(allow_none=True, validate=Length(max=20))
    ui_language = Str(validate=one_of(["de", "en", "tr", "ar", "pl"],
                                      say("language")))


CHANNELS = [c.value for c in Channel]
HHMM = validators.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^$",
                         error=say("clock_time"))


def email_or_empty(value: str) -> None:
    """An e-mail address, or "" (which clears the stored one, as for the other texts)."""
    if value:
        validators.Email(error=say("email"))(value)


class NotifyPrefsIn(In):
    """How a person wants notices: channels in order, quiet hours, caregiver copies."""

    channels = Many(Str(validate=one_of(CHANNELS, say("channel"))))
    quiet_from = Str(validate=HHMM, allow_none=False)
    quiet_until = Str(validate=HHMM, allow_none=False)
    caregiver_copies = Bool()
    caregiver_name = Str(validate=Length(max=120, error=say("too_long", max=120)))
    caregiver_phone = Str(validate=validators.Regexp(
        r"^$|^\+[1-9][0-9]{6,14}$", error=say("phone_international")))
    caregiver_email = Str(validate=[Length(max=200, error=say("too_long", max=200)),
                                    email_or_empty])


class AvailabilityIn(In):
    available = Bool(required=True)


class ShiftIn(In):
    starts_at = DateTime(required=True)
    ends_at = DateTime(required=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data["ends_at"] <= data["starts_at"]:
            raise ValidationError(say("end_after_start"), "ends_at")


KINDS = [k.value for k in RequestKind]
TIME_MODES = [m.value for m in TimeMode]
AIDS = ["walker", "wheelchair", "cane", "guide_dog", "oxygen", "hearing", "sight"]
SAME_GENDER = [g.value for g in SameGender]


def Languages(**kw: Any) -> fields.List:  # noqa: N802
    """Language codes a person speaks ("de", "tr", ...)."""
    return Many(Str(validate=Length(min=2, max=5)), **kw)


def SameGenderWish(**kw: Any) -> fields.String:  # noqa: N802
    return Str(validate=one_of(SAME_GENDER, say("same_gender")), **kw)


class RequestIn(In):
    kind = Str(required=True, validate=one_of(
        KINDS, say("kind")))
    pickup = fields.Nested(PlaceIn, required=True, error_messages=_de())
    dropoff = fields.Nested(PlaceIn, required=True, error_messages=_de())
    time_mode = Str(load_default=TimeMode.PICKUP_AFTER.value, validate=one_of(
        TIME_MODES, say("time_mode")))
    time = DateTime(required=True)
    return_after_minutes = Int(load_default=None, allow_none=True, validate=Range(
        min=0, max=600, error=say("return_minutes", min=0, max=600)))
    passengers = Int(load_default=1, validate=Range(
        min=1, max=4, error=say("passengers", min=1, max=4)))
    mobility_aids = Many(Str(validate=one_of(AIDS, say("aid"))),
                                load_default=None)
    notes = Str(load_default="", validate=Length(
        max=500, error=say("note_length", max=500)))
    repeat_weekly = Bool(load_default=False)
    resident_id = Id(load_default=None, allow_none=True)
    purpose = Str(load_default=None, allow_none=True, validate=one_of(
        [p.value for p in Purpose], say("purpose")))
    #: yes, book it although the same ride is booked already (after a 409 likely_duplicate)
    confirm_duplicate = Bool(load_default=False)
    #: wishes about the volunteer for this ride (not sent: those of the resident's profile)
    languages = Languages(load_default=None)
    same_gender = SameGenderWish(load_default=None)


class OfferFiltersIn(In):
    days = Many(Int(validate=Range(
        min=0, max=6, error=say("weekday"))), load_default=[])
    kinds = Many(Str(validate=one_of(KINDS, say("help_kind"))),
                        load_default=[])
    max_km = Float(load_default=None, allow_none=True, validate=Range(
        min=0.5, max=50, error=say("km_range", min="0,5", max=50)))


class RequestEditIn(In):
    """What a coordinator (or the resident, before a volunteer accepted) may change."""

    pickup = fields.Nested(PlaceIn, error_messages=_de())
    dropoff = fields.Nested(PlaceIn, error_messages=_de())
    time_mode = Str(validate=one_of(TIME_MODES, say("time_mode")))
    time = DateTime()
    passengers = Int(validate=Range(min=1, max=4,
                                               error=say("passengers", min=1, max=4)))
    notes = Str(validate=Length(max=500,
                                           error=say("note_length", max=500)))
    mobility_aids = Many(Str(validate=one_of(AIDS, say("aid"))))
    languages = Languages()
    same_gender = SameGenderWish()


class AgainIn(In):
    time = DateTime(required=True)
    confirm_duplicate = Bool(load_default=False)


class AssignIn(In):
    volunteer_id = Id(required=True)
    #: why the office overrides a refusal about time (``matching.forced``); none: no override
    force_reason = Str(load_default=None, allow_none=True, validate=Length(
        min=3, max=300, error=say("force_reason", min=3, max=300)))


class ResidentIn(In):
    first_name = Str(required=True, validate=Length(
        min=1, max=80, error=say("first_name")))
    last_name = Str(load_default="", validate=Length(max=80))
    home = fields.Nested(PlaceIn, required=True, error_messages=_de())
    phone = Str(load_default=None, allow_none=True, validate=Length(max=40))
    gender = Str(load_default=None, allow_none=True, validate=one_of(
        ["f", "m", "d"], say("gender")))
    languages = Languages(load_default=["de"])
    mobility_aids = Many(Str(validate=one_of(AIDS, say("aid"))),
                                load_default=[])
    same_gender = SameGenderWish(load_default=SameGender.NONE.value)
    help_at_door = Bool(load_default=False)
    ui_language = Str(load_default="de", validate=one_of(["de", "en", "tr", "ar", "pl"],
                                                         say("language")))
    caregiver_name = Str(load_default=None, allow_none=True,
                         validate=Length(max=120, error=say("too_long", max=120)))
    caregiver_email = Str(load_default=None, allow_none=True,
                          validate=Length(max=200, error=say("too_long", max=200)))
    quarter = Str(load_default=None, allow_none=True, validate=Length(max=40))


class ResidentEditIn(In):
    """What the quarter office may change in a resident's profile (all optional)."""

    first_name = Str(validate=Length(min=1, max=80, error=say("first_name")))
    last_name = Str(validate=Length(max=80, error=say("too_long", max=80)))
    phone = Str(allow_none=True, validate=Length(max=40, error=say("too_long", max=40)))
    gender = Str(allow_none=True, validate=one_of(["f", "m", "d", ""],
                                                  say("gender")))
    home = fields.Nested(PlaceIn, error_messages=_de())
    languages = Languages()
    mobility_aids = Many(Str(validate=one_of(AIDS, say("aid"))))
    same_gender = SameGenderWish()
    help_at_door = Bool()
    notes = Str(validate=Length(max=500, error=say("note_length", max=500)))


class VolunteerIn(In):
    """A volunteer's profile, as the quarter office records it."""

    first_name = Str(required=True, validate=Length(
        min=1, max=80, error=say("first_name")))
    last_name = Str(load_default="", validate=Length(max=80))
    email = fields.Email(required=True, validate=Length(
        max=200, error=say("too_long", max=200)), error_messages=_de(
        invalid=say("email")))
    password = Str(required=True, validate=Length(
        min=10, max=200, error=say("password_length", min=10)))
    phone = Str(load_default=None, allow_none=True, validate=Length(max=40))
    gender = Str(load_default=None, allow_none=True, validate=one_of(
        ["f", "m", "d"], say("gender")))
    home = fields.Nested(PlaceIn, required=True, error_messages=_de())
    languages = Languages(load_default=["de"])
    drives = Bool(load_default=True)
    escorts_on_foot = Bool(load_default=False)
    vehicle_seats = Int(load_default=3, validate=Range(
        min=0, max=8, error=say("seats", min=0, max=8)))
    wheelchair_places = Int(load_default=0, validate=Range(
        min=0, max=2, error=say("wheelchair_places", min=0, max=2)))
    max_hours_per_week = Float(load_default=10.0, validate=Range(
        min=0, max=60, error=say("hours_per_week", min=0, max=60)))
    vetted_until = fields.Date(load_default=None, allow_none=True, error_messages=_de(
        invalid=say("date", example="2027-06-30")))
    car_make = Str(load_default=None, allow_none=True, validate=Length(max=60))
    car_colour = Str(load_default=None, allow_none=True, validate=Length(max=40))
    car_plate = Str(load_default=None, allow_none=True, validate=Length(max=20))
    quarter = Str(load_default=None, allow_none=True, validate=Length(max=40))


class AddressQuery(In):
    q = Str(required=True, validate=Length(
        min=2, max=100, error=say("search_length", min=2)))
    limit = Int(load_default=8, validate=Range(min=1, max=30))


class QuarterQuery(In):
    quarter = Str(load_default=None, allow_none=True, validate=Length(max=40))


class ResidentQuery(In):
    q = Str(load_default="", validate=Length(max=100, error=say("too_long", max=100)))


class StateQuery(In):
    state = Str(load_default=None, allow_none=True, validate=Length(max=20))


class Day(fields.Date):
    """A date within :data:`YEARS`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not YEARS[0] <= day.year <= YEARS[1]:
            raise ValidationError(say("year_range", min=YEARS[0], max=YEARS[1]))
        return day


#: The longest range one monitoring report covers.
MAX_REPORT_DAYS = 366


class MonitoringQuery(In):
    """A range of days (``to`` included), grouped by day, week or month."""

    quarter = Str(load_default=None, allow_none=True, validate=Length(max=40))
    period = Str(load_default="day", validate=one_of(
        ["day", "week", "month"], say("period")))
    from_ = Day(data_key="from", load_default=None, error_messages=_de(
        invalid=say("date", example="2026-11-01")))
    to = Day(load_default=None, error_messages=_de(
        invalid=say("date", example="2026-11-30")))

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("from_"), data.get("to")
        if start and end and end < start:
            raise ValidationError({"to": [say("end_before_start")]})
        if start and end and (end - start).days >= MAX_REPORT_DAYS:
            raise ValidationError({"to": [say("days_at_once", max=MAX_REPORT_DAYS)]})


class MonthQuery(In):
    """One month of one quarter (or all, for admins)."""

    quarter = Str(load_default=None, allow_none=True, validate=Length(max=40))
    month = Str(load_default=None, validate=validators.Regexp(
        r"^20\d\d-(0[1-9]|1[0-2])$", error=say("month", example="2026-11")))


def prefs_of(data: dict[str, Any]) -> NotifyPrefs:
    """The typed command of a validated :class:`NotifyPrefsIn` body."""
    channels = data.get("channels")
    return NotifyPrefs(channels=tuple(channels) if channels is not None else None,
                       quiet_from=data.get("quiet_from"), quiet_until=data.get("quiet_until"),
                       caregiver_copies=data.get("caregiver_copies"),
                       caregiver_name=data.get("caregiver_name"),
                       caregiver_phone=data.get("caregiver_phone"),
                       caregiver_email=data.get("caregiver_email"))
