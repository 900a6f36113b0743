"""The benchmark's equipment (`flask vftops bench`): products, stores and their responsible
people, recipients, devices with their placements and ledger; the search, device,
recipient and list pages, installs and returns through the API, and the device exports."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from vftops.auth.models import User, UserRole
from vftops.core.bench import batched, copy_rows, timed
from vftops.core.modules import BenchCheck, BenchPart
from vftops.equipment.models import Device, Movement, Placement, Product, Recipient, Store
from vftops.extensions import db
from vftops.org.models import Membership

CONSUMABLE_EVERY = 20  # every 20th product is a consumable (batteries, straps …)
RENTED_EVERY = 10  # every 10th product is leased at a monthly rent
CATEGORIES = ["safety_alarm", "mobile_alarm", "bed_sensor", "door_sensor", "fall_sensor"]
LONG_HISTORY = 400  # ledger lines of the one device with a long life


def _device(i: int, serialised: list[int], store_ids: list[int], now: datetime) -> dict:
    """The i-th synthetic device: 60 % installed, the rest on a shelf, a fifth of those in
    the big central store (the first), a few awaiting reset or on a transfer."""
    product_index = serialised[i % len(serialised)]
    row = {
        "product_index": product_index,
        "status": "installed",
        "store": None,
        "status_changed_at": now - timedelta(days=i % 700),
        "ownership": "leased" if product_index % RENTED_EVERY == 3 else "owned",
    }
    if i % 10 < 6:
        return row
    k = i // 10
    if k % 5 == 0 or len(store_ids) == 1:
        row["store"] = 0
    else:
        row["store"] = 1 + k % (len(store_ids) - 1)
    if k % 25 == 3 and i % 10 == 9:
        row["status"] = "awaiting_reset"
        row["status_changed_at"] = now - timedelta(days=3 + k * 7 % 40)
    elif k % 500 == 11 and i % 10 == 8:
        row["status"] = "in_transit"  # on a transfer from that store to the central one
    else:
        row["status"] = "in_stock"
    return row


def _products(world: dict) -> dict:
    supplier_ids = world["supplier_ids"]
    products = world["products"]
    for batch in batched(
        {
            "category": "other"
            if i % CONSUMABLE_EVERY == CONSUMABLE_EVERY - 1
            else CATEGORIES[i % len(CATEGORIES)],
            "manufacturer": "Bench",
            "model": f"Model {i:04d}",
            "is_serialised": i % CONSUMABLE_EVERY != CONSUMABLE_EVERY - 1,
            "return_checklist": [],
            "supplier_id": supplier_ids[i % len(supplier_ids)],
            "monthly_rent": Decimal(149 + 50 * (i % 7)) if i % RENTED_EVERY == 3 else None,
            "version": 1,
        }
        for i in range(products)
    ):
        db.session.execute(insert(Product), batch)
    return {
        "product_ids": list(
            db.session.scalars(
                select(Product.id).where(Product.manufacturer == "Bench").order_by(Product.model)
            )
        ),
        "serialised": [i for i in range(products) if i % CONSUMABLE_EVERY != CONSUMABLE_EVERY - 1],
        "consumables": [i for i in range(products) if i % CONSUMABLE_EVERY == CONSUMABLE_EVERY - 1],
    }


def _stores(world: dict) -> list[int]:
    """The stores, each with one responsible person with an e-mail address."""
    mid, stores = world["municipality_id"], world["stores"]
    unusable = "!bench-user-cannot-log-in"
    db.session.execute(
        insert(User),
        [
            {
                "username": f"lager{i:03d}",
                "full_name": f"Lageransvarlig {i:03d}",
                "email": f"lager{i:03d}@bench.example.no",
                "password_hash": unusable,
                "version": 1,
            }
            for i in range(stores)
        ],
    )
    user_ids = list(
        db.session.scalars(
            select(User.id).where(User.username.like("lager%")).order_by(User.username)
        )
    )
    db.session.execute(
        insert(Membership), [{"user_id": u, "municipality_id": mid} for u in user_ids]
    )
    db.session.execute(insert(UserRole), [{"user_id": u, "role": "technician"} for u in user_ids])
    db.session.execute(
        insert(Store),
        [
            {
                "municipality_id": mid,
                "name": f"Lager {i:03d}",
                "kind": "central" if i == 0 else "supplier" if i % 50 == 49 else "local",
                "responsible_id": user_ids[i],
                "version": 1,
            }
            for i in range(stores)
        ],
    )
    store_ids = list(
        db.session.scalars(
            select(Store.id).where(Store.municipality_id == mid).order_by(Store.name)
        )
    )
    db.session.commit()
    return store_ids


def _recipients(world: dict) -> int | None:
    echo, mid, recipients = world["echo"], world["municipality_id"], world["recipients"]
    echo(f"  recipients: {recipients}")
    for batch in batched(
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
    return db.session.scalar(select(func.min(Recipient.id)))


def _devices(world: dict, products: dict, store_ids: list[int], first_recipient: int) -> dict:
    echo, mid, devices, now = (
        world["echo"],
        world["municipality_id"],
        world["devices"],
        world["now"],
    )
    echo(f"  devices: {devices}")
    shelf: dict[tuple[int, int], int] = defaultdict(int)  # in stock per store × product
    in_transit: list[tuple[int, int, int]] = []  # (device number, store, product)
    product_ids, serialised = products["product_ids"], products["serialised"]

    def device_rows():
        for i in range(devices):
            d = _device(i, serialised, store_ids, now)
            if d["status"] == "in_stock":
                shelf[(d["store"], d["product_index"])] += 1
            elif d["status"] == "in_transit":
                in_transit.append((i, d["store"], d["product_index"]))
            yield {
                "product_id": product_ids[d["product_index"]],
                "municipality_id": mid,
                "serial_number": f"BN{i:08d}",
                "serial_reversed": f"BN{i:08d}"[::-1],
                "status": d["status"],
                "store_id": store_ids[d["store"]]
                if d["store"] is not None and d["status"] != "in_transit"
                else None,
                "status_changed_at": d["status_changed_at"],
                "phone_number": f"+479{i:07d}",
                "ownership": d["ownership"],
                "version": 1,
            }

    for batch in batched(device_rows()):
        db.session.execute(insert(Device), batch)
    db.session.commit()
    first_device = db.session.scalar(select(func.min(Device.id)))

    echo("  open placements for installed devices")
    installed = [first_device + i for i in range(devices) if i % 10 < 6]
    for batch in batched(
        {
            "device_id": device_id,
            "recipient_id": first_recipient + (n % world["recipients"]),
            "municipality_id": mid,
            "installed_at": now - timedelta(days=n % 700),
            "config_settings": {},
            "return_checklist": {},
        }
        for n, device_id in enumerate(installed)
    ):
        db.session.execute(insert(Placement), batch)
    db.session.commit()
    return {"first_device": first_device, "shelf": shelf, "in_transit": in_transit}


def _ledger(world: dict, first_device: int, long_device: int, store_ids: list[int]) -> None:
    echo, mid, devices, now = (
        world["echo"],
        world["municipality_id"],
        world["devices"],
        world["now"],
    )
    movements = world["movements"]
    echo(f"  movements: {movements}")
    per_device = max(1, movements // max(devices, 1))

    def ledger():
        made = 0
        for i in range(devices):
            device_id = first_device + i
            count = LONG_HISTORY if device_id == long_device else per_device
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
        columns = ("device_id", "municipality_id", "at", "kind", "from_status", "to_status")
        copy_rows("movements", (*columns, "to_store_id"), ledger())
    else:
        for n, batch in enumerate(batched(ledger(), 20000)):
            db.session.execute(insert(Movement), batch)
            if n % 25 == 0:
                db.session.commit()
    db.session.commit()


def build(world: dict) -> dict:
    world["echo"](
        f"  {world['products']} products, {world['stores']} stores and their responsible people"
    )
    products = _products(world)
    store_ids = _stores(world)
    first_recipient = _recipients(world)
    devices = _devices(world, products, store_ids, first_recipient)
    long_device = devices["first_device"] + 1  # installed (1 % 10 < 6)
    _ledger(world, devices["first_device"], long_device, store_ids)
    return {
        **products,
        **devices,
        "store_ids": store_ids,
        "long_device": long_device,
        "recipient": first_recipient + 1,
        "store": store_ids[0],
        "serial_fragment": f"{world['devices'] // 2:08d}"[-6:],
    }


def find(world: dict) -> dict:
    first_device = db.session.scalar(select(func.min(Device.id)))
    devices = db.session.scalar(select(func.count(Device.id)))
    return {
        "long_device": first_device + 1,
        "recipient": db.session.scalar(select(func.min(Recipient.id))) + 1,
        "store": db.session.scalar(
            select(Store.id).where(
                Store.municipality_id == world["municipality_id"], Store.name == "Lager 000"
            )
        ),
        "serial_fragment": f"{devices // 2:08d}"[-6:],
    }


def install_and_return(bench) -> dict[str, list[float]]:
    """Install a device from the shelf and return it, `samples` times, through the API."""
    with bench.app.app_context():
        shelf = list(
            db.session.scalars(
                select(Device.id)
                .where(Device.status == "in_stock")
                .order_by(Device.id)
                .limit(bench.samples)
            )
        )
    installs, returns = [], []
    for device_id in shelf:
        took, response = timed(
            lambda device_id=device_id: bench.api.post(
                "/api/v1/placements",
                # One recipient for every sample: a second device of its kind is intended.
                json={
                    "device_id": device_id,
                    "recipient_id": bench.world["recipient"],
                    "confirmed": True,
                },
            )
        )
        installs.append(took)
        assert response.status_code == 201, response.get_json()
        placement = response.get_json()["id"]
        took, response = timed(
            lambda placement=placement: bench.api.post(
                f"/api/v1/placements/{placement}/return",
                json={
                    "reason": "faulty",
                    "destination": "store",
                    "store_id": bench.world["store"],
                    "checklist": ["retrieved", "reset", "cleaned", "inspected"],
                },
            )
        )
        returns.append(took)
        assert response.status_code == 200, response.get_json()
    return {"install (API)": installs, "return (API)": returns}


def _search(ids: dict) -> str:
    return f"/search?q={ids['serial_fragment']}"


PART = BenchPart(
    build=build,
    find=find,
    checks=(
        BenchCheck("serial search (page)", _search, target_ms=50),
        BenchCheck(
            "serial search (API)",
            lambda ids: f"/api/v1/devices?serial={ids['serial_fragment']}",
            api=True,
            target_ms=50,
        ),
        BenchCheck(
            "device page, 400-line history",
            lambda ids: f"/devices/{ids['long_device']}",
            target_ms=50,
        ),
        BenchCheck("recipient page", lambda ids: f"/recipients/{ids['recipient']}"),
        BenchCheck(
            "device list, filtered, first page",
            lambda ids: "/devices?status=installed",
            target_ms=150,
        ),
        BenchCheck(
            "device list, filtered, page 2000",
            lambda ids: "/devices?status=installed&page=2000",
            target_ms=150,
        ),
        BenchCheck("device list, unfiltered, first page", lambda ids: "/devices", target_ms=150),
        BenchCheck(
            "device list, unfiltered, page 5000", lambda ids: "/devices?page=5000", target_ms=150
        ),
        BenchCheck(
            "device list API, first page",
            lambda ids: "/api/v1/devices?status=in_stock&limit=50",
            api=True,
            target_ms=150,
        ),
    ),
    writes=install_and_return,
    targets={"install (API)": 100, "return (API)": 100},
    exports=(
        ("all devices as CSV", "/devices/export.csv", 10),
        ("all devices as XLSX", "/devices/export.xlsx", 30),
    ),
)
