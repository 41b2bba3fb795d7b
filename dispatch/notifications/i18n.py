"""gettext catalogues of the notices (``locale/<lang>/LC_MESSAGES/notices.po``).

``make setup`` compiles the ``.po`` files to ``.mo`` (``pybabel compile``); where a ``.mo`` is
missing or older than its ``.po`` the catalogue is compiled in memory instead, so a fresh
checkout never sends untranslated text.
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "notices"
LANGUAGES = ("de", "en", "tr", "ar", "pl")
DEFAULT = "de"

log = logging.getLogger(__name__)


def language_of(code: str | None) -> str:
    """One of :data:`LANGUAGES` (German when unknown)."""
    code = (code or "").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT


def _compile_in_memory(po: Path) -> gettext.NullTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang`` (German source texts when there is none)."""
    lang = language_of(lang)
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if po.exists():
        log.info("compiling %s in memory (run `make setup` to compile the catalogues)", po)
        return _compile_in_memory(po)
    return gettext.NullTranslations()


def gettext_for(lang: str, message: str) -> str:
    """``message`` (a German source text) in ``lang``."""
    return translations(lang).gettext(message)
