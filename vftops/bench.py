"""`flask vftops bench`: build a municipality-sized dataset and time the pages people wait for.

The dataset is written with bulk inserts (the operations would take hours at
this size); the measurements then go through the real application (test client,
real database), each request timed from the WSGI call to the last byte.
Figures are medians and 95th percentiles in milliseconds, and the ratio to
`GET /healthz` measured in the same run, so machines can be compared.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import func, insert, select

from vftops.extensions import db

BATCH = 5000


def _batched(rows, size=BATCH):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _copy_rows(table: str, columns: tuple[str, ...], rows) -> None:
    """PostgreSQL's COPY: millions of ledger lines in a minute instead of twenty."""
    db.session.commit()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        raw.commit()
    finally:
        raw.close()


def build_dataset(devices: int, recipients: int, movements: int, *, echo=click.echo) -> dict:
    """Write the synthetic dataset in bulk. Returns ids the measurements use."""
    from vftops.auth.operations import create_api_token, create_user
    from vftops.equipment.models import (
        Device,
        Movement,
        Placement,
        Product,
        Recipient,
    )
    from vftops.org.operations import create_municipality
    from vftops.stock.models import Store

    started = time.perf_counter()
    municipality = create_municipality(None, name="Benchmark", number="9999")
    admin = create_user(
        None,
        username="bench",
        full_name="Benchmark Runner",
        password="measure-the-pages-2026",  # noqa: S106 - throwaway benchmark user
        roles=["admin"],
        municipality_ids=[municipality.id],
    )
    _token, token = create_api_token(None, admin, name="bench", days=1)
    db.session.commit()
    mid = municipality.id
    now = datetime.now(UTC)

    store_ids = []
    for i in range(20):
        store_ids.append(
            db.session.execute(
                insert(Store)
                .values(municipality_id=mid, name=f"Lager {i:02d}", kind="central")
                .returning(Store.id)
            ).scalar_one()
        )
    categories = ["safety_alarm", "mobile_alarm", "bed_sensor", "door_sensor", "fall_sensor"]
    product_ids = []
    for i in range(50):
        product_ids.append(
            db.session.execute(
                insert(Product)
                .values(
                    category=categories[i % len(categories)],
                    manufacturer="Bench",
                    model=f"Model {i:03d}",
                    return_checklist=[],
                )
                .returning(Product.id)
            ).scalar_one()
        )
    db.session.commit()

    echo(f"  recipients: {recipients}")
    for batch in _batched(
        {
            "municipality_id": mid,
            "name": f"Mottaker {i:06d}",
            "address": f"Gate {i % 500}",
            "journal_ref": f"EPJ-{i:07d}",
            "is_critical": i % 13 == 0,
            "version": 1,
        }
        for i in range(recipients)
    ):
        db.session.execute(insert(Recipient), batch)
    db.session.commit()
    first_recipient = db.session.scalar(select(func.min(Recipient.id)))

    echo(f"  devices: {devices}")
    installed_share = 0.6
    for batch in _batched(
        {
            "product_id": product_ids[i % len(product_ids)],
            "municipality_id": mid,
            "serial_number": f"BN{i:08d}",
            "serial_reversed": f"BN{i:08d}"[::-1],
            "status": "installed" if i % 10 < 6 else "in_stock",
            "store_id": None if i % 10 < 6 else store_ids[i % len(store_ids)],
            "phone_number": f"+479{i:07d}",
            "ownership": "owned",
            "version": 1,
        }
        for i in range(devices)
    ):
        db.session.execute(insert(Device), batch)
    db.session.commit()
    first_device = db.session.scalar(select(func.min(Device.id)))

    echo("  open placements for installed devices")
    installed = [first_device + i for i in range(devices) if i % 10 < 6]
    for batch in _batched(
        {
            "device_id": device_id,
            "recipient_id": first_recipient + (n % recipients),
            "municipality_id": mid,
            "installed_at": now - timedelta(days=n % 700),
            "config_settings": {},
            "return_checklist": {},
        }
        for n, device_id in enumerate(installed)
    ):
        db.session.execute(insert(Placement), batch)
    db.session.commit()

    # One device with a long life: 400 ledger lines.
    long_device = first_device + 1  # installed (1 % 10 < 6)
    echo(f"  movements: {movements}")
    per_device = max(1, movements // max(devices, 1))

    def ledger():
        made = 0
        for i in range(devices):
            device_id = first_device + i
            count = 400 if device_id == long_device else per_device
            for k in range(count):
                if made >= movements:
                    return
                made += 1
                yield {
                    "device_id": device_id,
                    "municipality_id": mid,
                    "at": now - timedelta(days=count - k),
                    "kind": "install" if k % 2 else "return",
                    "from_status": "in_stock" if k % 2 else "installed",
                    "to_status": "installed" if k % 2 else "in_stock",
                    "to_store_id": None if k % 2 else store_ids[0],
                }

    if db.engine.dialect.name == "postgresql":
        _copy_rows(
            "movements",
            (
                "device_id",
                "municipality_id",
                "at",
                "kind",
                "from_status",
                "to_status",
                "to_store_id",
            ),
            ledger(),
        )
    else:
        for n, batch in enumerate(_batched(ledger(), 20000)):
            db.session.execute(insert(Movement), batch)
            if n % 25 == 0:
                db.session.commit()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    echo(f"  built in {time.perf_counter() - started:.0f} s")
    return {
        "token": token,
        "long_device": long_device,
        "recipient": first_recipient + 1,
        "store": store_ids[0],
        "serial_fragment": f"{devices // 2:08d}"[-6:],
        "installed_share": installed_share,
    }


def _time(call: Callable[[], object], samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def existing_dataset() -> dict | None:
    """The ids of a dataset an earlier run built, to measure again without rebuilding."""
    from vftops.auth.models import User
    from vftops.auth.operations import create_api_token
    from vftops.equipment.models import Device, Recipient
    from vftops.org.models import Municipality
    from vftops.stock.models import Store

    municipality = db.session.scalar(select(Municipality).where(Municipality.number == "9999"))
    bench_user = db.session.scalar(select(User).where(User.username == "bench"))
    if municipality is None or bench_user is None:
        return None
    _token, token = create_api_token(None, bench_user, name="bench", days=1)
    db.session.commit()
    first_device = db.session.scalar(select(func.min(Device.id)))
    devices = db.session.scalar(select(func.count(Device.id)))
    return {
        "token": token,
        "long_device": first_device + 1,
        "recipient": db.session.scalar(select(func.min(Recipient.id))) + 1,
        "store": db.session.scalar(select(func.min(Store.id))),
        "serial_fragment": f"{devices // 2:08d}"[-6:],
    }


def run_bench(
    app,
    *,
    devices: int,
    recipients: int,
    movements: int,
    samples: int,
    echo=click.echo,
    reuse: bool = False,
):
    ids = existing_dataset() if reuse else None
    if ids is None:
        ids = build_dataset(devices, recipients, movements, echo=echo)
    else:
        echo("  measuring the dataset an earlier run built")
    db.session.remove()
    # Requests must not share the command's application context (Flask would reuse
    # it, and with it `g` and the session): measure from a thread of its own.
    outcome: dict[str, object] = {}

    def work():
        try:
            outcome["rows"] = _measure(app, ids, samples, echo)
        except BaseException as exc:  # reported in the command's thread
            outcome["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["rows"]


def _measure(app, ids: dict, samples: int, echo) -> list[tuple[str, float, float]]:
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {ids['token']}"
    pages = app.test_client()
    _login(pages)

    def get(client, url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            response.get_data()

        return call

    results: list[tuple[str, list[float]]] = []
    checks = [
        ("GET /healthz", get(api, "/healthz")),
        ("serial search (page)", get(pages, f"/search?q={ids['serial_fragment']}")),
        ("serial search (API)", get(api, f"/api/v1/devices?serial={ids['serial_fragment']}")),
        ("device page, 400-line history", get(pages, f"/devices/{ids['long_device']}")),
        ("recipient page", get(pages, f"/recipients/{ids['recipient']}")),
        ("device list, filtered, first page", get(pages, "/devices?status=installed")),
        ("device list, filtered, page 2000", get(pages, "/devices?status=installed&page=2000")),
        ("device list API, first page", get(api, "/api/v1/devices?status=in_stock&limit=50")),
    ]
    for name, call in checks:
        call()  # warm up caches and plans
        results.append((name, _time(call, samples)))
        echo(f"  measured {name}")

    with app.app_context():
        stock = [
            row[0]
            for row in db.session.execute(
                db.text("SELECT id FROM devices WHERE status = 'in_stock' ORDER BY id LIMIT :n"),
                {"n": samples},
            )
        ]
    install_times, return_times = [], []
    for device_id in stock:
        start = time.perf_counter()
        response = api.post(
            "/api/v1/placements", json={"device_id": device_id, "recipient_id": ids["recipient"]}
        )
        install_times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 201, response.get_json()
        placement = response.get_json()["id"]
        start = time.perf_counter()
        response = api.post(
            f"/api/v1/placements/{placement}/return",
            json={
                "reason": "faulty",
                "destination": "store",
                "store_id": ids["store"],
                "checklist": ["retrieved", "reset", "cleaned", "inspected"],
            },
        )
        return_times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_json()
    results.append(("install (API)", install_times))
    results.append(("return (API)", return_times))
    return [(name, statistics.median(t), _p95(t)) for name, t in results]


def _login(client) -> None:
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"username": "bench", "password": "measure-the-pages-2026", "csrf_token": token},
    )
    assert response.status_code == 302, "benchmark login failed"


def report(rows, echo=click.echo) -> None:
    base = rows[0][1] or 0.001
    echo(f"{'what':<38} {'median ms':>10} {'p95 ms':>8} {'× healthz':>10}")
    for name, median, p95 in rows:
        echo(f"{name:<38} {median:>10.1f} {p95:>8.1f} {median / base:>10.1f}")
