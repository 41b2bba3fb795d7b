"""Every text the PWA shows comes from the translation files, complete in all five languages."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from dispatch.api.errors import ERROR_CODES
from dispatch.api.schemas import AIDS
from dispatch.domain.kinds import RequestKind
from dispatch.domain.kinds import TimeMode
from dispatch.domain.lifecycle import RequestState
from dispatch.errors import DispatchError
from dispatch.field_messages import FIELD_MESSAGES
from dispatch.matching.reasons import CODES as REASON_CODES
from dispatch.monitoring import UnmetReason
from dispatch.monitoring.figures import PURPOSES
from dispatch.pwa_views import FACES
from dispatch.pwa_views import I18N_ROOT
from dispatch.pwa_views import LANGUAGES
from dispatch.pwa_views import PWA_ROOT
from dispatch.services.links import LINK_REFUSALS

TEMPLATES = sorted((PWA_ROOT / "templates").glob("*.html"))
SCRIPTS = sorted((PWA_ROOT / "static" / "js").glob("*.js"))

# Keys built at run time from a value (`t(`state.${r.state}`)`): every value must have a text.
STOP_ACTIONS = ("on_the_way", "arrived", "picked_up", "dropped_off", "no_show")
DYNAMIC: dict[str, tuple[str, ...]] = {
    "state": tuple(s.value for s in RequestState),
    "kind": tuple(k.value for k in RequestKind),
    "time_mode": tuple(m.value for m in TimeMode),
    "stop": ("pickup", "dropoff"),
    "stop_action": STOP_ACTIONS,
    "stop_done": STOP_ACTIONS,
    "stop_status": ("planned", "arrived", "done"),  # dispatch.services.serialize.stop_dict
    "need": (*AIDS, "help_at_door"),  # every aid the API accepts, help at the door
    "lang": LANGUAGES,
    "board_state": tuple(s.value for s in RequestState),  # the board's word for a stop
    "server": ERROR_CODES,  # every error code of the API, translated beside its German text
    "reason": REASON_CODES,  # why a request cannot be served
    "field": tuple(FIELD_MESSAGES),  # what is wrong with one field (beside the German words)
    "unmet_reason": tuple(r.value for r in UnmetReason),  # the monitoring's reasons
    "purpose": PURPOSES,  # what a ride is for (booking forms; "unknown" in the monitoring)
    "link": tuple(f"why_{why}" for why in LINK_REFUSALS),  # dispatch.link_pages._refused
    "sheet": ("time", "what", "person", "address", "aids", "note", "done"),  # day sheet columns
    "fig": ("requests", "residents", "served", "unmet", "pending", "cancelled", "no_show",
            "served_share", "shared", "shared_share", "on_duty", "active", "tours", "hours",
            "km_driven", "km_walked", "rides_mean", "rides_min", "rides_max", "rides_gini"),
}


def _subclasses(cls: type) -> set[type]:
    return {c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))}


def test_every_error_code_the_api_sends_is_in_the_translated_list() -> None:
    """A new DispatchError subclass must add its code to ERROR_CODES (and so get a text)."""
    import dispatch.api.common
    import dispatch.services.accounts
    import dispatch.services.links  # noqa: F401 - they define DispatchError subclasses

    codes = {c.code for c in _subclasses(DispatchError)} | {DispatchError.code}
    assert codes <= set(ERROR_CODES), sorted(codes - set(ERROR_CODES))


def _every_code_the_server_can_send() -> set[str]:
    """Every ``error.code`` found in dispatch/: the codes of all DispatchError subclasses (every
    module imported, so none is missed), the codes of the HTTP statuses and the literal codes
    the error handlers put into the envelope."""
    import importlib
    import pkgutil

    import dispatch
    from dispatch.api import errors as api_errors

    for mod in pkgutil.walk_packages(dispatch.__path__, "dispatch."):
        importlib.import_module(mod.name)
    codes = {c.code for c in _subclasses(DispatchError)} | {DispatchError.code}
    codes |= {api_errors._code(status) for status in range(400, 600)}
    source = Path(api_errors.__file__).read_text(encoding="utf-8")
    codes |= set(re.findall(r"envelope\(\s*\d+,\s*\"([a-z_]+)\"", source))
    return codes


def test_every_error_code_the_server_can_raise_has_a_text_in_all_five_languages(
        catalogues: dict[str, dict[str, str]]) -> None:
    """Not only the list: every code found in dispatch/ is translated in de, en, tr, ar, pl,
    and a translation is not the German text left in place."""
    codes = _every_code_the_server_can_send()
    assert {"offer_taken", "login_failed", "csrf", "internal_error", "busy"} <= codes, codes
    assert codes <= set(ERROR_CODES), sorted(codes - set(ERROR_CODES))
    for lang in LANGUAGES:
        missing = sorted(c for c in codes if not catalogues[lang].get(f"server.{c}", "").strip())
        assert not missing, f"{lang}.json has no text for the error codes {missing}"
    for lang in ("en", "tr", "ar", "pl"):
        german = sorted(c for c in codes
                        if catalogues[lang][f"server.{c}"] == catalogues["de"][f"server.{c}"])
        assert not german, f"{lang}.json keeps the German text for {german}"

KEY = r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)+"
CALL = re.compile(rf"""\b(?:t|tOr)\(\s*(['"])({KEY})\1""")
DATA_ATTR = re.compile(r"""data-i18n"?\s*[=:]\s*"([A-Za-z0-9_.]+)\"""")
DATA_ATTR_PAIRS = re.compile(r'data-i18n-attr="([^"]+)"')
TEMPLATE_LITERAL = re.compile(r"\b(?:t|tOr)\(`([a-z_]+)\.\$\{")
JINJA_CONCAT = re.compile(r"""t\(\s*'([a-z_]+)\.'\s*~""")
QUOTED = re.compile(r"""(['"])([a-z_]+\.[a-z0-9_]+)\1""")


def _load(lang: str) -> dict[str, str]:
    with (I18N_ROOT / f"{lang}.json").open(encoding="utf-8") as fh:
        data: dict[str, str] = json.load(fh)
    return data


@pytest.fixture(scope="module")
def catalogues() -> dict[str, dict[str, str]]:
    return {lang: _load(lang) for lang in LANGUAGES}


def _used_keys(namespaces: set[str]) -> tuple[set[str], set[str]]:
    """Static keys used in templates and scripts, and prefixes of keys built at run time."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for path in [*TEMPLATES, *SCRIPTS]:
        text = path.read_text(encoding="utf-8")
        keys |= {m.group(2) for m in CALL.finditer(text)}
        keys |= set(DATA_ATTR.findall(text))
        for pairs in DATA_ATTR_PAIRS.findall(text):
            keys |= {pair.split(":", 1)[1].strip() for pair in pairs.split(";") if ":" in pair}
        prefixes |= set(TEMPLATE_LITERAL.findall(text)) | set(JINJA_CONCAT.findall(text))
        # any other string that looks like one of our keys ("resident.when" passed to a helper)
        keys |= {m.group(2) for m in QUOTED.finditer(text)
                 if m.group(2).split(".")[0] in namespaces}
    keys |= {f"{face}.title" for face in (*FACES, "landing", "login", "offline")}
    return keys, prefixes


def test_the_five_language_files_exist_and_hold_only_texts(
        catalogues: dict[str, dict[str, str]]) -> None:
    assert sorted(p.stem for p in I18N_ROOT.glob("*.json")) == sorted(LANGUAGES)
    for lang, cat in catalogues.items():
        empty = [k for k, v in cat.items() if not isinstance(v, str) or not v.strip()]
        assert not empty, f"{lang}.json: empty or non-text values for {empty}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "de"])
def test_every_language_has_exactly_the_german_keys(
        lang: str, catalogues: dict[str, dict[str, str]]) -> None:
    de, other = set(catalogues["de"]), set(catalogues[lang])
    assert not de - other, f"{lang}.json misses {sorted(de - other)}"
    assert not other - de, f"{lang}.json has keys German does not: {sorted(other - de)}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "de"])
def test_placeholders_are_the_same_in_every_language(
        lang: str, catalogues: dict[str, dict[str, str]]) -> None:
    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    wrong = {k: (fields(v), fields(catalogues[lang][k]))
             for k, v in catalogues["de"].items()
             if k in catalogues[lang] and fields(v) != fields(catalogues[lang][k])}
    assert not wrong, f"{lang}.json placeholders differ from German: {wrong}"


def test_every_key_used_in_templates_and_scripts_exists_in_all_languages(
        catalogues: dict[str, dict[str, str]]) -> None:
    namespaces = {k.split(".")[0] for k in catalogues["de"]}
    keys, _ = _used_keys(namespaces)
    assert len(keys) > 100, "the key scanner found too few keys; is the pattern broken?"
    for lang, cat in catalogues.items():
        missing = sorted(k for k in keys if k not in cat)
        assert not missing, f"{lang}.json misses keys used by the PWA: {missing}"


def test_keys_built_at_run_time_exist_for_every_value(
        catalogues: dict[str, dict[str, str]]) -> None:
    namespaces = {k.split(".")[0] for k in catalogues["de"]}
    _, prefixes = _used_keys(namespaces)
    unknown = prefixes - set(DYNAMIC)
    assert not unknown, f"keys built from values with no list of values in this test: {unknown}"
    for lang, cat in catalogues.items():
        missing = sorted(f"{p}.{v}" for p, values in DYNAMIC.items() for v in values
                         if f"{p}.{v}" not in cat)
        assert not missing, f"{lang}.json misses {missing}"


def test_a_missing_key_is_detected(tmp_path: Path,
                                   catalogues: dict[str, dict[str, str]]) -> None:
    """The scanner itself: a template using an unknown key must be reported."""
    page = tmp_path / "x.html"
    page.write_text('<p data-i18n="resident.no_such_key">{{ t(\'board.nope\') }}</p>'
                    '<script>t("volunteer.missing")</script>')
    text = page.read_text()
    found = {m.group(2) for m in CALL.finditer(text)} | set(DATA_ATTR.findall(text))
    assert found == {"resident.no_such_key", "board.nope", "volunteer.missing"}
    assert not found & set(catalogues["de"])


STATUS_JS = PWA_ROOT / "static" / "js" / "status.js"
STATUS_ENTRY = re.compile(r"^  ([a-z_]+): \{(.*)\},$", re.MULTILINE)
STATUS_KEY = re.compile(r'\b(key|walk|at_door): "(status\.[a-z_]+)"')


def _status_mapping() -> dict[str, dict[str, str]]:
    """The resident's status sentences per request state, read from pwa/static/js/status.js."""
    text = STATUS_JS.read_text(encoding="utf-8")
    block = text[text.index("export const RESIDENT_STATUS = {"):]
    block = block[:block.index("\n};")]
    return {state: dict(STATUS_KEY.findall(body)) for state, body in STATUS_ENTRY.findall(block)}


def test_every_request_state_has_one_resident_sentence_in_all_languages(
        catalogues: dict[str, dict[str, str]]) -> None:
    """One mapping (status.js) covers every state of the state machine, in all five languages;
    a volunteer is named only from "accepted" on, never while the ride is only offered."""
    mapping = _status_mapping()
    assert set(mapping) == {s.value for s in RequestState}
    assert all("key" in keys for keys in mapping.values())
    for lang, cat in catalogues.items():
        for state, keys in mapping.items():
            for key in keys.values():
                assert cat.get(key, "").strip(), f"{lang}.json: no sentence {key} for {state}"
    text = STATUS_JS.read_text(encoding="utf-8")
    named = {state for state, body in STATUS_ENTRY.findall(text) if "named: true" in body}
    with_name = {state for state, keys in mapping.items()
                 if "{name}" in catalogues["de"][keys["key"]]}
    assert not named & {"requested", "planned", "offered"}, "a volunteer named before accepting"
    assert with_name <= named
    assert {"accepted", "en_route", "picked_up"} <= with_name
    assert "accepted_walk" in mapping["accepted"]["walk"]
    assert "at_door" in mapping["en_route"]["at_door"]
    de = catalogues["de"]
    assert de[mapping["accepted"]["key"]] == "Es fährt {name}."
    assert de[mapping["accepted"]["walk"]] == "Es begleitet Sie {name}."
    assert "wartet vor der Tür" in de[mapping["en_route"]["at_door"]]
    assert "wir fragen gerade ehrenamtliche" in de[mapping["offered"]["key"]].lower()
