"""The messages about one input field, defined once: a code, the German words, parameters.

Schemas and services write a field's message with :func:`say`; the API sends the German text
and, beside it, the code and parameters (:func:`code_of`), so a page in another language shows
``field.<code>`` in its own words (``pwa/static/i18n/*.json``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

#: code -> German text; ``{name}`` marks a parameter.
FIELD_MESSAGES: dict[str, str] = {
    "required": "Bitte ausfüllen.",
    "not_understood": "Diese Angabe verstehen wir nicht.",
    "bad_characters": "Dieser Text enthält Zeichen, die wir nicht speichern können.",
    "number_too_large": "Diese Zahl ist zu groß.",
    "number": "Bitte eine Zahl angeben.",
    "whole_number": "Bitte eine ganze Zahl angeben.",
    "yes_or_no": "Bitte ja oder nein angeben.",
    "date_time": "Bitte Datum und Uhrzeit angeben, z. B. {example}.",
    "date": "Bitte ein Datum angeben, z. B. {example}.",
    "month": "Bitte einen Monat angeben, z. B. {example}.",
    "year_range": "Bitte ein Datum zwischen {min} und {max} angeben.",
    "unknown_field": "Dieses Feld kennen wir nicht.",
    "json_object": "Bitte die Angaben als JSON-Objekt senden.",
    "length_range": "Bitte {min} bis {max} Zeichen angeben.",
    "too_long": "Höchstens {max} Zeichen.",
    "too_short": "Mindestens {min} Zeichen.",
    "value_range": "Bitte einen Wert von {min} bis {max} angeben.",
    "too_many_items": "Höchstens {max} Einträge.",
    "unknown_id": "Unbekannte Nummer.",
    "address_length": "Bitte eine Adresse mit {min} bis {max} Zeichen angeben.",
    "latitude": "Die Breite muss zwischen -90 und 90 liegen.",
    "longitude": "Die Länge muss zwischen -180 und 180 liegen.",
    "login_code_length": "Der Anmeldecode hat mindestens {min} Zeichen.",
    "language": "Diese Sprache gibt es nicht.",
    "clock_time": "Bitte eine Uhrzeit wie 22:00 angeben.",
    "email": "Bitte eine gültige E-Mail-Adresse angeben.",
    "channel": "Bitte push, email oder sms angeben.",
    "phone_international": "Bitte die Nummer mit Ländervorwahl angeben, z. B. +4923112345.",
    "end_after_start": "Das Ende muss nach dem Beginn liegen.",
    "kind": "Bitte „Fahrt“, „Fahrt mit Begleitung“ oder „Begleitung zu Fuß“ wählen.",
    "time_mode": "Bitte „Abholen ab“ oder „Ankommen bis“ wählen.",
    "return_minutes": "Die Rückfahrt muss {min} bis {max} Minuten nach dem Termin liegen.",
    "passengers": "Es können {min} bis {max} Personen mitfahren.",
    "aid": "Dieses Hilfsmittel kennen wir nicht.",
    "note_length": "Die Notiz darf höchstens {max} Zeichen haben.",
    "purpose": "Diesen Anlass kennen wir nicht.",
    "weekday": "Wochentage sind 0 (Montag) bis 6 (Sonntag).",
    "help_kind": "Diese Art von Hilfe kennen wir nicht.",
    "km_range": "Bitte {min} bis {max} km angeben.",
    "first_name": "Bitte einen Vornamen angeben.",
    "gender": "Bitte w, m oder d angeben.",
    "same_gender": "Bitte „egal“, „lieber“ oder „nur“ wählen.",
    "password_length": "Das Passwort braucht mindestens {min} Zeichen.",
    "seats": "{min} bis {max} Sitzplätze.",
    "wheelchair_places": "{min} bis {max} Rollstuhlplätze.",
    "hours_per_week": "{min} bis {max} Stunden pro Woche.",
    "search_length": "Bitte mindestens {min} Zeichen eingeben.",
    "period": "Bitte day, week oder month angeben.",
    "end_before_start": "Das Ende liegt vor dem Anfang.",
    "days_at_once": "Höchstens {max} Tage auf einmal.",
    "unknown": "Unbekannt.",
    "taken": "Schon vergeben.",
    "choose_person": "Bitte eine Person auswählen.",
    "unknown_person": "Unbekannte Person.",
    "outside_area": "„{address}“ liegt außerhalb des Gebiets, das wir anfahren ({metres} m von "
                    "der nächsten Straße).",
    "future_time": "Bitte einen Zeitpunkt in der Zukunft wählen.",
    "days_ahead": "Höchstens {max} Tage im Voraus.",
    "walk_too_far": "Der Weg dauert zu Fuß etwa {minutes} Minuten. Bitte eine Fahrt mit "
                    "Begleitung buchen.",
    "stop_action": "on_the_way, arrived, picked_up, dropped_off oder no_show",
    "twice": "Doppelt genannt.",
    "quiet_hours": "Beginn und Ende angeben.",
    "residents_only": "Nur für Bewohner.",
    "contact": "Telefon oder E-Mail angeben.",
    "idempotency_key": "1 bis {max} druckbare Zeichen.",
    "force_reason": "Bitte mit {min} bis {max} Zeichen sagen, warum (z. B. am Telefon so "
                    "vereinbart).",
}


@dataclass(frozen=True)
class FieldCode:
    """What a field's German message says, as a code and its parameters."""

    code: str
    params: dict[str, str]


def say(code: str, **params: object) -> str:
    """The German message ``code`` with its parameters filled in."""
    return FIELD_MESSAGES[code].format(**params)


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    def compiled(text: str) -> re.Pattern[str]:
        parts = re.split(r"\{(\w+)\}", text)
        body = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                       for i, p in enumerate(parts))
        return re.compile(f"^{body}$", re.DOTALL)
    def literal(text: str) -> int:
        return len(re.sub(r"\{\w+\}", "", text))
    # the most specific first: "eine Adresse mit {min} bis …" before "{min} bis …"
    ordered = sorted(FIELD_MESSAGES.items(), key=lambda item: -literal(item[1]))
    return tuple((code, compiled(text)) for code, text in ordered)


def code_of(message: str) -> FieldCode | None:
    """The code and parameters of a German field message written by :func:`say`, if any."""
    for code, pattern in _patterns():
        found = pattern.match(message)
        if found:
            return FieldCode(code, found.groupdict())
    return None
