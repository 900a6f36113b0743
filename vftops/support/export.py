"""A list of tickets as CSV or XLSX, for a spreadsheet: Norwegian headers, Oslo times.

The cells pass through the exports' guard (`vftops.core.spreadsheet.neutralise`):
a text a spreadsheet could run as a formula gets a leading «'». Both are written
row by row while the tickets are read in batches and sent as they are written, so a
long list never sits in memory and the download starts at once.

Personal data stays out: the reporter's name and contact and the recipient are not
exported (the ticket page shows them to those who may see them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vftops.core import spreadsheet
from vftops.core.models import OSLO
from vftops.core.spreadsheet import CSV_MIMETYPE, XLSX_MIMETYPE, neutralise
from vftops.support.models import (
    CHANNEL_LABELS,
    KIND_LABELS,
    PRIORITY_LABELS,
    REPORTER_LABELS,
    STATUS_LABELS,
    Ticket,
)

__all__ = ["COLUMNS", "CSV_MIMETYPE", "XLSX_MIMETYPE", "csv_chunks", "xlsx_chunks"]


class _Words:
    """The labels in the reader's language, looked up once per file (not once per cell)."""

    def __init__(self):
        self.kind = _strings(KIND_LABELS)
        self.status = _strings(STATUS_LABELS)
        self.priority = _strings(PRIORITY_LABELS)
        self.channel = _strings(CHANNEL_LABELS)
        self.reporter = _strings(REPORTER_LABELS)
        self.yes, self.no = _("Yes"), _("No")

    def yes_no(self, value) -> str:
        return self.yes if value else self.no


def _strings(labels) -> dict:
    return {key: str(label) for key, label in labels.items()}


@dataclass(frozen=True)
class Column:
    label: Any  # lazy: the header in the reader's language
    value: Callable[[Ticket, _Words], Any]


COLUMNS: tuple[Column, ...] = (
    Column(_l("Ticket number"), lambda t, w: t.id),
    Column(_l("Title"), lambda t, w: t.title),
    Column(_l("Kind"), lambda t, w: w.kind.get(t.kind, t.kind)),
    Column(_l("Category"), lambda t, w: t.category),
    Column(_l("Status"), lambda t, w: w.status.get(t.status, t.status)),
    Column(_l("Priority"), lambda t, w: w.priority.get(t.priority, t.priority)),
    Column(_l("Municipality"), lambda t, w: t.municipality.name),
    Column(_l("Team"), lambda t, w: t.team.name if t.team is not None else None),
    Column(
        _l("Assignee"),
        lambda t, w: (t.assignee.full_name or t.assignee.username) if t.assignee else None,
    ),
    Column(_l("Channel"), lambda t, w: w.channel.get(t.channel, t.channel)),
    Column(_l("Reported by"), lambda t, w: w.reporter.get(t.reporter_kind, t.reporter_kind)),
    Column(_l("System"), lambda t, w: t.system.name if t.system is not None else None),
    Column(_l("Registered"), lambda t, w: t.created_at),
    Column(_l("Acknowledged"), lambda t, w: t.acknowledged_at),
    Column(_l("Deadline to acknowledge"), lambda t, w: t.acknowledge_due_at),
    Column(_l("Deadline to resolve"), lambda t, w: t.resolve_due_at),
    Column(_l("Resolved"), lambda t, w: t.resolved_at),
    Column(_l("Closed"), lambda t, w: t.closed_at),
    Column(_l("Acknowledge deadline breached"), lambda t, w: w.yes_no(t.acknowledge_breached_at)),
    Column(_l("Resolve deadline breached"), lambda t, w: w.yes_no(t.resolve_breached_at)),
    Column(_l("Incident"), lambda t, w: t.parent_id if t.parent_id else None),
    Column(_l("Supplier"), lambda t, w: t.supplier.name if t.supplier is not None else None),
    Column(_l("Supplier's case number"), lambda t, w: t.supplier_ref),
    Column(_l("Escalated"), lambda t, w: t.escalated_at),
)


def _local(value: datetime) -> datetime:
    """The moment on a Norwegian wall clock, without a zone (spreadsheets have none)."""
    return value.astimezone(OSLO).replace(tzinfo=None)


def headers() -> list[str]:
    return [neutralise(str(c.label)) for c in COLUMNS]


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def csv_chunks(tickets: Iterable[Ticket]) -> Iterator[bytes]:
    """UTF-8 with BOM (Excel then shows æ, ø, å) and «;» between cells, as it is read."""
    words = _Words()
    rows = ([_csv_cell(c.value(ticket, words)) for c in COLUMNS] for ticket in tickets)
    return spreadsheet.csv_stream(headers(), rows)


def xlsx_chunks(tickets: Iterable[Ticket]) -> Iterator[bytes]:
    """One sheet, bold header row, times as Oslo date-times, the number as a number."""
    words = _Words()

    def rows():
        for ticket in tickets:
            values = (c.value(ticket, words) for c in COLUMNS)
            yield [_local(v) if isinstance(v, datetime) else v for v in values]

    return spreadsheet.xlsx_stream(_("Tickets"), headers(), rows())
