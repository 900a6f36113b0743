"""Spreadsheet files written by every export: the formula guard, CSV and XLSX, streamed.

OWASP «CSV injection»: a cell a spreadsheet could run as a formula gets a leading
«'». XLSX cells are typed: date-times and dates get a Norwegian number format,
numbers stay numbers, and anything else is a string cell, never a formula. Both
formats are produced row by row as the rows are read, so an export of any size
starts at once and holds one batch in memory.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape as xml_escape

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text that a spreadsheet could read as a formula gets a leading «'»; the rest as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --- CSV, streamed -------------------------------------------------------------------

CHUNK_BYTES = 64 * 1024


def csv_stream(headers: Iterable[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel then shows æ, ø and å), «;» between cells, CRLF: the
    chunks as the rows come, never the whole file in memory. Cells must already be text
    (see `csv_cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(headers)
    for values in rows:
        writer.writerow(values)
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# --- XLSX, streamed --------------------------------------------------------------------
#
# A workbook is a zip of XML parts. openpyxl writes the whole file before the first
# byte can leave (and 300,000 rows take it 40 s, past a server's 30 s timeout), so
# exports write the one sheet here: each row becomes XML as it is read, is compressed
# and leaves at once; memory holds one batch of rows. Strings are inline, numbers
# numbers, dates and times real dates with a Norwegian format; nothing is a formula.

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
    '.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/></Types>'
)
_PACKAGE_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
)
# Styles: 0 plain, 1 bold (the header), 2 a date, 3 a date and time.
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd.mm.yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd.mm.yyyy hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)
_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - a spreadsheet serial date has no zone
# Characters XML 1.0 cannot hold at all (old data may have them; new text is refused).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ROWS_PER_WRITE = 500


class _Sink:
    """A file the zip writes to, emptied after each batch: what is in it leaves next."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _sheet_name(title: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Ark1"
    return xml_escape(name, {'"': "&quot;"})


def _cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None, microsecond=0) - _EPOCH
        return f'<c r="{ref}" s="3"><v>{delta.days + delta.seconds / 86400!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="2"><v>{(value - _EPOCH.date()).days}</v></c>'
    text = _NOT_XML.sub("", str(neutralise(str(value))))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{xml_escape(text)}</t></is></c>'


def xlsx_stream(title: str, headers: Iterable[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    """One sheet with a bold header row, compressed and handed on as the rows come.

    Date-times must already be on the wall clock they are to show (a sheet has no
    time zones); their zone is dropped."""
    headers = [str(h) for h in headers]
    letters = [_column_letters(i) for i in range(1, len(headers) + 64)]
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _PACKAGE_RELS)
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name="{_sheet_name(title)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            head = "".join(
                f'<c r="{letters[i]}1" s="1" t="inlineStr"><is><t>'
                f"{xml_escape(_NOT_XML.sub('', str(neutralise(h))))}</t></is></c>"
                for i, h in enumerate(headers)
            )
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                f'</sheetView></sheetViews><sheetData><row r="1">{head}</row>'.encode()
            )
            batch: list[str] = []
            for number, values in enumerate(rows, 2):
                cells = "".join(
                    _cell(f"{letters[i]}{number}", value) for i, value in enumerate(values)
                )
                batch.append(f'<row r="{number}">{cells}</row>')
                if len(batch) >= ROWS_PER_WRITE:
                    sheet.write("".join(batch).encode())
                    batch.clear()
                    yield sink.take()
            sheet.write("".join(batch).encode())
            sheet.write(b"</sheetData></worksheet>")
        yield sink.take()
    yield sink.take()


def _column_letters(index: int) -> str:
    name = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def xlsx_bytes(title: str, headers: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    """The whole workbook at once, for small files (an order attached to an e-mail)."""
    return b"".join(xlsx_stream(title, headers, rows))


def download(chunks: Iterable[bytes], filename: str, mimetype: str):
    """A file download that is written while it is sent (the request's context kept)."""
    from flask import Response, stream_with_context

    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["Cache-Control"] = "no-store"
    return response
