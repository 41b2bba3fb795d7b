"""Helpers for service tests: logged-in clients with CSRF tokens, a small Eving quarter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from dispatch.extensions import db
from dispatch.models import Person
from dispatch.models import Role
from dispatch.services.clock import local_now
from tests.factories import PASSWORD
from tests.factories import make_resident
from tests.factories import make_staff
from tests.factories import make_volunteer

# Real places in Eving (from the extract): homes, a surgery, a pharmacy.
EVINGER_209 = {"address": "Evinger Straße 209", "lat": 51.55051, "lon": 7.46352}
DEUTSCHE = {"address": "Deutsche Straße 10", "lat": 51.5449, "lon": 7.4627}
BERGSTR = {"address": "Bergstraße 40", "lat": 51.5517, "lon": 7.4700}
OUTSIDE = {"address": "Irgendwo im Wald", "lat": 51.70, "lon": 7.20}
#: (name, lat, lon) of real places in Eving and around
EVING_HOMES = [
    ("Evinger Straße 209", 51.55051, 7.46352), ("Bergstraße 40", 51.5517, 7.4700),
    ("Deutsche Straße 10", 51.5449, 7.4627), ("Evinger Straße 120", 51.5440, 7.4640),
    ("Kemminghauser Straße 5", 51.5530, 7.4780), ("Brechtener Straße 12", 51.5560, 7.4620),
    ("Evinger Platz 1", 51.5470, 7.4660), ("Bayrische Straße 20", 51.5500, 7.4560),
    ("Preußische Straße 8", 51.5460, 7.4590), ("Fürst-Hardenberg-Allee 2", 51.5425, 7.4570),
    ("Evinger Straße 300", 51.5560, 7.4640), ("Deutsche Straße 80", 51.5480, 7.4700),
]


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    d = local_now() + timedelta(days=1)
    return datetime(d.year, d.month, d.day, hour, minute)


class Api:
    """A logged-in test client that sends the CSRF header."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]

    def _h(self) -> dict[str, str]:
        return {"X-CSRFToken": self.token}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def post(self, url: str, json: Any = None) -> Any:
        return self.client.post(url, json=json if json is not None else {}, headers=self._h())

    def put(self, url: str, json: Any) -> Any:
        return self.client.put(url, json=json, headers=self._h())

    def patch(self, url: str, json: Any) -> Any:
        return self.client.patch(url, json=json, headers=self._h())


def login_staff(app: Flask, person: Person) -> Api:
    api = Api(app.test_client())
    res = api.post("/api/v1/auth/login", {"email": person.email, "password": PASSWORD})
    assert res.status_code == 200, res.get_json()
    api.token = res.get_json()["csrf_token"]
    return api


def login_resident(app: Flask, coordinator: Api, person_id: int) -> Api:
    code = coordinator.post(f"/api/v1/residents/{person_id}/login-code").get_json()["code"]
    api = Api(app.test_client())
    res = api.post("/api/v1/auth/code", {"code": code})
    assert res.status_code == 200, res.get_json()
    api.token = res.get_json()["csrf_token"]
    return api


@dataclass
class Quarter:
    """A small Eving set-up: a coordinator, volunteers on shift tomorrow, residents."""

    app: Flask
    coordinator: Person
    volunteers: list[Person]
    residents: list[Person]

    def staff(self, person: Person) -> Api:
        return login_staff(self.app, person)

    def resident(self, i: int) -> Api:
        return login_resident(self.app, self.staff(self.coordinator), self.residents[i].id)


def make_quarter(app: Flask) -> Quarter:
    """Coordinator, two volunteers on shift tomorrow and two residents in Eving."""
    shift = (tomorrow_at(7), tomorrow_at(18))
    with app.app_context():
        coord = make_staff(Role.COORDINATOR, "eving")
        vols = [
            make_volunteer("eving", lat=51.5480, lon=7.4650, shift=shift, gender="f",
                           languages=["de"], vehicle_seats=3),
            make_volunteer("eving", lat=51.5530, lon=7.4600, shift=shift, gender="m",
                           languages=["de", "tr"], vehicle_seats=3),
        ]
        res = [make_resident("eving", lat=EVINGER_209["lat"], lon=EVINGER_209["lon"],
                             gender="f", languages=["de"]),
               make_resident("eving", lat=BERGSTR["lat"], lon=BERGSTR["lon"], gender="m",
                             languages=["de"])]
        db.session.commit()
        for person in [coord, *vols, *res]:
            db.session.refresh(person)
        db.session.expunge_all()
    # no app context stays pushed: each test request must get its own ``g``
    return Quarter(app, coord, vols, res)


def ride(time: datetime, **extra: Any) -> dict[str, Any]:
    body = {"kind": "ride", "pickup": EVINGER_209, "dropoff": DEUTSCHE,
            "time_mode": "pickup_after", "time": time.isoformat()}
    body.update(extra)
    return body
