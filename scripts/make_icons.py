"""Draw the PWA icons (a white location pin on dark blue) as PNG files, with no imaging library.

Run ``python scripts/make_icons.py``; the files go to ``pwa/static/icons/``.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "pwa" / "static" / "icons"
BLUE = (0x00, 0x49, 0x7A)
WHITE = (0xFF, 0xFF, 0xFF)
YELLOW = (0xFF, 0xBF, 0x47)


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _inside_pin(x: float, y: float) -> tuple[bool, bool]:
    """Whether (x, y) in unit coordinates lies in the pin and in its hole."""
    cx, cy, r = 0.5, 0.40, 0.22
    d = math.hypot(x - cx, y - cy)
    in_head = d <= r
    # the point of the pin: a triangle from the circle's sides down to (0.5, 0.82)
    tip_y = 0.82
    in_tip = False
    if cy <= y <= tip_y:
        half = r * (tip_y - y) / (tip_y - cy) * 0.92
        in_tip = abs(x - cx) <= half
    return in_head or in_tip, d <= r * 0.42


def draw(size: int, *, maskable: bool) -> bytes:
    """An RGBA icon of ``size`` pixels; maskable icons keep the pin inside the safe zone."""
    scale = 0.62 if maskable else 0.9
    radius = 0.0 if maskable else 0.18
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            u, v = (px + 0.5) / size, (py + 0.5) / size
            # rounded square background (full square when maskable)
            dx = max(abs(u - 0.5) - (0.5 - radius), 0.0)
            dy = max(abs(v - 0.5) - (0.5 - radius), 0.0)
            if radius and math.hypot(dx, dy) > radius:
                row += bytes((0, 0, 0, 0))
                continue
            x = 0.5 + (u - 0.5) / scale
            y = 0.5 + (v - 0.5) / scale + 0.02
            pin, hole = _inside_pin(x, y)
            colour = (YELLOW if hole else WHITE) if pin else BLUE
            row += bytes((*colour, 255))
        rows.append(bytes(row))
    return _png(size, size, rows)


SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" role="img">
<title>Fahrdienst</title>
<rect width="100" height="100" rx="18" fill="#00497a"/>
<path d="M50 80 L33 49 A20 20 0 1 1 67 49 Z" fill="#fff"/>
<circle cx="50" cy="38" r="8.5" fill="#ffbf47"/>
</svg>
"""


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    (ICONS / "icon-192.png").write_bytes(draw(192, maskable=False))
    (ICONS / "icon-512.png").write_bytes(draw(512, maskable=False))
    (ICONS / "icon-maskable-512.png").write_bytes(draw(512, maskable=True))
    (ICONS / "icon.svg").write_text(SVG, encoding="utf-8")


if __name__ == "__main__":
    main()
