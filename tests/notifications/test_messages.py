"""The texts: every notice in every language fits two SMS segments, counted by the GSM-7 and
UCS-2 rules; subjects carry no health data; the catalogues are complete."""

from __future__ import annotations

from datetime import datetime
from itertools import product

import pytest

from dispatch.domain.kinds import NoticeKind
from dispatch.notifications import messages
from dispatch.notifications.i18n import LANGUAGES
from dispatch.notifications.i18n import translations
from dispatch.notifications.sms_length import is_gsm7
from dispatch.notifications.sms_length import segments
from dispatch.notifications.sms_length import units

pytestmark = pytest.mark.notifications

LONG_LINKS = messages.Links(
    confirm="https://fahrdienst.example.org/link/" + "x" * 90,
    cancel="https://fahrdienst.example.org/link/" + "y" * 90,
    callback="https://fahrdienst.example.org/link/" + "z" * 90,
    short="https://fahrdienst.example.org/l/ABCDEFGHJK")


def test_gsm7_and_ucs2_are_counted_as_phones_count_them() -> None:
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2  # 153 septets per part once concatenated
    assert segments("a" * 306) == 2
    assert segments("a" * 307) == 3
    assert units("€")[1] == 2  # the extension table: escape plus one septet
    assert segments("€" * 80) == 1
    assert segments("€" * 81) == 2
    assert is_gsm7("Grüße an Jürgen, Straße")
    assert not is_gsm7("Çarşamba ş")
    assert segments("ş" * 70) == 1
    assert segments("ş" * 71) == 2
    assert segments("ş" * 134) == 2
    assert segments("ş" * 135) == 3
    assert segments("تذكير" * 14) == 1  # 70 UTF-16 units
    assert units("😀")[1] == 2  # outside the BMP: a surrogate pair


KINDS = [(k, a) for (k, a) in messages.TEXTS]


@pytest.mark.parametrize(("lang", "kind_audience", "caregiver"),
                         list(product(LANGUAGES, KINDS, (False, True))))
def test_every_sms_fits_two_segments(lang: str, kind_audience: tuple[NoticeKind, str],
                                     caregiver: bool) -> None:
    kind, audience = kind_audience
    facts = messages.Facts(
        kind=kind, audience=audience, lang=lang, name="Wilhelmine-Charlotte",
        caregiver=caregiver, pickup=datetime(2026, 12, 2, 9, 15),
        old_pickup=datetime(2026, 12, 2, 8, 40), volunteer="Anna-Katharina",
        car="Volkswagen Golf Variant, dunkelblau-metallic, DO-AB 1234",
        resident="Wilhelmine-Charlotte S.", request_id=123456, reason="Rollstuhlplatz fehlt",
        office="Quartiersbüro Eving", office_phone="0231 123456",
        app_url="https://fahrdienst.example.org/app/volunteer",
        links=LONG_LINKS if kind == NoticeKind.REMINDER else None)
    text = messages.sms(facts)
    assert segments(text) <= 2, (lang, kind, units(text), text)
    assert "Rollstuhl" not in text  # a need never goes into an SMS
    assert "Rollstuhl" not in messages.subject(facts)
    if kind == NoticeKind.REMINDER:
        assert LONG_LINKS.short in text  # the link survives any shortening
    assert "{" not in text
    assert "{" not in messages.email(facts).body


def test_turkish_and_arabic_texts_come_from_their_catalogues() -> None:
    f = messages.Facts(kind=NoticeKind.ACCEPTED, audience="resident", lang="tr", name="Ayşe",
                       pickup=datetime(2026, 12, 2, 9, 15), volunteer="Anna")
    assert messages.sms(f).startswith("Anna sizi alacak")
    ar = messages.email(messages.Facts(**{**f.__dict__, "lang": "ar"}))
    assert "سيصطحبك Anna" in ar.body
    assert ar.subject == "تم تأكيد رحلتك"
    assert messages.email(messages.Facts(**{**f.__dict__, "lang": "xx"})).subject == \
        "Ihre Fahrt ist zugesagt"  # unknown language: German


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogues_translate_every_text(lang: str) -> None:
    cat = translations(lang)
    for msgid in messages.ALL_TEXTS:
        text = cat.gettext(msgid)
        if lang != "de":
            assert text != msgid, f"{lang}: not translated: {msgid!r}"
        wanted = {p for p in msgid.split("{")[1:]}
        assert {p.split("}")[0] for p in text.split("{")[1:]} == \
            {p.split("}")[0] for p in wanted}, f"{lang}: placeholders differ in {msgid!r}"
