"""Spreadsheet files written by every export: the formula guard and the XLSX sheet.

OWASP «CSV injection»: a cell a spreadsheet could run as a formula gets a leading
«'». XLSX cells are typed: date-times and dates get a Norwegian number format,
numbers stay numbers, and anything else is a string cell, never a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text that a spreadsheet could read as a formula gets a leading «'»; the rest as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_bytes(title: str, headers: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    """One write-only sheet (rows are written as they come), with a bold header row.

    Date-times must already be on the wall clock they are to show (a sheet has no
    time zones); their zone is dropped."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(str(text)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for values in rows:
        row = []
        for value in values:
            if isinstance(value, datetime):
                cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
                cell.number_format = "DD.MM.YYYY HH:MM"
                row.append(cell)
            elif isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "DD.MM.YYYY"
                row.append(cell)
            elif value is None or isinstance(value, bool | int | float | Decimal):
                row.append(value)
            else:
                row.append(neutralise(str(value)))
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
