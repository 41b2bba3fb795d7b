"""Keep the quarter rows in step with ``config/quarters``."""

from __future__ import annotations

from dispatch.extensions import db
from dispatch.models import Quarter
from dispatch.settings import Settings


def sync_quarters(settings: Settings) -> int:
    """Insert or update a row per configured quarter; returns how many there are."""
    for q in settings.quarters:
        row = db.session.get(Quarter, q.slug)
        if row is None:
            db.session.add(Quarter(slug=q.slug, name=q.name, city=q.city))
        else:
            row.name, row.city = q.name, q.city
    db.session.flush()
    return len(settings.quarters)
