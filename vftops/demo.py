"""Demo data: a shared service for Stjørdal and Meråker, one user per role.

This is the only place a known password exists. It is loaded by
`flask vftops demo` (and by `make run` on an empty database), never otherwise.
"""

from __future__ import annotations

from vftops.auth import operations as auth_ops
from vftops.core.permissions import Role
from vftops.extensions import db
from vftops.org import operations as org_ops
from vftops.org.models import UnitKind

DEMO_PASSWORD = "vftops-demo-2026"  # noqa: S105 - documented demo password

# (username, full name, roles, municipalities by number, units by name)
DEMO_USERS = [
    ("admin", "Ada Administrator", [Role.ADMIN], ["5035", "5034"], []),
    ("it", "Ivar IT-drift", [Role.IT], ["5035", "5034"], []),
    ("servicedesk", "Siri Servicedesk", [Role.SERVICEDESK], ["5035", "5034"], []),
    ("tekniker", "Tore Tekniker", [Role.TECHNICIAN], ["5035", "5034"], []),
    ("innkjop", "Ingrid Innkjøp", [Role.PROCUREMENT], ["5035", "5034"], []),
    # Runs the shared store: moves stock like a technician, orders like procurement.
    ("lagerleder", "Lars Lagerleder", [Role.TECHNICIAN, Role.PROCUREMENT], ["5035", "5034"], []),
    ("leder", "Line Leder", [Role.MANAGER], ["5035"], ["Hjemmetjenesten sone nord"]),
    ("revisor", "Rolf Revisor", [Role.AUDITOR], ["5035", "5034"], []),
]

# Municipality → [(unit, kind, parent)]
DEMO_UNITS = {
    ("Stjørdal", "5035"): [
        ("Helse og velferd", UnitKind.VIRKSOMHET, None),
        ("Hjemmetjenesten sone nord", UnitKind.SONE, "Helse og velferd"),
        ("Hjemmetjenesten sone sør", UnitKind.SONE, "Helse og velferd"),
        ("Kvislamarka bo- og aktivitetssenter", UnitKind.AVDELING, "Helse og velferd"),
        ("Hjelpemiddellageret", UnitKind.AVDELING, "Helse og velferd"),
    ],
    ("Meråker", "5034"): [
        ("Helse og omsorg", UnitKind.VIRKSOMHET, None),
        ("Hjemmetjenesten", UnitKind.SONE, "Helse og omsorg"),
        ("Meråker sykehjem", UnitKind.AVDELING, "Helse og omsorg"),
    ],
}


def database_is_empty() -> bool:
    from sqlalchemy import func, select

    from vftops.auth.models import User
    from vftops.org.models import Municipality

    users = db.session.scalar(select(func.count(User.id)))
    municipalities = db.session.scalar(select(func.count(Municipality.id)))
    return users == 0 and municipalities == 0


def load_demo() -> dict[str, object]:
    """Create the demo organisation and users. The caller commits."""
    municipalities = {}
    units = {}
    for (name, number), unit_rows in DEMO_UNITS.items():
        municipality = org_ops.create_municipality(None, name=name, number=number)
        municipalities[number] = municipality
        for unit_name, kind, parent_name in unit_rows:
            parent = units.get(parent_name)
            unit = org_ops.create_unit(
                None,
                municipality,
                name=unit_name,
                kind=kind.value,
                parent_id=parent.id if parent else None,
            )
            db.session.flush()
            units[unit_name] = unit
    users = {}
    for username, full_name, roles, numbers, unit_names in DEMO_USERS:
        users[username] = auth_ops.create_user(
            None,
            username=username,
            full_name=full_name,
            password=DEMO_PASSWORD,
            email=f"{username}@example.no",
            roles=[r.value for r in roles],
            municipality_ids=[municipalities[n].id for n in numbers],
            unit_ids=[units[u].id for u in unit_names],
        )
    from vftops.equipment.demo import load_equipment_demo
    from vftops.stock.demo import create_demo_stores, load_stock_demo
    from vftops.support.demo import load_support_demo

    # The stores first (stock keeps them), then the devices in them (equipment).
    stores = create_demo_stores(municipalities, users)
    equipment = load_equipment_demo(municipalities, units, users, stores)
    load_stock_demo(municipalities, users, **equipment)
    load_support_demo(municipalities, users, **equipment)
    return {"municipalities": municipalities, "units": units, "users": users}
