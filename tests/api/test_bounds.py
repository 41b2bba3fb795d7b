"""Bad input is answered with a clear 4xx and changes nothing; it never causes a 500."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import RideRequest
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def _requests(quarter: Quarter) -> int:
    with quarter.app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(RideRequest)))


def _error(res: Any, status: int) -> dict[str, Any]:
    assert res.status_code == status, (res.status_code, res.get_data(as_text=True)[:300])
    body = res.get_json()
    assert body["error"]["message"], body
    return body["error"]  # type: ignore[no-any-return]


def test_a_huge_body_is_413(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    body = ride(tomorrow_at(9), mobility_aids=["walker"] * 2_000_000)
    _error(resident.post("/api/v1/requests", body), 413)
    assert _requests(quarter) == 0


@pytest.mark.parametrize("path", ["/api/v1/requests/{}", "/api/v1/trips/{}/route"])
def test_an_id_beyond_the_database_integer_is_404(quarter: Quarter, path: str) -> None:
    coord = quarter.staff(quarter.coordinator)
    for big in (2**31, 2**63, 10**30):
        _error(coord.get(path.format(big)), 404)
    _error(coord.post(f"/api/v1/offers/{2**40}/accept"), 404)


@pytest.mark.parametrize("bad", ["Haus\x00tür", "Kaputt \ud800 Zeichen"])
def test_nul_bytes_and_lone_surrogates_are_422(quarter: Quarter, bad: str) -> None:
    resident = quarter.resident(0)
    err = _error(resident.post("/api/v1/requests", ride(tomorrow_at(9), notes=bad)), 422)
    assert "notes" in err["fields"]
    assert _requests(quarter) == 0


def test_deeply_nested_json_is_400(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    deep = "[" * 20_000 + "]" * 20_000  # 40 kB, under the size limit
    res = resident.client.post("/api/v1/requests", data=deep, content_type="application/json",
                               headers={"X-CSRFToken": resident.token})
    _error(res, 400)


def test_too_many_list_items_and_too_long_texts_are_422(quarter: Quarter) -> None:
    resident = quarter.resident(0)
    err = _error(resident.post("/api/v1/requests", ride(tomorrow_at(9),
                                                        mobility_aids=["walker"] * 21)), 422)
    assert "mobility_aids" in err["fields"]
    coord = quarter.staff(quarter.coordinator)
    err = _error(coord.post("/api/v1/requests", ride(tomorrow_at(9), resident_id=2**40)), 422)
    assert "resident_id" in err["fields"]
    assert _requests(quarter) == 0
