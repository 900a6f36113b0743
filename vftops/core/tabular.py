"""Reading an uploaded CSV or XLSX file, row by row, within bounds.

Every import reads its file through here. A small file can describe a huge one
(an XLSX is a zip of XML; one shared string can fill every cell), so the bounds
are checked while streaming, before the rest is read:

- the archive: its unpacked size in all and per part, before anything is parsed;
- rows: at most `IMPORT_MAX_ROWS` after the header, blank rows included;
- columns: at most `MAX_COLUMNS` cells in a row, formatted empty cells included;
- cells: at most `IMPORT_MAX_CELL_CHARS` characters, and no control characters.

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

from flask import current_app
from flask_babel import lazy_gettext as _l

from vftops.core.errors import ValidationError
from vftops.core.i18n import format_number
from vftops.core.inputs import text_problem
from vftops.core.spreadsheet import FORMULA_STARTS

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_COLUMNS = 100
# What an XLSX may unpack to: in all, and per part. Only the XML is parsed; openpyxl
# builds objects for every style and shared string, so those parts are kept small.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PART_BYTES = {"sheet": 80 * 1024 * 1024, "sharedStrings": 24 * 1024 * 1024}
MAX_OTHER_XML_BYTES = 8 * 1024 * 1024
XLSX_MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# A cell budget per row allowed: a sheet of formatted empty cells costs parsing time too.
CELLS_PER_ROW = 20


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


def _part_limit(name: str) -> int:
    if name.startswith("xl/worksheets/"):
        return MAX_PART_BYTES["sheet"]
    if name == "xl/sharedStrings.xml":
        return MAX_PART_BYTES["sharedStrings"]
    if name.endswith((".xml", ".rels")):
        return MAX_OTHER_XML_BYTES
    return MAX_UNPACKED_BYTES


def content_error(filename: str, data: bytes):
    """Why the bytes are not a CSV or XLSX we will read (None when they are).

    Reads only the zip's directory, never the content: a «zip bomb» is refused by
    what it says it unpacks to (zipfile refuses to unpack more than a part says).
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
                if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES or any(
                    info.file_size > _part_limit(info.filename) for info in infos
                ):
                    return _l("The workbook is too large. Split it into smaller files.")
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

    def check(self, number: int, width: int, cells_read: int) -> None:
        """Count a row against the bounds: `width` is its last column, `cells_read` how
        many cells the file wrote for it (formatted empty ones too)."""
        self.rows += 1
        if self.rows > self.bounds.rows + 1:  # the header row and `rows` more
            raise file_error(
                _l(
                    "The file has more than %(max)s rows (blank rows count too). "
                    "Split it into smaller files.",
                    max=format_number(self.bounds.rows),
                )
            )
        self.cells += cells_read
        if width > self.bounds.columns:
            raise file_error(
                _l(
                    "Row %(row)d has %(count)d columns; a file may have at most %(max)d. "
                    "Delete the columns you do not need.",
                    row=number,
                    count=width,
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
        cells = [self.cell(number, index, value) for index, value in enumerate(values, 1)]
        while cells and cells[-1] == "":
            cells.pop()
        return cells

    def cell(self, row: int, column: int, value) -> Any:
        if value is None:
            return ""
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
            raise file_error(
                _l(
                    "Cell %(cell)s has %(count)s characters; a cell may have at most %(max)s.",
                    cell=where,
                    count=format_number(len(text)),
                    max=format_number(self.bounds.cell_chars),
                )
            )
        problem = text_problem(text)
        if problem is not None:
            raise file_error(_l("Cell %(cell)s: %(problem)s", cell=where, problem=problem))
        text = _unneutralise(text.strip())
        return self.strings.setdefault(text, text)


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
        reader.check(number, len(values), len(values))
        yield number, reader.tidy(number, values)


def _first_sheet(data: bytes):
    """The workbook's shared strings and date styles, and its first sheet's XML parser.

    openpyxl's own read-only workbook first scans each whole sheet for its size when
    the sheet does not state it (our own exports do not), which doubles the work and
    lets a file without that element cost a full parse before any bound applies. So
    the workbook is read without its sheets, and the first sheet is parsed row by
    row with openpyxl's own sheet parser (its dates, numbers and shared strings).
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._reader import WorkSheetParser

    book = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    book.read_manifest()
    book.read_strings()
    book.read_workbook()
    apply_stylesheet(book.archive, book.wb)
    targets = [
        rel.target
        for _sheet, rel in book.parser.find_sheets()
        if rel.target in book.valid_files and "chartsheet" not in rel.Type
    ]
    source = book.archive.open(targets[0])
    wb = book.wb
    parser = WorkSheetParser(
        source,
        book.shared_strings,
        data_only=True,
        epoch=wb.epoch,
        date_formats=wb._date_formats,
        timedelta_formats=wb._timedelta_formats,
    )
    return book.archive, source, parser


def _xlsx_rows(data: bytes, reader: _Reader) -> Iterator[tuple[int, list]]:
    try:
        archive, source, parser = _first_sheet(data)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise file_error(_l("The file could not be read as an Excel workbook (.xlsx).")) from exc
    try:
        rows = parser.parse()  # one <row> at a time, as the XML is parsed
        expected = 1
        while True:
            try:
                number, cells = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise file_error(
                    _l("Row %(row)d could not be read from the workbook.", row=expected)
                ) from exc
            for missing in range(expected, number):  # rows the file skips are blank rows
                reader.check(missing, 0, 0)
            width = max((cell["column"] for cell in cells), default=0)
            reader.check(number, width, len(cells))
            values: list[Any] = [None] * width
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, reader.tidy(number, values)
            expected = max(expected, number + 1)
    finally:
        source.close()
        archive.close()


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
