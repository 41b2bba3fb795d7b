"""The texts of the notices, in the recipient's language; an SMS within two segments.

Source texts are German (the msgids of the gettext catalogues). No health data (notes,
mobility aids) ever goes into an SMS or an e-mail subject: the facts a text is made of do not
carry them, except ``reason`` for the coordinators' e-mail body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_skeleton
from babel.dates import format_time

from dispatch.domain.kinds import NoticeKind
from dispatch.notifications.i18n import gettext_for
from dispatch.notifications.i18n import language_of
from dispatch.notifications.sms_length import fits

K = NoticeKind


def N_(text: str) -> str:  # noqa: N802 - the gettext marker for extraction
    return text


SUBJECTS: dict[tuple[NoticeKind, str], str] = {
    (K.BOOKED, "resident"): N_("Ihre Fahrt ist angemeldet"),
    (K.ACCEPTED, "resident"): N_("Ihre Fahrt ist zugesagt"),
    (K.REMINDER, "resident"): N_("Erinnerung an Ihre Fahrt morgen"),
    (K.TIME_CHANGED, "resident"): N_("Neue Abholzeit für Ihre Fahrt"),
    (K.TIME_CHANGED, "volunteer"): N_("Neue Zeit für eine Ihrer Fahrten"),
    (K.CANCELLED, "resident"): N_("Ihre Fahrt ist abgesagt"),
    (K.CANCELLED, "volunteer"): N_("Eine Ihrer Fahrten ist abgesagt"),
    (K.ON_THE_WAY, "resident"): N_("{volunteer} ist unterwegs"),
    (K.WAITING, "resident"): N_("{volunteer} wartet vor der Tür"),
    (K.DROPPED_OFF, "resident"): N_("{resident} ist angekommen"),
    (K.OFFER, "volunteer"): N_("Neue Anfrage für Sie"),
    (K.UNSERVABLE, "coordinator"): N_("Anfrage Nr. {request_id} kann niemand übernehmen"),
}

TEXTS: dict[tuple[NoticeKind, str], str] = {
    (K.BOOKED, "resident"): N_("Ihre Fahrt am {day} um {time} ist angemeldet. Wir melden uns, "
                               "sobald jemand sie übernimmt."),
    (K.ACCEPTED, "resident"): N_("{volunteer} holt Sie am {day} um {time} ab."),
    (K.REMINDER, "resident"): N_("Erinnerung: {volunteer} holt Sie morgen, {day}, um {time} ab."),
    (K.TIME_CHANGED, "resident"): N_("Neue Abholzeit am {day}: {time} (statt {old_time})."),
    (K.TIME_CHANGED, "volunteer"): N_("Neue Zeit: Die Fahrt mit {resident} am {day} beginnt um "
                                      "{time} (statt {old_time})."),
    (K.CANCELLED, "resident"): N_("Ihre Fahrt am {day} um {time} ist abgesagt."),
    (K.CANCELLED, "volunteer"): N_("Abgesagt: die Fahrt mit {resident} am {day} um {time}."),
    (K.ON_THE_WAY, "resident"): N_("{volunteer} ist jetzt unterwegs zu Ihnen."),
    (K.WAITING, "resident"): N_("{volunteer} wartet jetzt vor der Tür."),
    (K.DROPPED_OFF, "resident"): N_("{resident} ist gut angekommen."),
    (K.OFFER, "volunteer"): N_("Neue Anfrage für {day} um {time}. Bitte in der App annehmen "
                               "oder ablehnen."),
    (K.UNSERVABLE, "coordinator"): N_("Anfrage Nr. {request_id} am {day} um {time} kann "
                                      "niemand übernehmen. Bitte im Board nachsehen."),
}
REMINDER_NOBODY_YET = N_("Erinnerung: Ihre Fahrt ist morgen, {day}, um {time}.")
CAR = N_("Auto: {car}.")
FOR_RESIDENT = N_("Für {resident}: {text}")
GREETING = N_("Guten Tag {name},")
ANSWER_SMS = N_("Bestätigen, absagen oder Rückruf: {url}")
CONFIRM = N_("Fahrt bestätigen: {url}")
CANCEL = N_("Fahrt absagen: {url}")
CALLBACK = N_("Bitte rufen Sie mich an: {url}")
OPEN_APP = N_("Zur App: {url}")
REASON = N_("Grund: {reason}")
FOOTER = N_("Bei Fragen: {office}, Tel. {phone}")
OUR_NAME = N_("Ihr Fahrdienst Bürger für Bürger")
#: Every text above, for the catalogue check.
ALL_TEXTS = (*SUBJECTS.values(), *TEXTS.values(), REMINDER_NOBODY_YET, CAR, FOR_RESIDENT,
             GREETING, ANSWER_SMS, CONFIRM, CANCEL, CALLBACK, OPEN_APP, REASON, FOOTER, OUR_NAME)


@dataclass(frozen=True)
class Links:
    """One-click links of a notice (absolute URLs)."""

    confirm: str
    cancel: str
    callback: str
    short: str  # one page with all three, for an SMS


@dataclass(frozen=True)
class Facts:
    """What a notice says, fixed when it was written (plus links made when it is sent)."""

    kind: NoticeKind
    audience: str  # resident, volunteer, coordinator (a caregiver's copy: resident + caregiver)
    lang: str
    name: str  # the recipient's first name, for the greeting
    caregiver: bool = False
    pickup: datetime | None = None
    old_pickup: datetime | None = None
    volunteer: str | None = None
    car: str | None = None
    resident: str | None = None
    request_id: int | None = None
    reason: str | None = None  # coordinators' e-mail body only (may name a need)
    office: str = ""
    office_phone: str = ""
    app_url: str = ""
    links: Links | None = None


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def _values(f: Facts) -> dict[str, str]:
    lang = language_of(f.lang)
    return {
        "day": format_skeleton("MMMEd", f.pickup, locale=lang) if f.pickup else "",
        "time": format_time(f.pickup, "HH:mm", locale=lang) if f.pickup else "",
        "old_time": format_time(f.old_pickup, "HH:mm", locale=lang) if f.old_pickup else "",
        "volunteer": f.volunteer or "", "resident": f.resident or "", "car": f.car or "",
        "request_id": str(f.request_id or ""), "name": f.name, "reason": f.reason or "",
        "office": f.office, "phone": f.office_phone,
    }


def _t(f: Facts, msgid: str, **extra: str) -> str:
    return gettext_for(f.lang, msgid).format(**{**_values(f), **extra})


def _main(f: Facts) -> str:
    if f.kind == K.REMINDER and not f.volunteer:
        text = _t(f, REMINDER_NOBODY_YET)
    else:
        text = _t(f, TEXTS[(f.kind, f.audience)])
    if f.caregiver and f.kind != K.DROPPED_OFF:
        text = _t(f, FOR_RESIDENT, text=text)
    return text


def subject(f: Facts) -> str:
    """The e-mail subject: kind, time and first names only, never a need or a note."""
    return _t(f, SUBJECTS[(f.kind, f.audience)])


def email(f: Facts) -> Email:
    """A plain-text e-mail: greeting, the notice, the car, links, the office."""
    lines = [_t(f, GREETING), "", _main(f)]
    if f.car and f.kind in (K.ACCEPTED, K.REMINDER):
        lines.append(_t(f, CAR))
    if f.reason and f.audience == "coordinator":
        lines.append(_t(f, REASON))
    if f.links is not None:
        lines += ["", _t(f, CONFIRM, url=f.links.confirm), _t(f, CANCEL, url=f.links.cancel),
                  _t(f, CALLBACK, url=f.links.callback)]
    if f.app_url and f.audience in ("volunteer", "coordinator"):
        lines += ["", _t(f, OPEN_APP, url=f.app_url)]
    lines += ["", _t(f, OUR_NAME)]
    if f.office:
        lines.append(_t(f, FOOTER))
    return Email(subject(f), "\n".join(lines) + "\n")


def sms(f: Facts) -> str:
    """The SMS: the notice, the car and one short link, cut to fit two segments."""
    parts = [_main(f)]
    if f.car and f.kind in (K.ACCEPTED, K.REMINDER):
        parts.append(_t(f, CAR))
    if f.links is not None:
        parts.append(_t(f, ANSWER_SMS, url=f.links.short))
    elif f.app_url and f.audience == "volunteer":
        parts.append(f.app_url)
    text = " ".join(parts)
    # too long (a long name, a script that needs UCS-2): drop the car, then shorten names
    if not fits(text) and len(parts) > 1 and f.car and f.kind in (K.ACCEPTED, K.REMINDER):
        parts.pop(1)
        text = " ".join(parts)
    while not fits(text):
        main = parts[0]
        parts[0] = main[: max(10, len(main) - 10)].rstrip() + "..."
        if parts[0] == main:
            break
        text = " ".join(parts)
    return text
