"""``/healthz`` reports the database and the street graph."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_healthz(client: FlaskClient, database_url: str) -> None:
    res = client.get("/healthz")
    assert res.status_code == 200
    body = res.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["dialect"] == database_url.split(":")[0].split("+")[0]
    assert body["street_graph"]["state"] in {"loaded", "not_loaded"}


def test_unknown_path_answers_in_the_envelope(client: FlaskClient) -> None:
    res = client.get("/api/v1/nothing-here")
    assert res.status_code == 404
    assert res.get_json()["error"]["code"] == "not_found"
    assert res.get_json()["error"]["message"]
