"""The rows of a trip's printable day sheet: what the driver does at each stop, in order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dispatch.domain.lifecycle import COMMITTED
from dispatch.domain.lifecycle import RequestState
from dispatch.models import Trip

#: a ride in one of these states is in the plan but not (yet) the volunteer's
NOT_YET_ACCEPTED = frozenset({RequestState.REQUESTED, RequestState.PLANNED,
                              RequestState.OFFERED})


@dataclass(frozen=True)
class SheetRow:
    """One stop of the sheet; ``phone`` only while the trip's volunteer holds the ride."""

    id: int
    at: datetime
    kind: str
    person: str
    phone: str | None
    address: str
    aids: tuple[str, ...]
    note: str
    accepted: bool


def sheet_rows(trip: Trip) -> list[SheetRow]:
    """The trip's stops of live rides (cancelled ones are not driven), in the planned order."""
    rows = []
    for s in sorted(trip.stops, key=lambda s: s.seq):
        req = s.request
        state = RequestState(req.state)
        if state in (RequestState.CANCELLED, RequestState.UNSERVABLE):
            continue
        accepted = state not in NOT_YET_ACCEPTED
        rows.append(SheetRow(
            id=s.id, at=s.planned_arrival, kind=s.kind, person=req.resident.display_name,
            phone=req.resident.phone if state in COMMITTED else None, address=s.address,
            aids=tuple(req.mobility_aids), note=req.notes or "", accepted=accepted))
    return rows
