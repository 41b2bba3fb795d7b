"""The lock row and version of one quarter's service day (see :mod:`dispatch.services.plan_day`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from dispatch.extensions import db


class PlanDay(db.Model):  # type: ignore[name-defined,misc]
    """Every change to a quarter-day's plans locks this row and raises ``version`` by one."""

    __tablename__ = "plan_days"
    quarter_slug: Mapped[str] = mapped_column(ForeignKey("quarters.slug"), primary_key=True)
    service_day: Mapped[datetime] = mapped_column(primary_key=True)  # local midnight
    version: Mapped[int] = mapped_column(default=0)
