"""Support pages: the reports with their charts, and any ticket list as CSV or XLSX."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from vftops.core.db import stream_objects
from vftops.core.inputs import db_int
from vftops.core.models import local_today
from vftops.core.permissions import require
from vftops.core.scope import municipality_ids
from vftops.core.spreadsheet import download
from vftops.org.models import Municipality
from vftops.org.queries import municipalities_of
from vftops.support import charts, export, queries
from vftops.support import reports as figures
from vftops.support.models import KIND_LABELS, PRIORITY_LABELS, STATUS_LABELS, Ticket
from vftops.support.permissions import TICKETS_VIEW
from vftops.support.views import bp

# A CSV up to this size is built in memory; a longer one goes to a temporary file.


def _municipality_filter() -> tuple[list[Municipality], int | None]:
    """The reader's municipalities, and the one the query string names (404 if not theirs)."""
    ids = municipality_ids(current_user)
    chosen = request.args.get("municipality_id", type=db_int)
    if chosen is not None and chosen not in ids:
        abort(404)
    municipalities = list(municipalities_of(current_user))
    return municipalities, chosen


# --- reports --------------------------------------------------------------------------


def _per_thousand(value: float | None) -> str:
    return "–" if value is None else format_decimal(value, format="#,##0.0")


def _share(value: float | None) -> str:
    return "–" if value is None else format_percent(value)


def _hours(seconds: float | None) -> str | None:
    """A median duration on the wall clock as people say it («3 t 20 min», «2 d 4 t»)."""
    if seconds is None:
        return None
    minutes = max(round(seconds / 60), 0)
    hours, mins = divmod(minutes, 60)
    if hours >= 48:
        days, hours = divmod(hours, 24)
        return _("%(days)d d %(hours)d h", days=days, hours=hours)
    if hours and mins:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=mins)
    if hours:
        return _("%(hours)d h", hours=hours)
    return _("%(minutes)d min", minutes=mins)


# The product models the fault report shows unless all are asked for.
FAULT_ROWS = 20


@bp.get("/reports")
@require(TICKETS_VIEW)
def reports():
    municipalities, chosen = _municipality_filter()
    weeks = request.args.get("weeks", figures.DEFAULT_WEEKS, type=db_int)
    if weeks not in figures.WEEK_CHOICES:
        weeks = figures.DEFAULT_WEEKS
    ids = [chosen] if chosen else [m.id for m in municipalities]
    report = figures.cached_build(
        ids,
        weeks,
        no_team=_("No team"),
        max_age=current_app.config["SUPPORT_REPORT_CACHE_SECONDS"],
    )
    period = report.period
    # The worst models first; a national catalogue has a thousand models in use, and a
    # chart of a thousand bars shows nothing. All of them on request.
    all_faults = request.args.get("faults") == "all"
    fault_rows = report.faults if all_faults else report.faults[:FAULT_ROWS]
    fault_chart = charts.horizontal_bars(
        [
            (row.product.name, row.per_thousand or 0, _per_thousand(row.per_thousand))
            for row in fault_rows
            if row.faults
        ]
    )
    team_chart = charts.horizontal_bars(
        [(row.label, (row.share or 0) * 100, _share(row.share)) for row in report.teams],
        maximum=100,
    )
    return render_template(
        "support/reports.html",
        report=report,
        period=period,
        weekly=charts.weekly_columns(report),
        fault_chart=fault_chart,
        fault_rows=fault_rows,
        all_faults=all_faults,
        fault_limit=FAULT_ROWS,
        team_chart=team_chart,
        week_choices=figures.WEEK_CHOICES,
        weeks=weeks,
        municipalities=municipalities,
        chosen=chosen,
        chosen_name=next((m.name for m in municipalities if m.id == chosen), None),
        kind_labels=KIND_LABELS,
        priority_labels=PRIORITY_LABELS,
        per_thousand=_per_thousand,
        share=_share,
        hours=_hours,
    )


# --- export ---------------------------------------------------------------------------


def _int(name: str) -> int | None:
    return request.args.get(name, type=db_int)


def _export_query():
    """The queue page's list with the queue page's query string, every row (no pages)."""
    _municipalities, chosen = _municipality_filter()
    name = request.args.get("queue", "open")
    if name not in queries.QUEUES:
        name = "open"
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    priority = _int("priority")
    sort = request.args.get("sort") or "due"
    criteria = {
        "q": (request.args.get("q") or "").strip()[:200] or None,
        "status": status if status in {s.value for s in STATUS_LABELS} else None,
        "kind": kind if kind in {k.value for k in KIND_LABELS} else None,
        "priority": priority if priority in {p.value for p in PRIORITY_LABELS} else None,
        "team_id": _int("team_id"),
        "municipality_id": chosen,
        "sort": sort if sort in queries.SORTS else "due",
    }
    return queries.queue(current_user._get_current_object(), name, **criteria).options(
        joinedload(Ticket.supplier), joinedload(Ticket.system)
    )


def _filename(extension: str) -> str:
    return f"saker-{local_today().isoformat()}.{extension}"


@bp.get("/export.csv")
@require(TICKETS_VIEW)
def export_csv():
    """The whole list, read in batches and sent as it is written."""
    tickets = stream_objects(_export_query())
    return download(export.csv_chunks(tickets), _filename("csv"), export.CSV_MIMETYPE)


@bp.get("/export.xlsx")
@require(TICKETS_VIEW)
def export_xlsx():
    tickets = stream_objects(_export_query())
    return download(export.xlsx_chunks(tickets), _filename("xlsx"), export.XLSX_MIMETYPE)
