"""How many SMS segments a text takes: GSM-7 (160 / 153 per part) or UCS-2 (70 / 67)."""

from __future__ import annotations

#: The GSM 03.38 default alphabet (one septet each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
#: The extension table: an escape septet plus one (two septets each).
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

MAX_SEGMENTS = 2


def is_gsm7(text: str) -> bool:
    """Whether the text can be sent in the GSM-7 alphabet (else it goes as UCS-2)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def units(text: str) -> tuple[str, int]:
    """The encoding and the text's length in its units (septets, or UTF-16 code units)."""
    if is_gsm7(text):
        return "gsm7", sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
    return "ucs2", len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """The number of SMS a phone receives for ``text`` (concatenated messages)."""
    encoding, n = units(text)
    single, part = (160, 153) if encoding == "gsm7" else (70, 67)
    if n <= single:
        return 1
    return -(-n // part)


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    return segments(text) <= max_segments
