"""Reading an uploaded CSV or XLSX file, row by row, within bounds.

Every import reads its file through here. A small file can describe a huge one
(an XLSX is a zip of XML; one shared string can fill every cell), so the bounds
are checked while streaming, before the rest is read:

- the archive: what it unpacks to in all, and each part it has to read, by the
  part's role (`vftops.core.workbook`), before anything is parsed;
- rows: at most `IMPORT_MAX_ROWS` after the header, blank rows included;
- columns: no value beyond column `MAX_COLUMNS`;
- cells: at most CELLS_PER_ROW cells a row on average over the file, formatted empty
  cells included (they cost reading too), and at most `IMPORT_MAX_CELL_CHARS`
  characters in one, with no control characters.

A file out of bounds is refused as a whole, naming the row or the cell.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import ParseError

from flask import current_app
from flask_babel import lazy_gettext as _l

from vftops.core.errors import ValidationError
from vftops.core.i18n import format_number
from vftops.core.inputs import text_problem
from vftops.core.spreadsheet import FORMULA_STARTS
from vftops.core.workbook import TooLong, Workbook, WorkbookError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_COLUMNS = 100
# What an XLSX may unpack to in all; each part it reads has its own limit (workbook.py).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
XLSX_MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# Cells a row may have on average over the file, empty formatted ones included: a sheet
# of a million formatted empty cells costs reading time too.
CELLS_PER_ROW = 40


@dataclass(frozen=True)
class Bounds:
    rows: int
    cell_chars: int
    columns: int = MAX_COLUMNS

    @classmethod
    def from_config(cls) -> Bounds:
        config = current_app.config
        return cls(rows=config["IMPORT_MAX_ROWS"], cell_chars=config["IMPORT_MAX_CELL_CHARS"])


def file_error(message) -> ValidationError:
    return ValidationError(message, fields={"file": [message]})


def column_name(index: int) -> str:
    """1 → A, 27 → AA: how a spreadsheet names the column."""
    name = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


# --- what an upload must look like before it is read -----------------------------------


def content_error(filename: str, data: bytes):
    """Why the bytes are not a CSV or XLSX we will read (None when they are).

    Reads the zip's directory and its list of content types, nothing else: a «zip
    bomb» is refused by what it says it unpacks to (zipfile refuses to unpack more
    than a part says).
    """
    name = (filename or "").lower()
    if name.endswith(".csv"):
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _l("The file is not UTF-8 text. In Excel, save it as «CSV UTF-8».")
        if b"\x00" in data:
            return _l("The file is not UTF-8 text. In Excel, save it as «CSV UTF-8».")
        return None
    if name.endswith(".xlsx"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
                if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
                    return _l("The workbook is too large. Split it into smaller files.")
                if archive.getinfo("[Content_Types].xml").file_size > 256 * 1024:
                    return _l("The file is not an Excel workbook (.xlsx).")
                types = archive.read("[Content_Types].xml")
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
            return _l("The file is not an Excel workbook (.xlsx).")
        if XLSX_MAIN_TYPE not in types:
            return _l("The file is not an Excel workbook (.xlsx).")
        return None
    return _l("Choose a .csv or .xlsx file.")


# --- reading, row by row ------------------------------------------------------------


def _unneutralise(value: str) -> str:
    """Our own exports prefix «'» to formula-like text; take it off again."""
    if len(value) > 1 and value[0] == "'" and value.startswith(FORMULA_STARTS, 1):
        return value[1:]
    return value


class _Reader:
    """Checks each row against the bounds as it comes and tidies its cells."""

    def __init__(self, bounds: Bounds):
        self.bounds = bounds
        self.rows = 0
        self.cells = 0
        self.cell_budget = max(bounds.rows, 1) * CELLS_PER_ROW
        # Equal texts share one string: a text repeated in every cell costs its length once.
        self.strings: dict[str, str] = {}

    def row(self, number: int) -> None:
        """Count a row (blank ones too) against the row limit."""
        self.rows += 1
        if self.rows > self.bounds.rows + 1:  # the header row and `rows` more
            raise file_error(
                _l(
                    "The file has more than %(max)s rows (blank rows count too). "
                    "Split it into smaller files.",
                    max=format_number(self.bounds.rows),
                )
            )

    def cell(self, number: int, column: int, has_value: bool) -> None:
        """Count a cell against the file's cells; refuse a value beyond the last column."""
        self.cells += 1
        if has_value and column > self.bounds.columns:
            raise file_error(
                _l(
                    "Cell %(cell)s is beyond column %(last)s: a file may have at most %(max)d "
                    "columns. Delete the columns you do not need.",
                    cell=f"{column_name(column)}{number}",
                    last=column_name(self.bounds.columns),
                    max=self.bounds.columns,
                )
            )
        if self.cells > self.cell_budget:
            raise file_error(
                _l(
                    "The file has more cells than %(rows)s rows of %(columns)d columns "
                    "(formatted empty cells count too). Delete the columns you do not need.",
                    rows=format_number(self.bounds.rows),
                    columns=CELLS_PER_ROW,
                )
            )

    def tidy(self, number: int, values) -> list[Any]:
        """The row's cells as text, dates or decimals, trailing empty cells dropped."""
        cells = [self.value(number, index, value) for index, value in enumerate(values, 1)]
        while cells and cells[-1] == "":
            cells.pop()
        return cells

    def value(self, row: int, column: int, value) -> Any:
        if value is None:
            return ""
        if isinstance(value, TooLong):
            raise self._too_long(row, column, value.length)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date | Decimal):
            return value
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else str(value)
        if isinstance(value, int | bool):
            return str(value)
        text = str(value)
        where = f"{column_name(column)}{row}"
        if len(text) > self.bounds.cell_chars:
            raise self._too_long(row, column, len(text))
        problem = text_problem(text)
        if problem is not None:
            raise file_error(_l("Cell %(cell)s: %(problem)s", cell=where, problem=problem))
        text = _unneutralise(text.strip())
        return self.strings.setdefault(text, text)

    def _too_long(self, row: int, column: int, length: int):
        return file_error(
            _l(
                "Cell %(cell)s has %(count)s characters; a cell may have at most %(max)s.",
                cell=f"{column_name(column)}{row}",
                count=format_number(length),
                max=format_number(self.bounds.cell_chars),
            )
        )


def _csv_rows(data: bytes, reader: _Reader) -> Iterator[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise file_error(
            _l("The file is not UTF-8 text. In Excel, save it as «CSV UTF-8».")
        ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    while True:
        # A record is one row in a spreadsheet, even with a line break inside a cell.
        try:
            values = next(records)
        except StopIteration:
            return
        except csv.Error as exc:
            # The csv module stops at a field of 128 KiB, far beyond our own limit.
            if "field larger than field limit" in str(exc):
                raise file_error(
                    _l(
                        "Row %(row)d has a cell with more than %(max)s characters.",
                        row=number + 1,
                        max=format_number(reader.bounds.cell_chars),
                    )
                ) from exc
            raise file_error(_l("Row %(row)d could not be read as CSV.", row=number + 1)) from exc
        number += 1
        reader.row(number)
        for column, value in enumerate(values, 1):
            reader.cell(number, column, bool(value.strip()))
        yield number, reader.tidy(number, values)


def _xlsx_rows(data: bytes, reader: _Reader) -> Iterator[tuple[int, list]]:
    try:
        book = Workbook(data, longest_text=reader.bounds.cell_chars)
        for number, cells in book.rows(reader):
            values: list[Any] = [None] * max(cells)
            for column, value in cells.items():
                values[column - 1] = value
            yield number, reader.tidy(number, values)
    except WorkbookError as exc:
        if exc.too_large:
            raise file_error(_l("The workbook is too large. Split it into smaller files.")) from exc
        raise file_error(_l("The file could not be read as an Excel workbook (.xlsx).")) from exc
    except (ParseError, ValueError, zipfile.BadZipFile, EOFError, OSError) as exc:
        # Broken XML, entities or a DTD (refused by defusedxml), a damaged zip member.
        raise file_error(_l("The file could not be read as an Excel workbook (.xlsx).")) from exc


def read_rows(filename: str, data: bytes, bounds: Bounds | None = None) -> list[tuple[int, list]]:
    """The file's non-blank rows as (row number, cells), header included, within `bounds`.

    Row numbers are the spreadsheet's. Cells are text (trimmed, our export's formula
    guard taken off), dates or decimals; empty cells are "" and trailing ones dropped.
    """
    bounds = bounds or Bounds.from_config()
    problem = content_error(filename, data)
    if problem is not None:
        raise file_error(problem)
    reader = _Reader(bounds)
    source = _xlsx_rows if filename.lower().endswith(".xlsx") else _csv_rows
    return [(number, cells) for number, cells in source(data, reader) if cells]
