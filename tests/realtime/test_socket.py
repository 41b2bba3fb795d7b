"""Socket.IO: only logged-in people connect; each gets its snapshot and its own events."""

from __future__ import annotations

from dispatch.extensions import socketio
from tests.quarter import Quarter
from tests.quarter import ride
from tests.quarter import tomorrow_at


def test_anonymous_socket_is_refused(quarter: Quarter) -> None:
    client = socketio.test_client(quarter.app, flask_test_client=quarter.app.test_client())
    assert not client.is_connected()


def test_each_role_gets_its_snapshot_and_its_events(quarter: Quarter) -> None:
    coord = quarter.staff(quarter.coordinator)
    vols = [quarter.staff(v) for v in quarter.volunteers]
    resident = quarter.resident(0)
    sockets = {name: socketio.test_client(quarter.app, flask_test_client=api.client)
               for name, api in [("coord", coord), ("v0", vols[0]), ("v1", vols[1]),
                                 ("resident", resident)]}
    snaps = {name: c.get_received()[0] for name, c in sockets.items()}
    assert {n: s["name"] for n, s in snaps.items()} == dict.fromkeys(sockets, "snapshot")
    assert "board" in snaps["coord"]["args"][0]
    assert snaps["v0"]["args"][0]["offers"] == []
    assert snaps["resident"]["args"][0]["requests"] == []

    res = resident.post("/api/v1/requests", ride(tomorrow_at(9)))
    assert res.status_code == 201, res.get_json()
    rid = res.get_json()["request"]["id"]
    got = {name: [e["name"] for e in c.get_received()] for name, c in sockets.items()}
    assert "board.changed" in got["coord"]
    assert "request.updated" in got["resident"]
    offered = [n for n in ("v0", "v1") if "offer.created" in got[n]]
    assert len(offered) == 1  # exactly one volunteer hears of it
    other = "v1" if offered == ["v0"] else "v0"
    assert "offer.created" not in got[other]
    assert "board.changed" not in got["resident"]  # residents never see the board
    # a reconnecting volunteer finds the offer in the snapshot
    sockets[offered[0]].disconnect()
    again = socketio.test_client(quarter.app, flask_test_client=vols[int(offered[0][1])].client)
    snap = again.get_received()[0]["args"][0]
    assert [o["request"]["id"] for o in snap["offers"]] == [rid]


def test_one_trip_update_per_trip_per_change_with_the_committed_stops(quarter: Quarter) -> None:
    """A booking with a return ride touches four stops of one trip: the volunteer hears one
    ``trip.updated`` for it, and it carries all four stops as committed."""
    vols = [quarter.staff(v) for v in quarter.volunteers]
    resident = quarter.resident(0)
    sockets = [socketio.test_client(quarter.app, flask_test_client=api.client) for api in vols]
    for s in sockets:
        s.get_received()  # the snapshots
    body = ride(tomorrow_at(9), return_after_minutes=30)
    assert resident.post("/api/v1/requests", body).status_code == 201
    updates = [e["args"][0]["trip"] for s in sockets for e in s.get_received()
               if e["name"] == "trip.updated"]
    assert updates, "no trip.updated was pushed"
    ids = [t["id"] for t in updates]
    assert len(ids) == len(set(ids)), f"several trip.updated for one trip: {ids}"
    stops = [(s["request_id"], s["kind"]) for t in updates for s in t["stops"]]
    assert len(stops) == len(set(stops)) == 4
    with quarter.app.app_context():
        from sqlalchemy import select

        from dispatch.extensions import db
        from dispatch.models import TripStop

        stored = {(s.request_id, s.kind): s.planned_arrival.replace(microsecond=0).isoformat()
                  for s in db.session.scalars(select(TripStop))}
    assert {(s["request_id"], s["kind"]): s["planned_arrival"]
            for t in updates for s in t["stops"]} == stored
