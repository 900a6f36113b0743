"""Demo equipment: a year and a half of a shared service's alarms, sensors and dispensers.

Deterministic (seeded), so every demo installation tells the same story.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from vftops.equipment import operations as ops
from vftops.equipment.checklist import checklist_items
from vftops.equipment.models import DeviceStatus, Placement
from vftops.extensions import db
from vftops.suppliers.operations import create_supplier

# (name, support phone, support e-mail, lead time in days, order e-mail: orders to
# a supplier without one are printed)
SUPPLIERS = [
    ("Tunstall Norge AS", "22 00 00 01", "support@tunstall.example.no", 10, None),
    (
        "Careium AS",
        "22 00 00 02",
        "kundeservice@careium.example.no",
        14,
        "ordre@careium.example.no",
    ),
    (
        "Evondos Norge AS",
        "22 00 00 03",
        "support@evondos.example.no",
        21,
        "ordre@evondos.example.no",
    ),
    ("Phoniro AS", "22 00 00 04", "support@phoniro.example.no", 28, None),
]
# Monthly rent of the leased products (kroner).
MONTHLY_RENT = {"E300": "690.00", "GPS-klokke Q": "149.00"}

# (supplier, category, manufacturer, model, personal data, lifetime months,
#  extra checklist items, standard configuration)
PRODUCTS = [
    (
        0,
        "safety_alarm",
        "Tunstall",
        "Lifeline Smart Hub",
        False,
        60,
        ["Armbåndsknapp medfølger"],
        "Ringer responssenteret; to kontaktpersoner; armbåndsknapp paret",
    ),
    (
        1,
        "safety_alarm",
        "Careium",
        "Personal Care Terminal",
        False,
        60,
        [],
        "Ringer responssenteret; talevolum 7",
    ),
    (
        1,
        "mobile_alarm",
        "Careium",
        "GPS-klokke Q",
        True,
        36,
        ["Lader medfølger"],
        "Posisjon hvert 5. minutt; geofence 500 m rundt bolig",
    ),
    (
        2,
        "medicine_dispenser",
        "Evondos",
        "E300",
        True,
        48,
        ["Medisinrull fjernet"],
        "Fire doseringer per døgn; varsler hjemmetjenesten ved glemt dose",
    ),
    (
        0,
        "bed_sensor",
        "Tunstall",
        "Sengesensor",
        False,
        60,
        [],
        "Varsler etter 20 minutter ute av seng",
    ),
    (0, "door_sensor", "Tunstall", "Dørsensor", False, 60, [], "Aktiv 22–07"),
    (0, "fall_sensor", "Tunstall", "Fallsensor iVi", False, 48, [], "Standard følsomhet"),
    (
        0,
        "smoke_detector",
        "Tunstall",
        "Røykvarsler R2",
        False,
        120,
        [],
        "Koblet til trygghetsalarm",
    ),
    (
        3,
        "electronic_lock",
        "Phoniro",
        "Care Lock",
        True,
        84,
        ["Nøkler levert tilbake"],
        "Tilgang for hjemmetjenesten i sonen",
    ),
    (
        1,
        "digital_supervision",
        "Careium",
        "Tilsynskamera",
        True,
        48,
        [],
        "Kun silhuett; tilsyn 23, 02 og 05",
    ),
]

FIRST = [
    "Kari",
    "Ola",
    "Ingrid",
    "Arne",
    "Solveig",
    "Kjell",
    "Astrid",
    "Per",
    "Randi",
    "Odd",
    "Berit",
    "Knut",
    "Gunn",
    "Terje",
    "Liv",
    "Egil",
    "Marit",
    "Svein",
    "Turid",
    "Harald",
]
LAST = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Aune",
    "Moen",
    "Lien",
    "Haugen",
    "Berg",
    "Hegre",
    "Sandvik",
    "Viken",
]
STREETS = [
    "Kjøpmannsgata",
    "Stokkanvegen",
    "Hegrevegen",
    "Innherredsvegen",
    "Moafjæra",
    "Skjelstadmarka",
    "Fjellvegen",
    "Meråkervegen",
    "Stasjonsvegen",
    "Elvevegen",
]
ACCESS = [
    "Nøkkelboks ved inngangsdøra, kode hos hjemmetjenesten",
    "Ring på, bruker er tunghørt",
    "Hund i huset, vennlig",
    "Inngang fra baksiden",
    "Nøkkel hos nabo i nr. 3",
    None,
]


def load_equipment_demo(municipalities: dict, units: dict, users: dict, stores: dict) -> dict:
    """Suppliers, products, about 300 devices in `stores` (made by the stock demo) and
    100 recipients. Caller commits."""
    rnd = random.Random(2026)  # noqa: S311 - demo data, not security
    tech = users["tekniker"]
    stjordal, meraker = municipalities["5035"], municipalities["5034"]
    suppliers = [
        create_supplier(
            None, name=n, support_phone=p, support_email=e, lead_time_days=d, order_email=o
        )
        for n, p, e, d, o in SUPPLIERS
    ]
    products = []
    for sup, category, manufacturer, model, personal, life, extra, config in PRODUCTS:
        products.append(
            ops.create_product(
                None,
                category=category,
                manufacturer=manufacturer,
                model=model,
                stores_personal_data=personal,
                lifetime_months=life,
                return_checklist=extra,
                standard_configuration=config,
                supplier_id=suppliers[sup].id,
                monthly_rent=MONTHLY_RENT.get(model),
            )
        )
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=540)

    # Deliveries: most to the central store, some to the local stores.
    devices = []
    for n in range(300):
        product = products[n % len(products)] if n % 3 else products[0]
        store = (
            stores["meraker"]
            if n % 7 == 0
            else stores["kvisla"]
            if n % 5 == 0
            else stores["central"]
        )
        received = start + timedelta(days=rnd.randint(0, 60))
        serial = f"{product.manufacturer[:2].upper()}{product.model[:2].upper()}{100000 + n * 37}"
        data = {}
        if product.category in ("safety_alarm", "mobile_alarm"):
            data["phone_number"] = f"4{rnd.randint(1000000, 9999999)}"
        devices.append(
            ops.register_device(
                tech,
                product=product,
                store=store,
                serial_number=serial,
                reason="Leveranse fra rammeavtale",
                received_at=received,
                ownership="leased" if product.category == "medicine_dispenser" else "owned",
                acquired_on=received.date(),
                **data,
            )
        )
    db.session.flush()

    # Recipients in both municipalities, each with a home-care unit.
    zones = {
        stjordal.id: [units["Hjemmetjenesten sone nord"], units["Hjemmetjenesten sone sør"]],
        meraker.id: [units["Hjemmetjenesten"]],
    }
    recipients = []
    for n in range(100):
        municipality = meraker if n % 5 == 0 else stjordal
        recipients.append(
            ops.create_recipient(
                tech,
                municipality,
                name=f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                address=f"{rnd.choice(STREETS)} {rnd.randint(1, 120)}",
                postal_code="7500" if municipality is stjordal else "7530",
                city="Stjørdal" if municipality is stjordal else "Meråker",
                phone=f"9{rnd.randint(1000000, 9999999)}",
                access_note=rnd.choice(ACCESS),
                journal_ref=f"EPJ-{municipality.number}-{10000 + n}",
                decision_ref=f"VT-{2025 + n % 2}-{300 + n}",
                next_evaluation_on=now.date() + timedelta(days=rnd.randint(-20, 300)),
                is_critical=n % 9 == 0,
                unit_id=rnd.choice(zones[municipality.id]).id,
                relatives=[
                    {
                        "name": f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                        "phone": f"4{rnd.randint(1000000, 9999999)}",
                        "relation": "barn",
                        "responds_to_alarms": n % 2 == 0,
                    }
                ],
            )
        )
    db.session.flush()

    # Installs, then returns and replacements spread over the period.
    spare = {d.id: d for d in devices}

    def take(municipality_id, category=None):
        for device in list(spare.values()):
            if device.municipality_id == municipality_id and (
                category is None or device.product.category == category
            ):
                return spare.pop(device.id)
        return None

    def home_store(recipient):
        return stores["central"] if recipient.municipality_id == stjordal.id else stores["meraker"]

    for n, recipient in enumerate(recipients):
        device = take(recipient.municipality_id, "safety_alarm")
        if device is None:
            continue
        installed = start + timedelta(days=70 + rnd.randint(0, 300))
        placement = ops.install(
            tech,
            device,
            recipient,
            installed_at=installed,
            config_note="Ekstra kontaktperson lagt inn" if n % 4 == 0 else None,
            config_settings={"talevolum": "9"} if n % 6 == 0 else {},
            training_note="Gjennomgått med bruker og pårørende",
            follow_up_on=(installed + timedelta(days=30)).date(),
        )
        if n % 3 == 0:  # a sensor too
            extra = take(recipient.municipality_id)
            if extra is not None and extra.product.category != "safety_alarm":
                ops.install(tech, extra, recipient, installed_at=installed + timedelta(hours=1))
        if n % 10 == 1:  # a fault: replaced
            replacement = take(recipient.municipality_id, "safety_alarm")
            if replacement is not None:
                db.session.flush()
                ops.replace_device(
                    tech,
                    placement,
                    replacement,
                    destination="repair",
                    note="Mistet forbindelse til responssenteret",
                    at=min(installed + timedelta(days=30 + n * 37 % 170), now - timedelta(days=1)),
                )
        elif n % 10 == 3:  # service ended, device back and reset
            returned = installed + timedelta(days=rnd.randint(30, 120))
            ops.return_device(
                tech,
                placement,
                reason="service_ended",
                destination="store",
                store=stores["central"]
                if recipient.municipality_id == stjordal.id
                else stores["meraker"],
                checklist=[k for k, _ in checklist_items(device.product)],
                returned_at=min(returned, now - timedelta(days=1)),
            )
            recipient.service_ended_on = min(returned, now).date()
        elif n % 10 == 5:  # taken back, waiting to be reset
            ops.return_device(
                tech,
                placement,
                reason="moved",
                destination="store",
                store=device.store or stores["central"]
                if recipient.municipality_id == stjordal.id
                else stores["meraker"],
                checklist=["retrieved"],
                returned_at=now - timedelta(days=rnd.randint(2, 20)),
            )
        elif n % 10 == 7:  # service ended, but the device is still out
            recipient.service_ended_on = (now - timedelta(days=rnd.randint(3, 40))).date()
    # Today's round for the demo technician: an install, a return and a follow-up.
    today = now.astimezone(ZoneInfo("Europe/Oslo")).date()
    waiting = [r for r in recipients if r.municipality_id == stjordal.id][-3:]
    spare_alarm = take(stjordal.id, "safety_alarm")
    if spare_alarm is not None:
        ops.plan_visit(
            users["servicedesk"],
            waiting[0],
            kind="install",
            assigned_to=tech,
            planned_on=today,
            device=spare_alarm,
            note="Ny trygghetsalarm etter vedtak; pårørende møter opp",
        )
    db.session.flush()
    open_ones = list(
        db.session.scalars(
            select(Placement)
            .where(Placement.returned_at.is_(None), Placement.municipality_id == stjordal.id)
            .limit(2)
        )
    )
    if open_ones:
        ops.plan_visit(
            users["servicedesk"],
            open_ones[0].recipient,
            kind="return",
            assigned_to=tech,
            planned_on=today,
            placement=open_ones[0],
            note="Tjenesten avsluttes",
        )
    ops.plan_visit(
        users["servicedesk"],
        waiting[1],
        kind="test",
        assigned_to=tech,
        planned_on=today + timedelta(days=2),
        note="Periodisk alarmkontroll",
    )
    # A few devices at the end of their life.
    for device in list(spare.values())[:4]:
        if device.status == DeviceStatus.IN_STOCK:
            ops.change_status(tech, device, "scrapped", reason="Utløpt levetid")
    db.session.flush()
    return {
        "suppliers": suppliers,
        "products": products,
        "stores": stores,
        "recipients": recipients,
    }


def load(world: dict) -> dict:
    """Suppliers, the catalogue, devices in the stores and at recipients. The stores are
    stock's (asked for through the `demo.stores` hook), made before the devices in them."""
    from vftops.core.modules import hooks

    make_stores = hooks("demo.stores")
    stores = make_stores[0](world["municipalities"], world["users"]) if make_stores else {}
    return load_equipment_demo(world["municipalities"], world["units"], world["users"], stores)
