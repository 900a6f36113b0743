"""The first sheet of an uploaded XLSX workbook, read as a stream within bounds.

An XLSX file is a zip of XML parts that point to one another. A general-purpose
reader (openpyxl) builds every style, every shared string, every named range and
a whole row of cells before a caller can say «enough», so a few kilobytes on the
wire can cost gigabytes and minutes. Imports need far less: the first sheet's cell
values, the shared strings, and which styles are dates. This reader finds each of
those parts by its role (content types and relationships, not by its name), refuses
a part larger than its role allows before reading it, and parses with expat as a
stream (defusedxml: no entities, no DTDs), asking the caller's `budget` at every
row and every cell — so a file is
refused in the middle of a row, and nothing after the cells is read at all.

Values come back as openpyxl would give them with `data_only=True`: text, numbers
(int or float), booleans, and datetimes for numbers in a date format.
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

from defusedxml.ElementTree import iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
KB, MB = 1024, 1024 * 1024
# What each part may unpack to. A legitimate 50,000-row sheet of 15 columns is about
# 45 MB of XML with its strings inline, or 12 MB of shared strings.
PART_LIMITS = {
    "package": 256 * KB,  # [Content_Types].xml and the relationship parts
    "workbook": 1 * MB,
    "styles": 2 * MB,
    "shared strings": 24 * MB,
    "sheet": 80 * MB,
}


class WorkbookError(Exception):
    """The file is not a workbook we can read; `too_large` when a part is over its limit."""

    def __init__(self, reason: str, *, too_large: bool = False):
        super().__init__(reason)
        self.too_large = too_large


class Budget(Protocol):
    """What the caller checks as the sheet is read; each may raise to stop it."""

    def row(self, number: int) -> None: ...

    def cell(self, row: int, column: int, has_value: bool) -> None: ...


class TooLong:
    """A shared string longer than anyone may use: kept as its length, not its text."""

    def __init__(self, length: int):
        self.length = length


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _stream(source) -> Iterator[tuple[str, Any]]:
    """expat's events; once a child of the root has been handled, the root lets it go,
    so a part of a million small elements never holds them all."""
    depth = 0
    root = None
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            depth += 1
            if root is None:
                root = element
            yield event, element
        else:
            yield event, element
            depth -= 1
            if depth == 1:
                root.clear()


def column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index


_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_INT = re.compile(r"-?[0-9]+")


class Workbook:
    def __init__(self, data: bytes, *, longest_text: int):
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self.sizes = {info.filename: info.file_size for info in self.zip.infolist()}
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise WorkbookError("not a zip") from exc
        self.longest_text = longest_text
        main = self._target("_rels/.rels", "", "/officeDocument")
        book_rels = self._rels(main)
        sheet_id, self.epoch = self._workbook(main)
        sheet = book_rels.get(sheet_id)
        if sheet is None:
            raise WorkbookError("no sheet")
        self.sheet = sheet[1]
        strings = next(
            (t for kind, t in book_rels.values() if kind.endswith("/sharedStrings")), None
        )
        styles = next((t for kind, t in book_rels.values() if kind.endswith("/styles")), None)
        self.shared = self._shared_strings(strings) if strings else []
        self.date_styles = self._date_styles(styles) if styles else set()

    # --- parts ----------------------------------------------------------------------

    def open(self, name: str, role: str):
        size = self.sizes.get(name)
        if size is None:
            raise WorkbookError(f"missing part {name}")
        if size > PART_LIMITS[role]:
            raise WorkbookError(f"{role} too large", too_large=True)
        return self.zip.open(name)

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, target path) of a part."""
        folder, base = posixpath.split(part)
        path = posixpath.join(folder, "_rels", f"{base}.rels")
        found: dict[str, tuple[str, str]] = {}
        with self.open(path, "package") as source:
            for event, element in _stream(source):
                if event == "end" and element.tag == f"{PACKAGE_RELS}Relationship":
                    target = element.get("Target", "")
                    if target.startswith("/"):
                        target = target[1:]
                    else:
                        target = posixpath.normpath(posixpath.join(folder, target))
                    found[element.get("Id", "")] = (element.get("Type", ""), target)
        return found

    def _target(self, rels: str, folder: str, kind: str) -> str:
        with self.open(rels, "package") as source:
            for event, element in _stream(source):
                if (
                    event == "end"
                    and element.tag == f"{PACKAGE_RELS}Relationship"
                    and element.get("Type", "").endswith(kind)
                ):
                    return posixpath.normpath(
                        posixpath.join(folder, element.get("Target", "").lstrip("/"))
                    )
        raise WorkbookError("no workbook part")

    def _workbook(self, part: str) -> tuple[str, datetime]:
        """The first sheet's relationship id, and the date system (1900 or 1904)."""
        epoch = WINDOWS_EPOCH
        with self.open(part, "workbook") as source:
            for event, element in _stream(source):
                tag = _local(element.tag)
                if event != "start":
                    continue
                if tag == "workbookPr" and element.get("date1904") in ("1", "true"):
                    epoch = MAC_EPOCH
                elif tag == "sheet":
                    return element.get(R_ID, ""), epoch
        raise WorkbookError("no sheet")

    def _shared_strings(self, part: str) -> list:
        """Every shared string; one too long to use is kept as its length only."""
        strings: list = []
        seen: dict[str, str] = {}
        with self.open(part, "shared strings") as source:
            for event, element in _stream(source):
                if event != "end" or element.tag != f"{MAIN}si":
                    continue
                text = _text_of(element)
                if len(text) > self.longest_text:
                    strings.append(TooLong(len(text)))
                else:
                    strings.append(seen.setdefault(text, text))
        return strings

    def _date_styles(self, part: str) -> set[int]:
        """Which cell styles (by index) show a number as a date."""
        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        styles: list[int] = []
        inside_cell_xfs = False
        with self.open(part, "styles") as source:
            for event, element in _stream(source):
                tag = _local(element.tag)
                if tag == "cellXfs":
                    inside_cell_xfs = event == "start"
                if event != "end":
                    continue
                if tag == "numFmt":
                    with contextlib.suppress(ValueError):
                        formats[int(element.get("numFmtId", ""))] = element.get("formatCode", "")
                elif tag == "xf" and inside_cell_xfs:
                    try:
                        styles.append(int(element.get("numFmtId", "0")))
                    except ValueError:
                        styles.append(0)
        return {i for i, fmt in enumerate(styles) if is_date_format(formats.get(fmt, ""))}

    # --- the sheet ------------------------------------------------------------------

    def rows(self, budget: Budget) -> Iterator[tuple[int, dict[int, Any]]]:
        """(row number, {column: value}) for each row with a cell, as the XML is parsed.

        `budget.row` is asked for every row (missing rows included), `budget.cell` for
        every cell as it ends; parsing stops at the end of the cells.
        """
        with self.open(self.sheet, "sheet") as source:
            number = 0
            column = 0
            values: dict[int, Any] = {}
            row = None
            for event, element in _stream(source):
                tag = element.tag
                if event == "start":
                    if tag == f"{MAIN}row":
                        row = element
                        wanted = element.get("r")
                        if wanted is not None and not _INT.fullmatch(wanted):
                            raise WorkbookError("row number")
                        target = int(wanted) if wanted is not None else number + 1
                        while number < target:
                            number += 1
                            budget.row(number)
                        column, values = 0, {}
                    continue
                if tag == f"{MAIN}c":
                    ref = element.get("r")
                    if ref:
                        match = _REF.fullmatch(ref)
                        if match is None:
                            raise WorkbookError("cell reference")
                        column = column_index(match[1])
                    else:
                        column += 1
                    value = self._value(element)
                    budget.cell(number, column, value not in (None, ""))
                    if value not in (None, ""):
                        values[column] = value
                    if row is not None:
                        row.clear()  # the row keeps none of its cells once read
                elif tag == f"{MAIN}row":
                    if values:
                        yield number, values
                    values = {}
                elif tag == f"{MAIN}sheetData":
                    return  # merged cells, views and the rest after the cells are not read

    def _value(self, cell) -> Any:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(f"{MAIN}is")
            return _text_of(inline) if inline is not None else None
        raw = cell.findtext(f"{MAIN}v")
        if raw is None:
            return None
        if kind == "s":
            try:
                return self.shared[int(raw)]
            except (ValueError, IndexError) as exc:
                raise WorkbookError("shared string") from exc
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind in ("str", "e", "d"):
            return raw
        try:
            number = int(raw) if _INT.fullmatch(raw) else float(raw)
        except ValueError as exc:
            raise WorkbookError("number") from exc
        style = cell.get("s")
        if style and style.isascii() and style.isdigit() and int(style) in self.date_styles:
            try:
                return from_excel(number, self.epoch)
            except (OverflowError, ValueError):
                return number
        return number


def _text_of(element) -> str:
    """The text of a string item: its <t>, or the <t> of each run; not phonetic hints."""
    direct = element.find(f"{MAIN}t")
    if direct is not None:
        return direct.text or ""
    return "".join(run.findtext(f"{MAIN}t") or "" for run in element.findall(f"{MAIN}r"))
