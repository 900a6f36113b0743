"""The systems register's demo: six systems run by Stjørdal and shared with Meråker (a
response-centre solution, a dispenser portal, the remote-care system, MDM, a supplier
portal and vftops itself), each with its roles."""

from __future__ import annotations

from vftops.extensions import db
from vftops.systems import operations as ops
from vftops.systems.models import SystemKind

# name, kind, supplier, who grants access, account source, interval, roles
# roles: (name, what it allows, privileged, jobs)
SYSTEMS = [
    (
        "Responssenterløsning",
        SystemKind.RESPONSE_CENTRE,
        "Tunstall Norge AS",
        ("team", "Servicedesk"),
        "local",
        6,
        [
            (
                "Operatør",
                "Tar imot og håndterer alarmer for alle tjenestemottakere",
                False,
                ["response_centre", "servicedesk"],
            ),
            (
                "Hjemmetjeneste",
                "Ser og kvitterer alarmer for tjenestemottakere i egen sone",
                False,
                ["home_care_nurse"],
            ),
            ("Tekniker", "Legger inn og tester utstyr hos tjenestemottaker", False, ["technician"]),
            (
                "Pårørende-app",
                "Får varsel og ser status for én tjenestemottaker",
                False,
                ["relative"],
            ),
            ("Administrator", "Alle innstillinger og alle tjenestemottakere", True, ["it"]),
        ],
    ),
    (
        "Dosettportal",
        SystemKind.DISPENSER_PORTAL,
        "Evondos Norge AS",
        ("supplier", None),
        "supplier",
        6,
        [
            (
                "Sykepleier",
                "Ser doseringsplan og varsler for egne tjenestemottakere",
                False,
                ["home_care_nurse"],
            ),
            (
                "Superbruker",
                "Legger til tjenestemottakere og endrer doseringsplaner",
                True,
                ["home_care_nurse", "it"],
            ),
        ],
    ),
    (
        "Fjernpleiesystem",
        SystemKind.REMOTE_CARE,
        None,
        ("user", "it"),
        "directory",
        6,
        [
            (
                "Helsepersonell",
                "Dokumenterer og leser journal for egne tjenestemottakere",
                False,
                ["home_care_nurse"],
            ),
            ("Leder", "Leser journal og rapporter for egen enhet", False, ["unit_manager"]),
            ("Systemansvarlig", "Tilgang til alle tjenestemottakere og oppsett", True, ["it"]),
        ],
    ),
    (
        "MDM",
        SystemKind.MDM,
        None,
        ("user", "it"),
        "directory",
        12,
        [
            ("Enhetsadministrator", "Ruller ut og sletter nettbrett og telefoner", True, ["it"]),
            ("Lesetilgang", "Ser enheter og status", False, ["technician", "servicedesk"]),
        ],
    ),
    (
        "Leverandørportal",
        SystemKind.SUPPLIER_PORTAL,
        "Careium AS",
        ("user", "innkjop"),
        "supplier",
        12,
        [
            ("Bestiller", "Bestiller utstyr og ser leveranser", False, ["technician"]),
            ("Avtaleansvarlig", "Ser priser, fakturaer og avtaler", False, []),
        ],
    ),
    (
        "vftops",
        SystemKind.VFTOPS,
        None,
        ("user", "admin"),
        "local",
        6,
        [],
    ),
]


def load(world: dict) -> dict:
    """The systems and their roles. Caller commits."""
    municipalities, users = world["municipalities"], world["users"]
    stjordal, meraker = municipalities["5035"], municipalities["5034"]
    suppliers = {s.name: s for s in world.get("suppliers", [])}
    systems, roles = {}, {}
    for name, kind, supplier, (admin_kind, admin), source, interval, role_rows in SYSTEMS:
        # A team that grants access is the routing's: access control's demo names it.
        admin_fields = {"admin_user_id": users[admin].id} if admin_kind == "user" else {}
        system = ops.create_system(
            None,
            stjordal,
            name=name,
            kind=kind.value,
            supplier_id=suppliers[supplier].id if supplier else None,
            owner_id=users["admin"].id,
            admin_kind=admin_kind,
            account_source=source,
            holds_health_data=kind
            in (
                SystemKind.RESPONSE_CENTRE,
                SystemKind.DISPENSER_PORTAL,
                SystemKind.REMOTE_CARE,
                SystemKind.VFTOPS,
            ),
            review_interval_months=interval,
            shared_with_ids=[meraker.id],
            **admin_fields,
        )
        systems[name] = system
        for role_name, allows, privileged, jobs in role_rows:
            roles[(name, role_name)] = ops.create_role(
                None,
                system,
                name=role_name,
                description=allows,
                is_privileged=privileged,
                job_functions=jobs,
            )
    db.session.flush()

    return {"systems": systems, "system_roles": roles}
