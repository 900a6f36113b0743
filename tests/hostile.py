"""Hostile uploads, built from a few lines of zipfile: small on the wire, huge inside.

A workbook is a zip of XML parts that point to one another. These write the parts
by hand so a test can make a file that no spreadsheet program would, and each stays
well under the 5 MB upload limit while describing far more.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

HEADER = ("Serienummer", "Produkt", "Lager")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _inline(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def _chunks(parts: Iterable[str], size: int = 10_000) -> Iterable[bytes]:
    batch: list[str] = []
    for part in parts:
        batch.append(part)
        if len(batch) == size:
            yield "".join(batch).encode()
            batch = []
    yield "".join(batch).encode()


def workbook(
    rows: Iterable[str] = (),
    *,
    shared: Iterable[str] | None = None,
    shared_name: str = "xl/sharedStrings.xml",
    styles: Iterable[str] | None = None,
    book_name: str = "xl/workbook.xml",
    defined_names: Iterable[str] = (),
    after_cells: Iterable[str] = (),
) -> bytes:
    """A workbook whose first sheet has the header row and then `rows` (<row> elements).

    `shared` fills the shared-strings part (named `shared_name`), `styles` the cell
    styles (<xf> elements), `defined_names` the workbook's named ranges, `after_cells`
    what the sheet holds after its cells (merged cells and the like).
    """
    overrides = [
        (f"/{book_name}", f"{SHEET_TYPE}.sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", f"{SHEET_TYPE}.worksheet+xml"),
    ]
    rels = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    folder = book_name.rsplit("/", 1)[0]
    if shared is not None:
        overrides.append((f"/{shared_name}", f"{SHEET_TYPE}.sharedStrings+xml"))
        rels.append(("rId2", "sharedStrings", "/" + shared_name))
    if styles is not None:
        overrides.append(("/xl/styles.xml", f"{SHEET_TYPE}.styles+xml"))
        rels.append(("rId3", "styles", "/xl/styles.xml"))
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
        '.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
        + "</Types>"
    )
    package_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="{book_name}"/>'
        "</Relationships>"
    )
    book_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
        + "".join(
            f'<Relationship Id="{i}" Type="{DOC_RELS}/{kind}" Target="{target}"/>'
            for i, kind, target in rels
        )
        + "</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", package_rels)
        with archive.open(book_name, "w", force_zip64=True) as book:
            book.write(
                f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
                f'xmlns:r="{DOC_RELS}"><sheets><sheet name="Ark1" sheetId="1" r:id="rId1"/>'
                "</sheets><definedNames>".encode()
            )
            for chunk in _chunks(defined_names):
                book.write(chunk)
            book.write(b"</definedNames></workbook>")
        archive.writestr(f"{folder}/_rels/{book_name.rsplit('/', 1)[1]}.rels", book_rels)
        if shared is not None:
            with archive.open(shared_name, "w", force_zip64=True) as part:
                part.write(f'<sst xmlns="{MAIN}">'.encode())
                for chunk in _chunks(f"<si><t>{text}</t></si>" for text in shared):
                    part.write(chunk)
                part.write(b"</sst>")
        if styles is not None:
            with archive.open("xl/styles.xml", "w", force_zip64=True) as part:
                part.write(f'<styleSheet xmlns="{MAIN}"><cellXfs>'.encode())
                for chunk in _chunks(styles):
                    part.write(chunk)
                part.write(b"</cellXfs></styleSheet>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode()
            )
            sheet.write(b"<sheetData><row>" + "".join(map(_inline, HEADER)).encode() + b"</row>")
            for chunk in _chunks(rows):
                sheet.write(chunk)
            sheet.write(b"</sheetData>")
            for chunk in _chunks(after_cells):
                sheet.write(chunk)
            sheet.write(b"</worksheet>")
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


def one_endless_row(cells: int = 19_000_000) -> bytes:
    """A single row of millions of empty cells (about 80 KB on the wire)."""
    return workbook(["<row>", *("<c/>" for _ in range(cells)), "</row>"])


def merged_cells(count: int = 3_300_000) -> bytes:
    """Three ordinary rows, then millions of merged-cell ranges after the cells."""
    rows = [f"<row>{_inline(f'SN{n}')}{_inline('X')}{_inline('Lager')}</row>" for n in range(3)]
    ranges = ["<mergeCells>", *('<mergeCell ref="D1:E1"/>' for _ in range(count))]
    return workbook(rows, after_cells=[*ranges, "</mergeCells>"])


def renamed_shared_strings(size: int = 93 * 1024 * 1024) -> bytes:
    """A shared-strings part under a name that does not end in .xml."""
    return workbook([], shared=("x" * 50 for _ in range(size // 60)), shared_name="xl/strings")


def style_bloat(count: int = 1_600_000) -> bytes:
    """8 MB of cell styles."""
    return workbook([], styles=("<xf/>" for _ in range(count)))


def named_range_bloat(count: int = 1_000_000) -> bytes:
    """A workbook part of 78 MB of named ranges, under another name."""
    names = (f'<definedName name="N{n}">Ark1!$A$1</definedName>' for n in range(count))
    return workbook([], book_name="xl/wb", defined_names=names)


def part_bomb(part_bytes: int = 40 * 1024 * 1024) -> bytes:
    """A shared-strings part that says it unpacks to more than the part may."""
    return workbook([], shared=["x" * part_bytes])
