"""Demo users: one per role. This is the only place a known password exists; it is loaded by
`flask vftops demo` (and by `make run` on an empty database), never otherwise."""

from __future__ import annotations

from vftops.auth import operations as ops
from vftops.core.permissions import Role

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


def load(world: dict) -> dict:
    """The demo users, members of the demo municipalities and units."""
    municipalities, units = world["municipalities"], world["units"]
    users = {}
    for username, full_name, roles, numbers, unit_names in DEMO_USERS:
        users[username] = ops.create_user(
            None,
            username=username,
            full_name=full_name,
            password=DEMO_PASSWORD,
            email=f"{username}@example.no",
            roles=[r.value for r in roles],
            municipality_ids=[municipalities[n].id for n in numbers],
            unit_ids=[units[u].id for u in unit_names],
        )
    return {"users": users}
