"""Monitoring for coordinators (their quarter) and admins (any quarter, or all): figures as
JSON, CSV and a printable monthly report. Every figure passes the small-count rule."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

from apiflask import APIBlueprint
from flask import Response
from flask import render_template

from dispatch.api.common import me
from dispatch.api.common import settings
from dispatch.api.schemas import MonitoringQuery
from dispatch.api.schemas import MonthQuery
from dispatch.monitoring import Period
from dispatch.monitoring import Report
from dispatch.monitoring import to_csv
from dispatch.monitoring import to_dict
from dispatch.monitoring.export import flat
from dispatch.monitoring.mileage import mileage_csv
from dispatch.monitoring.periods import month_range
from dispatch.services.clock import local_now
from dispatch.services.monitoring import build_mileage
from dispatch.services.monitoring import build_report
from dispatch.services.monitoring import report_quarter

bp = APIBlueprint("monitoring", __name__, tag="monitoring")


def _range(query: dict[str, Any]) -> tuple[date, date]:
    """``from`` and the day after ``to``; by default this month."""
    today = local_now().date()
    first, after = month_range(today.year, today.month)
    start = query.get("from_") or (query["to"] - timedelta(days=30) if query.get("to")
                                   else first)
    last = query.get("to") or (after - timedelta(days=1) if start == first else
                               start + timedelta(days=30))
    return start, last + timedelta(days=1)


def _report(query: dict[str, Any]) -> Report:
    quarter = report_quarter(me(), query.get("quarter"), settings())
    start, end = _range(query)
    return build_report(quarter, Period(query["period"]), start, end, settings(), local_now())


@bp.get("/api/v1/monitoring")
@bp.input(MonitoringQuery, location="query", arg_name="query")
def monitoring(query: dict[str, Any]) -> dict[str, Any]:
    """Figures per day, week or month of ``from``..``to`` (both included) and their total."""
    return to_dict(_report(query))


@bp.get("/api/v1/monitoring/export.csv")
@bp.input(MonitoringQuery, location="query", arg_name="query")
def monitoring_csv(query: dict[str, Any]) -> Response:
    """The same figures as CSV (semicolon, decimal comma): one line per period and figure."""
    report = _report(query)
    last = report.end - timedelta(days=1)
    return _csv_download(to_csv(report),
                         f"monitoring-{report.quarter}-{report.start:%Y%m%d}-{last:%Y%m%d}.csv")


@bp.get("/api/v1/monitoring/mileage.csv")
@bp.input(MonitoringQuery, location="query", arg_name="query")
def mileage_export(query: dict[str, Any]) -> Response:
    """Per volunteer: tours, rides, hours, kilometres (with the way from home and back), for
    mileage reimbursement by the quarter office. Not a statistic: names, no residents."""
    quarter = report_quarter(me(), query.get("quarter"), settings())
    start, end = _range(query)
    items = build_mileage(quarter, start, end, settings(), local_now())
    return _csv_download(mileage_csv(items),
                         f"kilometer-{quarter}-{start:%Y%m%d}-{end - timedelta(days=1):%Y%m%d}.csv")


def _csv_download(text: str, name: str) -> Response:
    """A CSV file to save (with a byte-order mark, so spreadsheet programs read UTF-8)."""
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/print/monitoring")
@bp.input(MonthQuery, location="query", arg_name="query")
def monthly_report(query: dict[str, Any]) -> str:
    """The printable monthly report: the month's figures and its weeks."""
    from dispatch.pwa_views import choose_language
    from dispatch.pwa_views import translate

    person = me()
    quarter = report_quarter(person, query.get("quarter"), settings())
    if query.get("month"):
        year, month = (int(x) for x in query["month"].split("-"))
    else:
        today = local_now().date()
        year, month = today.year, today.month
    start, end = month_range(year, month)
    report = build_report(quarter, Period.WEEK, start, end, settings(), local_now())
    lang = choose_language()
    names = {q.slug: q.name for q in settings().quarters}
    return render_template(
        "report.html", lang=lang, dir="rtl" if lang == "ar" else "ltr",
        t=lambda key, **kw: translate(lang, key, **kw), report=report,
        quarter_name=names.get(quarter, translate(lang, "monitoring.all_quarters")),
        month=date(year, month, 1), total=dict(flat(report.total)),
        weeks=[(f, dict(flat(f))) for f in report.buckets],
        one_day=timedelta(days=1))
