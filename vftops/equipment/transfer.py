"""CSV and XLSX export and import of devices.

Export: any filtered device list, every cell neutralised so a spreadsheet never
runs it as a formula. Import: read the file (`parse_import`), check every row
without writing (`plan_import`), then `operations.import_devices` registers all
of them or none. Uploads wait between the preview and the commit under
`instance/imports/<token>`, usable only by the person who uploaded them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, true
from sqlalchemy.orm import joinedload

from vftops.core import spreadsheet, tabular
from vftops.core.errors import Problems
from vftops.core.inputs import fits
from vftops.core.scope import municipality_ids
from vftops.core.spreadsheet import neutralise
from vftops.core.validation import digits
from vftops.equipment.identifiers import normalise_serial
from vftops.equipment.labels import CATEGORY_LABELS, OWNERSHIP_LABELS
from vftops.equipment.models import Device, Ownership, Product, Store
from vftops.equipment.status import STATUS_LABELS
from vftops.extensions import db

PREVIEW_ROWS = 50

# --- export -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translation: the header in the reader's language
    value: Callable[[Any, dict], Any]  # (a row of `export_statement`, the labels) → cell


def _word(kind: str):
    return lambda r, w: w[kind].get(getattr(r, kind), getattr(r, kind))


EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("serial_number", _l("Serial number"), lambda r, w: r.serial_number),
    Column("product", _l("Product"), lambda r, w: f"{r.manufacturer} {r.model}"),
    Column("category", _l("Category"), _word("category")),
    Column("status", _l("Status"), _word("status")),
    Column("store", _l("Store"), lambda r, w: r.store),
    Column("municipality", _l("Municipality"), lambda r, w: r.municipality),
    Column("imei", _l("IMEI"), lambda r, w: r.imei),
    Column("iccid", _l("SIM card number (ICCID)"), lambda r, w: r.iccid),
    Column("phone_number", _l("Phone number"), lambda r, w: r.phone_number),
    Column("mac_address", _l("MAC address"), lambda r, w: r.mac_address),
    Column("firmware_version", _l("Firmware version"), lambda r, w: r.firmware_version),
    Column("ownership", _l("Ownership"), _word("ownership")),
    Column("acquired_on", _l("Acquired"), lambda r, w: r.acquired_on),
    Column("cost", _l("Cost (NOK)"), lambda r, w: r.cost),
    Column("warranty_until", _l("Warranty until"), lambda r, w: r.warranty_until),
)


def export_headers() -> list[str]:
    return [neutralise(str(c.label)) for c in EXPORT_COLUMNS]


def export_statement(devices):
    """The columns of an export for the devices a device-list query selects, as plain rows
    (no objects): the list's filters and scope, every row, in serial number order."""
    from vftops.org.models import Municipality

    return (
        select(
            Device.serial_number,
            Product.manufacturer,
            Product.model,
            Product.category,
            Device.status,
            Store.name.label("store"),
            Municipality.name.label("municipality"),
            Device.imei,
            Device.iccid,
            Device.phone_number,
            Device.mac_address,
            Device.firmware_version,
            Device.ownership,
            Device.acquired_on,
            Device.cost,
            Device.warranty_until,
        )
        .select_from(Device)
        .join(Product, Product.id == Device.product_id)
        .outerjoin(Store, Store.id == Device.store_id)
        .join(Municipality, Municipality.id == Device.municipality_id)
        .where(devices.whereclause if devices.whereclause is not None else true())
        .order_by(Device.serial_number, Device.product_id)
    )


def export_rows(rows: Iterable[Any]) -> Iterator[list]:
    """Each row's cells: labels in the reader's language, looked up once per file."""
    words = {
        "category": {k: str(v) for k, v in CATEGORY_LABELS.items()},
        "status": {k: str(v) for k, v in STATUS_LABELS.items()},
        "ownership": {k: str(v) for k, v in OWNERSHIP_LABELS.items()},
    }
    for row in rows:
        yield [c.value(row, words) for c in EXPORT_COLUMNS]


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # Norwegian Excel reads «;»-separated files with a decimal comma.
        return str(value).replace(".", ",")
    return neutralise(str(value))


def export_csv(rows: Iterable[Any]) -> Iterator[bytes]:
    """UTF-8 with BOM (Excel then shows æ, ø, å) and «;» between cells, as it is read."""
    cells = ([csv_cell(v) for v in values] for values in export_rows(rows))
    return spreadsheet.csv_stream(export_headers(), cells)


def export_xlsx(rows: Iterable[Any]) -> Iterator[bytes]:
    """One sheet, bold header row, dates as dates and cost as a number, as it is read."""
    return spreadsheet.xlsx_stream(_("Devices"), export_headers(), export_rows(rows))


# --- reading a file -----------------------------------------------------------------

REQUIRED = ("serial_number", "product", "store")
IMPORT_FIELDS = (
    "serial_number",
    "product",
    "product_id",
    "store",
    "store_id",
    "municipality",
    "imei",
    "iccid",
    "phone_number",
    "mac_address",
    "firmware_version",
    "ownership",
    "acquired_on",
    "cost",
    "warranty_until",
)
_LABELS = {c.key: c.label for c in EXPORT_COLUMNS}
DATE_FIELDS = ("acquired_on", "warranty_until")
IGNORED = ("category", "status")  # in the export, but every import lands in stock


def field_label(key: str) -> str:
    """What a column is called in the reader's language (its field name if nothing else)."""
    label = _LABELS.get(key)
    return str(label) if label is not None else key


def _header_key(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\ufeff", "")).strip().lower()


def _header_names() -> dict[str, str]:
    """Every accepted header, lower case → field: field names and labels in every language."""
    names: dict[str, str] = {}
    for key in (*IMPORT_FIELDS, *IGNORED):
        names[_header_key(key)] = key
        names[_header_key(key.replace("_", " "))] = key
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            for key, label in _LABELS.items():
                names.setdefault(_header_key(str(label)), key)
    return names


def parse_import(filename: str, data: bytes) -> list[dict[str, Any]]:
    """The rows of a CSV or XLSX file as dicts of field → value, each with its `row` number.

    Row numbers are the spreadsheet's: the header is row 1. Blank rows are skipped.
    """
    records = tabular.read_rows(filename or "", data)
    if not records:
        raise tabular.file_error(_l("The file is empty."))
    names = _header_names()
    header_row, header = records[0]
    columns: dict[int, str] = {}
    for index, text in enumerate(header):
        key = names.get(_header_key(str(text)))
        if key is not None and key not in IGNORED and key not in columns.values():
            columns[index] = key
    present = set(columns.values())
    missing = [
        key
        for key in REQUIRED
        if key not in present and not (key in ("product", "store") and f"{key}_id" in present)
    ]
    if missing:
        raise tabular.file_error(
            _l(
                "The header row (row %(row)d) lacks these columns: %(columns)s.",
                row=header_row,
                columns=", ".join(f"«{field_label(k)}»" for k in missing),
            )
        )
    rows = []
    for number, values in records[1:]:
        row: dict[str, Any] = {"row": number}
        for index, key in columns.items():
            value = values[index] if index < len(values) else ""
            if isinstance(value, date) and key not in DATE_FIELDS:
                value = value.isoformat()  # a spreadsheet took a text for a date
            row[key] = value
        rows.append(row)
    if not rows:
        raise tabular.file_error(_l("The file has a header row but no devices."))
    return rows


# --- checking every row -------------------------------------------------------------


@dataclass
class Problem:
    row: int
    column: str  # the column's name in the reader's language
    message: Any  # a lazy translation

    def __str__(self) -> str:
        return _(
            "Row %(row)d, %(column)s: %(message)s",
            row=self.row,
            column=self.column,
            message=self.message,
        )


@dataclass
class PlannedDevice:
    row: int
    product: Product
    store: Store
    serial_number: str
    data: dict[str, Any]  # cleaned identifiers, ownership, dates and cost


@dataclass
class ImportPlan:
    rows: int = 0
    devices: list[PlannedDevice] = field(default_factory=list)
    # The first MAX_LISTED problems in row order, and how many there are in all.
    problems: Problems = field(default_factory=Problems)

    @property
    def ok(self) -> bool:
        return bool(self.devices) and not self.problems

    @property
    def preview(self) -> list[PlannedDevice]:
        return self.devices[:PREVIEW_ROWS]


def _name_key(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip().casefold()


def _parse_date(value):
    if not isinstance(value, str) or not value:
        return value or None
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(value)
    except ValueError:
        return value  # left for clean_identifiers to refuse


_OWNERSHIP = {
    "eid": Ownership.OWNED.value,
    "owned": Ownership.OWNED.value,
    "leid": Ownership.LEASED.value,
    "leased": Ownership.LEASED.value,
}


def _as_id(value) -> int | None:
    text = str(value).strip()
    return int(text) if digits(text) and fits(int(text)) else None


class _Catalogue:
    """Products and the actor's stores, loaded once for the whole file."""

    def __init__(self, actor):
        products = db.session.scalars(select(Product)).all()
        self.products_by_id = {p.id: p for p in products}
        self.products_by_name = {_name_key(p.name): p for p in products}
        mids = list(municipality_ids(actor))
        stores = db.session.scalars(
            select(Store)
            .where(Store.municipality_id.in_(mids))
            .options(joinedload(Store.municipality))
        ).all()
        self.stores_by_id = {s.id: s for s in stores}
        self.stores_by_name: dict[str, list[Store]] = {}
        for store in stores:
            self.stores_by_name.setdefault(_name_key(store.name), []).append(store)

    def product(self, row) -> tuple[Product | None, str, Any]:
        if row.get("product_id") not in (None, ""):
            wanted = row["product_id"]
            product = self.products_by_id.get(_as_id(wanted))
            return product, "product_id", wanted
        wanted = str(row.get("product") or "")
        return self.products_by_name.get(_name_key(wanted)), "product", wanted

    def store(self, row) -> tuple[list[Store], str, Any]:
        if row.get("store_id") not in (None, ""):
            wanted = row["store_id"]
            store = self.stores_by_id.get(_as_id(wanted))
            return ([store] if store else []), "store_id", wanted
        wanted = str(row.get("store") or "")
        found = self.stores_by_name.get(_name_key(wanted), [])
        municipality = _name_key(str(row.get("municipality") or ""))
        if municipality:
            found = [s for s in found if _name_key(s.municipality.name) == municipality]
        if len(found) > 1:
            exact = [s for s in found if s.name == wanted.strip()]
            found = exact or found
        return found, "store", wanted


def _existing(pairs: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (product, serial) pairs are registered already: one query per 10,000 serials."""
    serials = sorted({serial for _pid, serial in pairs})
    taken: set[tuple[int, str]] = set()
    for start in range(0, len(serials), 10_000):
        chunk = serials[start : start + 10_000]
        rows = db.session.execute(
            select(Device.product_id, Device.serial_number).where(Device.serial_number.in_(chunk))
        )
        taken.update((product_id, serial) for product_id, serial in rows)
    return taken & pairs


def _clean_row(row: dict[str, Any]):
    """Identifiers, ownership, dates and cost of one row: (clean values, field → messages)."""
    # Imported here: operations imports this module for import_devices.
    from vftops.equipment.operations import clean_identifiers

    data = {key: row.get(key, "") for key in _IDENTIFIERS}
    for key in DATE_FIELDS:
        data[key] = _parse_date(row.get(key, ""))
    ownership = row.get("ownership", "")
    ownership = ownership.strip().casefold() if isinstance(ownership, str) else ""
    data["ownership"] = _OWNERSHIP.get(ownership, ownership) or Ownership.OWNED.value
    clean, errors = clean_identifiers(data)
    firmware = clean.get("firmware_version")
    if firmware and len(firmware) > 40:
        errors["firmware_version"] = [_l("A firmware version has at most 40 characters.")]
    return clean, errors


_IDENTIFIERS = ("imei", "iccid", "phone_number", "mac_address", "firmware_version", "cost")


def plan_import(actor, rows: list[dict[str, Any]], *, shared_serial_ok: bool = False) -> ImportPlan:
    """Check every row without writing: what would be registered, and what is refused and why.

    Products and the actor's stores are read once, the serials already registered
    in one query: the cost does not grow by queries per row. A store of a
    municipality the actor is not a member of is an unknown store.
    """
    catalogue = _Catalogue(actor)
    plan = ImportPlan(rows=len(rows))
    first_seen: dict[tuple[int, str], int] = {}
    serial_rows: dict[str, tuple[int, int]] = {}  # serial → (first row, its product)
    candidates: list[PlannedDevice] = []

    def refuse(row, column, message):
        number = row["row"]
        plan.problems.add(number, lambda: Problem(number, field_label(column), message))

    for row in rows:
        ok = True
        serial = normalise_serial(str(row.get("serial_number") or ""))
        if not serial:
            refuse(row, "serial_number", _l("Enter the serial number."))
            ok = False
        elif len(serial) > 64:
            refuse(row, "serial_number", _l("A serial number has at most 64 characters."))
            ok = False

        product, column, wanted = catalogue.product(row)
        if product is None:
            ok = False
            if wanted in (None, ""):
                refuse(row, column, _l("Enter the product as manufacturer and model."))
            else:
                refuse(
                    row,
                    column,
                    _l(
                        "Unknown product %(name)s: write manufacturer and model as in "
                        "the catalogue.",
                        name=f"«{wanted}»",
                    ),
                )
        elif not product.is_serialised:
            ok = False
            message = _l("%(name)s is counted, not tracked by serial number.", name=product.name)
            refuse(row, column, message)
        elif not product.is_active:
            ok = False
            refuse(row, column, _l("%(name)s is no longer in use.", name=product.name))

        stores, column, wanted = catalogue.store(row)
        store = stores[0] if len(stores) == 1 else None
        if store is None or not store.is_active:
            ok = False
            if wanted in (None, ""):
                message = _l("Enter the store.")
            elif not stores:
                message = _l("Unknown store %(name)s in your municipalities.", name=f"«{wanted}»")
            elif store is None:
                message = _l(
                    "Several of your municipalities have a store called %(name)s: "
                    "fill in the municipality.",
                    name=f"«{wanted}»",
                )
            else:
                message = _l("%(store)s is archived and takes no devices.", store=store.name)
            refuse(row, column, message)

        clean, errors = _clean_row(row)
        for key, messages in errors.items():
            ok = False
            for message in messages:
                refuse(row, key, message)

        if product is not None and serial and len(serial) <= 64:
            key = (product.id, serial)
            first = serial_rows.setdefault(serial, (row["row"], product.id))
            if key in first_seen:
                ok = False
                message = _l(
                    "%(serial)s is also on row %(first)d.", serial=serial, first=first_seen[key]
                )
                refuse(row, "serial_number", message)
            elif first[1] != product.id and not shared_serial_ok:
                ok = False
                message = _l(
                    "%(serial)s is also on row %(first)d, for another product. If two "
                    "manufacturers really use the same number, tick «Another manufacturer "
                    "uses the same number» and upload again.",
                    serial=serial,
                    first=first[0],
                )
                refuse(row, "serial_number", message)
            else:
                first_seen[key] = row["row"]
        if ok:
            candidates.append(PlannedDevice(row["row"], product, store, serial, clean))

    taken = _existing({(c.product.id, c.serial_number) for c in candidates})
    elsewhere: dict[tuple[int, str], str] = {}
    if not shared_serial_ok:
        from vftops.equipment.operations import serials_elsewhere

        by_product: dict[int, list[str]] = {}
        for c in candidates:
            by_product.setdefault(c.product.id, []).append(c.serial_number)
        for product_id, serials in by_product.items():
            for serial, other in serials_elsewhere(serials, product_id).items():
                elsewhere[(product_id, serial)] = other
    for planned in candidates:
        other = elsewhere.get((planned.product.id, planned.serial_number))
        if other is not None:
            message = _l(
                "%(serial)s is already registered for %(product)s. If two manufacturers "
                "really use the same number, tick «Another manufacturer uses the same "
                "number» and upload again.",
                serial=planned.serial_number,
                product=other,
            )
            refuse({"row": planned.row}, "serial_number", message)
        elif (planned.product.id, planned.serial_number) in taken:
            message = _l(
                "%(serial)s is already registered for %(product)s.",
                serial=planned.serial_number,
                product=planned.product.name,
            )
            refuse({"row": planned.row}, "serial_number", message)
        else:
            plan.devices.append(planned)
    return plan


# --- uploads waiting between the preview and the commit -----------------------------

UPLOAD_MAX_AGE = 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass
class Upload:
    token: str
    filename: str
    data: bytes
    shared_serial_ok: bool = False


def _upload_dir() -> Path:
    directory = Path(
        current_app.config.get("IMPORT_DIR") or Path(current_app.instance_path) / "imports"
    )
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def _forget_old(directory: Path) -> None:
    limit = time.time() - UPLOAD_MAX_AGE
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            pass


def save_upload(user, filename: str, data: bytes, *, shared_serial_ok: bool = False) -> str:
    """Keep an uploaded file (and what was ticked with it) for its commit; returns the
    token that names it."""
    directory = _upload_dir()
    _forget_old(directory)
    token = secrets.token_urlsafe(24)
    meta = {
        "user_id": user.id,
        "filename": os.path.basename(filename or ""),
        "at": time.time(),
        "shared_serial_ok": bool(shared_serial_ok),
    }
    for path, content in (
        (directory / token, data),
        (directory / f"{token}.json", json.dumps(meta).encode()),
    ):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(content)
    return token


def load_upload(user, token: str | None) -> Upload | None:
    """The upload behind a token: only for the person who uploaded it, and only for a day."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    directory = _upload_dir()
    try:
        meta = json.loads((directory / f"{token}.json").read_text())
        data = (directory / token).read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user.id or time.time() - meta.get("at", 0) > UPLOAD_MAX_AGE:
        return None
    return Upload(
        token, meta.get("filename") or "", data, bool(meta.get("shared_serial_ok", False))
    )


def discard_upload(token: str) -> None:
    if not token or not _TOKEN.fullmatch(token):
        return
    directory = _upload_dir()
    for path in (directory / token, directory / f"{token}.json"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
