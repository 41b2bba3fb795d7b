"""Field messages: one German definition each, read back as code and parameters."""

from __future__ import annotations

import json
import string
from datetime import timedelta
from pathlib import Path

import pytest

from dispatch.api.errors import field_codes
from dispatch.field_messages import FIELD_MESSAGES
from dispatch.field_messages import code_of
from dispatch.field_messages import say
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at

GERMAN = json.loads((Path(__file__).resolve().parents[1] / "pwa" / "static" / "i18n"
                     / "de.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", sorted(FIELD_MESSAGES))
def test_every_message_is_read_back_as_its_code_and_parameters(code: str) -> None:
    names = [f for _, f, _, _ in string.Formatter().parse(FIELD_MESSAGES[code]) if f]
    params = {name: f"«{name} 7»" for name in names}
    found = code_of(say(code, **params))
    assert found is not None
    assert found.code == code
    assert found.params == params


def test_the_german_page_texts_are_the_server_words() -> None:
    assert {k[6:]: v for k, v in GERMAN.items() if k.startswith("field.")} == FIELD_MESSAGES


def test_words_not_written_by_say_have_no_code() -> None:
    assert code_of("Irgendetwas anderes.") is None
    assert field_codes({"x": "Irgendetwas anderes."}) == {}


def test_a_refused_booking_names_a_code_for_every_field(quarter: Quarter) -> None:
    office = quarter.staff(quarter.coordinator)
    answer = office.post("/api/v1/requests", {
        "kind": "flight", "passengers": 9, "notes": "x" * 600, "time": "morgen",
        "pickup": {"address": "ab", "lat": 99, "lon": 7.4}, "unknown": 1})
    assert answer.status_code == 422, answer.get_json()
    error = answer.get_json()["error"]
    codes = {k: v["code"] for k, v in error["field_codes"].items()}
    assert codes == {"kind": "kind", "passengers": "passengers", "notes": "note_length",
                     "time": "date_time", "pickup.address": "address_length",
                     "pickup.lat": "latitude", "dropoff": "required",
                     "unknown": "unknown_field"}
    assert error["field_codes"]["passengers"]["params"] == {"min": "1", "max": "4"}
    assert error["fields"]["passengers"] == "Es können 1 bis 4 Personen mitfahren."


def test_a_rule_of_the_service_names_its_code(quarter: Quarter) -> None:
    office = quarter.staff(quarter.coordinator)
    answer = office.post("/api/v1/requests", ride(
        tomorrow_at(10) - timedelta(days=3), resident_id=quarter.residents[0].id))
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["error"]["field_codes"] == {
        "time": {"code": "future_time", "params": {}}}
