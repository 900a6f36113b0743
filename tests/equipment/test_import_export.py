"""CSV and XLSX export of the device list, and import of devices with a dry run first."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import count_statements, csrf_from, login
from vftops.core.audit import AuditEvent
from vftops.equipment.models import Device, Movement
from vftops.extensions import db

HEADERS_NB = [
    "Serienummer",
    "Produkt",
    "Kategori",
    "Status",
    "Lager",
    "Kommune",
    "IMEI",
    "SIM-kortnummer (ICCID)",
    "Telefonnummer",
    "MAC-adresse",
    "Fastvareversjon",
    "Eierforhold",
    "Anskaffet",
    "Kostnad (kr)",
    "Garanti til",
]
FORMULA = '=HYPERLINK("http://x")'
GOOD_IMEI = "356938035643809"


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path, monkeypatch):
    """Uploads wait in a directory of the test's own."""
    directory = tmp_path / "imports"
    monkeypatch.setitem(app.config, "IMPORT_DIR", str(directory))
    return directory


@pytest.fixture
def setup(factories):
    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    store = factories.store(m, name="Sentrallager")
    car = factories.store(m, name="Teknikerbil")
    other_store = factories.store(other, name="Meråker lager")
    alarm = factories.product("safety_alarm", model="Lifeline Vi+")
    gps = factories.product("mobile_alarm", manufacturer="Doro", model="Secure 580")
    tech = factories.user("technician", municipalities=[m], username="tore")
    return {
        "m": m,
        "other": other,
        "store": store,
        "car": car,
        "other_store": other_store,
        "alarm": alarm,
        "gps": gps,
        "tech": tech,
    }


def csv_file(rows, header=("serial_number", "product", "store"), sep=";", bom=True) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def upload(client, data: bytes, filename: str = "enheter.csv", csrf_page: str = "/devices/import"):
    page = client.get(csrf_page).get_data(as_text=True)
    # Encoded here, in memory: the test client would spool a large body to a file it
    # never closes.
    boundary, body = encode_multipart(
        {
            "csrf_token": csrf_from(page),
            "file": FileStorage(io.BytesIO(data), filename=filename),
        }
    )
    return client.post(
        "/devices/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def register_all(client, preview_html: str):
    token = re.search(r'name="import_token" type="hidden" value="([^"]+)"', preview_html)
    assert token, "the preview has no «Registrer alle» form"
    return client.post(
        "/devices/import",
        data={"csrf_token": csrf_from(preview_html), "import_token": token.group(1)},
    )


def count(app, model=Device) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def field_error(html: str) -> str:
    match = re.search(r'id="file-error"[^>]*>(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else ""


# --- export -------------------------------------------------------------------------


def _export_world(factories, s):
    factories.device(
        s["alarm"],
        s["store"],
        serial="TA-1001",
        firmware_version=FORMULA,
        phone_number="912 34 567",
        imei=GOOD_IMEI,
        ownership="leased",
        acquired_on=date(2025, 3, 1),
        cost="2490.50",
    )
    factories.device(s["alarm"], s["car"], serial="-TA1002", firmware_version="@SUM(A1)")
    factories.device(s["gps"], s["store"], serial="GPS-1")
    factories.device(s["alarm"], s["other_store"], serial="MERÅKER-1")


def test_csv_export_of_a_filtered_list_is_what_the_list_shows(app, client, setup, factories):
    """The CSV opens in Norwegian Excel with Norwegian headings, holds only the filtered devices of
    my municipality, and no cell can run as a formula."""
    s = setup
    _export_world(factories, s)
    login(client, s["tech"])
    page = client.get(f"/devices?product_id={s['alarm'].id}&page=1").get_data(as_text=True)
    link = re.search(r'href="([^"]*export\.csv[^"]*)"', page).group(1).replace("&amp;", "&")
    assert link == f"/devices/export.csv?product_id={s['alarm'].id}"

    response = client.get(link)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    today = datetime.now(ZoneInfo("Europe/Oslo")).date().isoformat()
    assert response.headers["Content-Disposition"] == f"attachment; filename=enheter-{today}.csv"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == HEADERS_NB
    by_serial = {r[0]: dict(zip(HEADERS_NB, r, strict=True)) for r in rows[1:]}
    # The other product and the other municipality's device are not exported.
    assert set(by_serial) == {"TA-1001", "'-TA1002"}
    first = by_serial["TA-1001"]
    assert first["Produkt"] == "Tunstall Lifeline Vi+"
    assert first["Kategori"] == "Trygghetsalarm"
    assert first["Status"] == "På lager"
    assert first["Lager"] == "Sentrallager"
    assert first["Kommune"] == "Stjørdal"
    assert first["Telefonnummer"] == "'+4791234567"
    assert first["Fastvareversjon"] == "'" + FORMULA
    assert first["IMEI"] == GOOD_IMEI
    assert first["Eierforhold"] == "Leid"
    assert first["Anskaffet"] == "2025-03-01"
    assert first["Kostnad (kr)"] == "2490,50"
    assert by_serial["'-TA1002"]["Fastvareversjon"] == "'@SUM(A1)"
    assert by_serial["'-TA1002"]["Lager"] == "Teknikerbil"


def test_xlsx_export_neutralises_formulas_and_keeps_the_filter(app, client, setup, factories):
    """An auditor's XLSX export has bold Norwegian headings, the filtered devices only, and
    formula-like text as plain text."""
    s = setup
    _export_world(factories, s)
    auditor = factories.user("auditor", municipalities=[s["m"]])
    login(client, auditor)
    response = client.get(f"/devices/export.xlsx?store_id={s['store'].id}&status=in_stock")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "enheter-" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS_NB
    assert all(cell.font.bold for cell in sheet[1])
    by_serial = {r[0]: dict(zip(HEADERS_NB, r, strict=True)) for r in rows[1:]}
    assert set(by_serial) == {"TA-1001", "GPS-1"}  # not the car's, not Meråker's
    first = by_serial["TA-1001"]
    assert first["Telefonnummer"] == "'+4791234567"
    assert first["Fastvareversjon"] == "'" + FORMULA
    assert first["Anskaffet"].date() == date(2025, 3, 1)
    assert Decimal(str(first["Kostnad (kr)"])) == Decimal("2490.50")
    assert by_serial["GPS-1"]["Produkt"] == "Doro Secure 580"
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula"


def test_export_costs_the_same_queries_for_3_and_30_devices(app, client, setup, factories):
    """Exporting a long list is one query for the devices, not one per device."""
    s = setup
    for i in range(3):
        factories.device(s["alarm"], s["store"], serial=f"A{i}")
    login(client, s["tech"])
    client.get("/devices/export.csv")
    with count_statements(app) as few_csv:
        client.get("/devices/export.csv")
    with count_statements(app) as few_xlsx:
        client.get("/devices/export.xlsx")
    for i in range(27):
        factories.device(s["gps"] if i % 2 else s["alarm"], s["car"], serial=f"B{i}")
    with count_statements(app) as many_csv:
        body = client.get("/devices/export.csv").get_data(as_text=True)
    with count_statements(app) as many_xlsx:
        client.get("/devices/export.xlsx")
    assert body.count("\r\n") == 31
    assert len(few_csv) == len(many_csv)
    assert len(few_xlsx) == len(many_xlsx)
    assert len(many_csv) < 15


# --- import: dry run and commit ------------------------------------------------------


def test_csv_dry_run_shows_what_will_be_registered_and_writes_nothing(
    app, client, setup, import_dir
):
    """Uploading a CSV shows the devices it would register, and nothing is registered yet."""
    s = setup
    data = csv_file(
        [
            ["ta 3001", "Tunstall Lifeline Vi+", "Sentrallager", GOOD_IMEI, "91234567", "leid"],
            ["TA3002", "tunstall  lifeline vi+", "teknikerbil", "", "", ""],
            ["", "", "", "", "", ""],  # blank rows are skipped
            ["GPS-3003", "Doro Secure 580", "Sentrallager", "", "+46701234567", "eid"],
        ],
        header=("Serial number", "Product", "Store", "IMEI", "Phone number", "Ownership"),
        sep=",",
        bom=False,
    )
    login(client, s["tech"])
    response = upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    assert "Prøvekjøring av enheter.csv" in html
    assert "3 enheter kan registreres" in html
    assert "0 problemer" in html
    listed = re.search(r'data-testid="import-devices">(.*?)</table>', html, re.S).group(1)
    for text in ("TA3001", "TA3002", "GPS-3003", "+4791234567", "Teknikerbil", "Stjørdal"):
        assert text in listed
    assert "Registrer alle" in html
    assert count(app) == 0
    assert count(app, Movement) == 0
    assert len(list(import_dir.iterdir())) == 2  # the file and who uploaded it


def test_register_all_creates_the_devices_with_their_movements(app, client, setup, import_dir):
    """«Registrer alle» registers every device in its store, each with a ledger line and an
    audit event, and the kept upload is deleted."""
    s = setup
    data = csv_file(
        [
            [
                "TA4001",
                "Tunstall Lifeline Vi+",
                "Sentrallager",
                GOOD_IMEI,
                "01.02.2025",
                "1 990,00",
            ],
            ["TA4002", "Tunstall Lifeline Vi+", "Teknikerbil", "", "2025-02-03", ""],
        ],
        header=("serial_number", "product", "store", "imei", "acquired_on", "cost"),
    )
    login(client, s["tech"])
    preview = upload(client, data).get_data(as_text=True)
    response = register_all(client, preview)
    assert response.status_code == 302
    assert response.headers["Location"] == "/devices"
    listing = client.get("/devices").get_data(as_text=True)
    assert "2 enheter er registrert fra enheter.csv." in listing
    assert "TA4001" in listing
    assert "TA4002" in listing
    with app.app_context():
        devices = {d.serial_number: d for d in db.session.scalars(select(Device))}
        assert devices["TA4001"].store_id == s["store"].id
        assert devices["TA4001"].imei == GOOD_IMEI
        assert devices["TA4001"].acquired_on == date(2025, 2, 1)
        assert devices["TA4001"].cost == Decimal("1990.00")
        assert devices["TA4002"].store_id == s["car"].id
        assert devices["TA4002"].status == "in_stock"
        movements = db.session.scalars(select(Movement)).all()
        assert sorted(m.kind for m in movements) == ["receive", "receive"]
        assert {m.reason for m in movements} == {"Import fra enheter.csv"}
        assert {m.actor_id for m in movements} == {s["tech"].id}
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions.count("device.register") == 2
    assert list(import_dir.iterdir()) == []
    # The same upload cannot be registered twice.
    again = register_all(client, preview)
    assert again.status_code == 302
    assert "ikke lenger her" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert count(app) == 2


def test_bad_rows_are_each_named_and_nothing_is_written(app, client, setup, factories):
    """Every refused row is named with its row number, column and reason, and nothing is saved."""
    s = setup
    factories.device(s["alarm"], s["store"], serial="TAKEN-1")
    data = csv_file(
        [
            ["OK-1", "Tunstall Lifeline Vi+", "Sentrallager", ""],  # row 2
            ["X-3", "Tunstall Ukjent 9", "Sentrallager", ""],  # row 3: unknown product
            ["X-4", "Tunstall Lifeline Vi+", "Meråker lager", ""],  # row 4: Meråker's store
            ["DUP-1", "Tunstall Lifeline Vi+", "Sentrallager", ""],  # row 5
            [" dup-1 ", "Tunstall Lifeline Vi+", "Teknikerbil", ""],  # row 6: same as row 5
            ["taken-1", "Tunstall Lifeline Vi+", "Sentrallager", ""],  # row 7: registered
            ["X-8", "Tunstall Lifeline Vi+", "Sentrallager", "356938035643808"],  # row 8: IMEI
        ],
        header=("Serienummer", "Produkt", "Lager", "IMEI"),
    )
    login(client, s["tech"])
    response = upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    problems = re.search(r'data-testid="import-problems">(.*?)</table>', html, re.S).group(1)
    cells = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", problems, re.S)
        if "<td>" in row
    ]
    assert [c[0] for c in cells] == ["Rad 3", "Rad 4", "Rad 6", "Rad 7", "Rad 8"]
    by_row = {c[0]: c for c in cells}
    assert by_row["Rad 3"][1] == "Produkt"
    assert "Ukjent produkt «Tunstall Ukjent 9»" in by_row["Rad 3"][2]
    assert by_row["Rad 4"][1] == "Lager"
    assert "Ukjent lager «Meråker lager»" in by_row["Rad 4"][2]
    assert by_row["Rad 6"][1] == "Serienummer"
    assert "DUP-1 står også på rad 5" in by_row["Rad 6"][2]
    assert "TAKEN-1 er allerede registrert" in by_row["Rad 7"][2]
    assert by_row["Rad 8"][1] == "IMEI"
    assert "15 sifre" in by_row["Rad 8"][2]
    assert "5 problemer" in html
    assert "Registrer alle" not in html
    assert 'name="import_token"' not in html
    assert count(app) == 1


def test_commit_checks_again_and_writes_nothing_when_a_serial_was_taken_meanwhile(
    app, client, setup, factories, import_dir
):
    """If someone registers one of the serials between the dry run and «Registrer alle»,
    nothing is registered and the row is named."""
    s = setup
    data = csv_file(
        [["RACE-1", "Tunstall Lifeline Vi+", "Sentrallager"]]
        + [[f"RACE-{i}", "Tunstall Lifeline Vi+", "Sentrallager"] for i in range(2, 6)]
    )
    login(client, s["tech"])
    preview = upload(client, data).get_data(as_text=True)
    assert "5 enheter kan registreres" in preview
    factories.device(s["alarm"], s["car"], serial="RACE-4")
    response = register_all(client, preview)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ingenting ble registrert" in html
    assert "Rad 5" in html
    assert "RACE-4 er allerede registrert" in html
    assert "Registrer alle" not in html
    assert count(app) == 1
    assert count(app, Movement) == 1
    assert list(import_dir.iterdir()) == []


def test_a_serial_registered_meanwhile_undoes_the_whole_import(app, setup, monkeypatch):
    """If someone registers one of the serials between the check and the write, the
    database refuses it and none of the file's devices are left behind."""
    from vftops.auth.models import User
    from vftops.core.errors import ConflictError
    from vftops.equipment import operations as ops
    from vftops.equipment import transfer
    from vftops.equipment.models import Product, Store

    s = setup
    rows = [
        {
            "row": n,
            "serial_number": f"F-{n}",
            "product": "Tunstall Lifeline Vi+",
            "store": "Sentrallager",
        }
        for n in range(2, 7)
    ]
    with app.app_context():
        actor = db.session.get(User, s["tech"].id)
        stale = transfer.plan_import(actor, rows)  # checked: all five are free
        assert not stale.problems
        # A colleague registers F-4 at that moment.
        ops.register_device(
            actor,
            product=db.session.get(Product, s["alarm"].id),
            store=db.session.get(Store, s["store"].id),
            serial_number="F-4",
        )
        db.session.commit()
        monkeypatch.setattr(transfer, "plan_import", lambda *_a, **_k: stale)
        with pytest.raises(ConflictError):
            ops.import_devices(actor, rows)
        db.session.commit()
    assert count(app) == 1  # only the colleague's F-4
    assert count(app, Movement) == 1


def _ten_thousand_rows(bad_row: int) -> bytes:
    lines = ["Serienummer;Produkt;Lager;IMEI"]
    for row in range(2, 10_002):
        product = "Tunstall Ukjent 9" if row == bad_row else "Tunstall Lifeline Vi+"
        lines.append(f"BULK{row:06d};{product};Sentrallager;")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_10000_rows_with_row_9000_bad_write_nothing_and_name_row_9000(app, client, setup):
    """An import of 10,000 rows whose row 9,000 is bad writes nothing and names row 9,000,
    through the page and through the operation."""
    from vftops.auth.models import User
    from vftops.core.errors import ValidationError
    from vftops.equipment import operations as ops
    from vftops.equipment.transfer import parse_import

    s = setup
    data = _ten_thousand_rows(bad_row=9000)
    login(client, s["tech"])
    started = time.perf_counter()
    response = upload(client, data)
    page_seconds = time.perf_counter() - started
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "10\u00a0000 rader lest" in html
    assert "1 problem" in html
    problems = re.search(r'data-testid="import-problems">(.*?)</table>', html, re.S).group(1)
    assert "Rad 9000" in problems
    assert "Tunstall Ukjent 9" in problems
    assert "Registrer alle" not in html
    assert count(app) == 0

    with app.app_context():
        actor = db.session.get(User, s["tech"].id)
        rows = parse_import("enheter.csv", data)
        assert len(rows) == 10_000
        assert rows[-1]["row"] == 10_001
        started = time.perf_counter()
        with pytest.raises(ValidationError) as refused:
            ops.import_devices(actor, rows)
        operation_seconds = time.perf_counter() - started
        db.session.commit()
    assert len(refused.value.fields["rows"]) == 1
    assert refused.value.fields["rows"][0].startswith("Rad 9000, Produkt:")
    assert count(app) == 0
    assert count(app, Movement) == 0
    assert page_seconds < 20, f"the dry run of 10,000 rows took {page_seconds:.1f} s"
    assert operation_seconds < 20, f"checking 10,000 rows took {operation_seconds:.1f} s"


# --- what may be uploaded ------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("enheter.csv", PNG, "ikke UTF-8-tekst"),
        ("enheter.xlsx", PNG, "ikke en Excel-arbeidsbok"),
        ("enheter.exe", b"MZ\x90\x00", "Velg en .csv- eller .xlsx-fil."),
        ("enheter.csv", b"x" * (5 * 1024 * 1024 + 1), "større enn 5 MB"),
    ],
    ids=["png-as-csv", "png-as-xlsx", "exe", "over-5-mb"],
)
def test_an_upload_that_is_not_a_spreadsheet_is_refused_beside_the_field(
    app, client, setup, import_dir, filename, data, message
):
    """A file that is not a CSV or XLSX, or is too large, is refused beside the file field."""
    login(client, setup["tech"])
    response = upload(client, data, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in field_error(html)
    assert not import_dir.exists() or list(import_dir.iterdir()) == []
    assert count(app) == 0


def test_a_zip_that_is_not_a_workbook_is_refused(app, client, setup):
    """A .xlsx that is some other zip file is refused beside the field."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w/>")
    login(client, setup["tech"])
    response = upload(client, buffer.getvalue(), "enheter.xlsx")
    assert response.status_code == 422
    assert "ikke en Excel-arbeidsbok" in field_error(response.get_data(as_text=True))


def test_a_workbook_that_unpacks_too_large_is_refused(app, client, setup, monkeypatch):
    """A workbook that would unpack to far more than it weighs (a «zip bomb») is refused."""
    from vftops.core import tabular

    monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 1000)
    workbook = Workbook()
    workbook.active.append(["serial_number", "product", "store"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    login(client, setup["tech"])
    response = upload(client, buffer.getvalue(), "enheter.xlsx")
    assert response.status_code == 422
    assert "Arbeidsboken er for stor" in field_error(response.get_data(as_text=True))


def test_a_file_without_the_needed_columns_is_refused_beside_the_field(app, client, setup):
    """A file whose header lacks the store column says which column is missing."""
    login(client, setup["tech"])
    response = upload(
        client, csv_file([["A-1", "Tunstall Lifeline Vi+"]], header=("Serial", "Produkt"))
    )
    assert response.status_code == 422
    error = field_error(response.get_data(as_text=True))
    assert "«Serienummer»" in error
    assert "«Lager»" in error


def test_an_upload_belongs_to_the_person_who_made_it(app, client, setup, factories, import_dir):
    """Another technician cannot register someone else's upload, and an old upload is ignored."""
    import json

    s = setup
    login(client, s["tech"])
    preview = upload(client, csv_file([["OWN-1", "Tunstall Lifeline Vi+", "Sentrallager"]]))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    token = re.search(r'name="import_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post("/logout", data={"csrf_token": csrf_from(html)})

    colleague = factories.user("technician", municipalities=[s["m"]])
    login(client, colleague)
    page = client.get("/devices/import").get_data(as_text=True)
    response = client.post(
        "/devices/import", data={"csrf_token": csrf_from(page), "import_token": token}
    )
    assert response.status_code == 302
    assert count(app) == 0
    client.post("/logout", data={"csrf_token": csrf_from(page)})

    meta = import_dir / f"{token}.json"
    stale = json.loads(meta.read_text()) | {"at": time.time() - 2 * 24 * 3600}
    meta.write_text(json.dumps(stale))
    login(client, s["tech"])
    page = client.get("/devices/import").get_data(as_text=True)
    response = client.post(
        "/devices/import", data={"csrf_token": csrf_from(page), "import_token": token}
    )
    assert response.status_code == 302
    assert "mer enn ett døgn gammel" in client.get("/devices/import").get_data(as_text=True)
    assert count(app) == 0


def test_xlsx_export_round_trips_through_import(app, client, setup, factories):
    """A workbook exported from the list, with new serial numbers, imports as it is."""
    s = setup
    _export_world(factories, s)
    login(client, s["tech"])
    exported = client.get(f"/devices/export.xlsx?product_id={s['alarm'].id}").get_data()
    workbook = load_workbook(io.BytesIO(exported))
    sheet = workbook.worksheets[0]
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        cell.value = f"NY-{cell.value.lstrip(chr(39))}"
    changed = io.BytesIO()
    workbook.save(changed)

    response = upload(client, changed.getvalue(), "enheter.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:3000]
    assert "2 enheter kan registreres" in html
    assert register_all(client, html).status_code == 302
    with app.app_context():
        new = {
            d.serial_number: d
            for d in db.session.scalars(select(Device).where(Device.serial_number.like("NY-%")))
        }
        assert set(new) == {"NY-TA-1001", "NY--TA1002"}
        first = new["NY-TA-1001"]
        assert first.phone_number == "+4791234567"
        assert first.firmware_version == FORMULA
        assert first.imei == GOOD_IMEI
        assert first.ownership == "leased"
        assert first.acquired_on == date(2025, 3, 1)
        assert first.cost == Decimal("2490.50")
        assert first.store_id == s["store"].id
        assert new["NY--TA1002"].store_id == s["car"].id


def test_an_xlsx_written_by_hand_is_read_by_its_row_numbers(app, client, setup):
    """A hand-made workbook with English headings and a blank row names the right row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["serial_number", "product", "store", "warranty_until"])
    sheet.append(["HAND-1", "Doro Secure 580", "Sentrallager", date(2027, 1, 31)])
    sheet.append([])
    sheet.append([123456789, "Doro Secure 580", "Sentrallager", "31.02.2027"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    login(client, setup["tech"])
    response = upload(client, buffer.getvalue(), "hand.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Rad 4" in html
    assert "Ikke en gyldig dato." in html
    assert "1 enhet kan registreres" in html
    assert "HAND-1" in html


# --- who may do it -------------------------------------------------------------------


def test_procurement_may_not_import_and_an_auditor_may_export(app, client, setup, factories):
    """Procurement sees the devices but gets «no access» on import; an auditor can export."""
    s = setup
    buyer = factories.user("procurement", municipalities=[s["m"]])
    login(client, buyer)
    assert client.get("/devices/import").status_code == 403
    page = client.get("/devices").get_data(as_text=True)
    assert "Importer fra fil" not in page
    assert "Eksporter CSV" in page
    response = upload(
        client,
        csv_file([["P-1", "Tunstall Lifeline Vi+", "Sentrallager"]]),
        csrf_page="/devices",
    )
    assert response.status_code == 403
    assert count(app) == 0

    auditor = factories.user("auditor", municipalities=[s["m"]])
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    login(client, auditor)
    assert client.get("/devices/import").status_code == 403
    response = client.get("/devices/export.csv")
    assert response.status_code == 200
    assert response.get_data().decode("utf-8-sig").startswith("Serienummer;Produkt;")
