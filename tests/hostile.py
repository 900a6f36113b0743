"""Hostile uploads, built from a few lines of zipfile: small on the wire, huge inside.

A workbook is a zip of XML parts. These write the parts by hand so a test can make
a file that no spreadsheet program would, and each stays well under the 5 MB upload
limit while describing far more.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

HEADER = ("Serienummer", "Produkt", "Lager")
SHARED_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
SHARED_STRINGS_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/>'
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _inline(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def workbook(rows: Iterable[str], shared: list[str] | None = None) -> bytes:
    """A workbook whose first sheet has the header row and then `rows` (<row> elements),
    with `shared` as its shared-strings table."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        f"{SHARED_STRINGS_TYPE if shared is not None else ''}</Types>"
    )
    package_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    book = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}">'
        '<sheets><sheet name="Ark1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    book_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f"{SHARED_STRINGS_REL if shared is not None else ''}</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        if shared is not None:
            items = "".join(f"<si><t>{text}</t></si>" for text in shared)
            archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{items}</sst>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode()
            )
            sheet.write(b"<sheetData><row>" + "".join(map(_inline, HEADER)).encode() + b"</row>")
            batch: list[str] = []
            for row in rows:
                batch.append(row)
                if len(batch) == 10_000:
                    sheet.write("".join(batch).encode())
                    batch = []
            sheet.write("".join(batch).encode())
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def shared_strings_bomb(length: int = 10 * 1024 * 1024, rows: int = 50) -> bytes:
    """One long shared string used as the product cell of every row (12 KB on the wire)."""
    row = f'<row>{_inline("SN")}<c t="s"><v>0</v></c>{_inline("Sentrallager")}</row>'
    return workbook([row] * rows, shared=["A" * length])


def many_rows(count: int = 1_000_000) -> bytes:
    """`count` rows of three shared cells (about 250 KB on the wire, 74 MB inside)."""
    row = '<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row>'
    return workbook((row for _ in range(count)), shared=["S1", "Tunstall X", "Sentrallager"])


def blank_rows(count: int = 1_000_000) -> bytes:
    return workbook("<row/>" for _ in range(count))


def far_row() -> bytes:
    """The header, then one cell at the sheet's last row."""
    return workbook([f'<row r="1048576">{_inline("SN")}</row>'])


def wide_rows(count: int, columns: int) -> bytes:
    """`count` rows of `columns` formatted empty cells."""
    row = "<row>" + "<c/>" * columns + "</row>"
    return workbook(row for _ in range(count))


def part_bomb(part_bytes: int = 40 * 1024 * 1024) -> bytes:
    """A shared-strings part that says it unpacks to more than a part may."""
    return workbook([], shared=["x" * part_bytes])
