"""The access demo: six systems with their roles, and about 200 grants across the units of
both municipalities: employees with and without a vftops login, relatives with app access,
two people who left but still have access, and some history (ended grants, a change of
role)."""

from __future__ import annotations

import random
from datetime import timedelta

from vftops.access import operations as ops
from vftops.auth.operations import create_user, set_user_active
from vftops.core.models import local_today
from vftops.equipment.demo import FIRST, LAST
from vftops.extensions import db

# Systems whose access a team grants: (system, team of Stjørdal, which runs them).
ADMIN_TEAMS = {"Responssenterløsning": "Servicedesk"}
EMPLOYERS = {"5035": "Stjørdal kommune", "5034": "Meråker kommune"}


def load(world: dict) -> dict:
    """Systems and grants. Caller commits."""
    rnd = random.Random(4711)  # noqa: S311 - demo data, not security
    today = local_today()
    municipalities, units, users = world["municipalities"], world["units"], world["users"]
    stjordal, meraker = municipalities["5035"], municipalities["5034"]
    desks = world.get("desks", {})
    systems, roles = world["systems"], world["system_roles"]
    # The team that grants access to the response centre: its access tickets go there.
    for name, team in ADMIN_TEAMS.items():
        ops.update_system(None, systems[name], admin_team_id=desks["5035"].teams[team].id)
    db.session.flush()

    zones = {
        "5035": [
            units[n]
            for n in (
                "Hjemmetjenesten sone nord",
                "Hjemmetjenesten sone sør",
                "Kvislamarka bo- og aktivitetssenter",
            )
        ],
        "5034": [units[n] for n in ("Hjemmetjenesten", "Meråker sykehjem")],
    }
    it = users["it"]

    def grant(system, role, holder, municipality, unit, *, days_ago, account=None, reason, by=it):
        return ops.grant_access(
            by,
            systems[system],
            roles[(system, role)],
            holder,
            municipality=municipality,
            unit=unit,
            account_name=account,
            starts_on=today - timedelta(days=days_ago),
            reason=reason,
        )

    # Nurses and assistants without a vftops login: the response-centre app, the dispenser
    # portal and the journal, in their own unit.
    used: set[str] = set()
    for number, count in (("5035", 40), ("5034", 18)):
        municipality = municipalities[number]
        for n in range(count):
            while True:
                name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
                if name not in used:
                    used.add(name)
                    break
            holder = ops.Holder.person(name, EMPLOYERS[number])
            unit = zones[number][n % len(zones[number])]
            account = name.lower().replace(" ", ".").replace("ø", "o").replace("å", "a")
            days = rnd.randint(30, 1400)
            grant(
                "Responssenterløsning",
                "Hjemmetjeneste",
                holder,
                municipality,
                unit,
                days_ago=days,
                account=account,
                reason="Ansatt i hjemmetjenesten",
            )
            grant(
                "Fjernpleiesystem",
                "Helsepersonell",
                holder,
                municipality,
                unit,
                days_ago=days,
                account=account,
                reason="Ansatt i hjemmetjenesten",
            )
            if n % 3 == 0:
                grant(
                    "Dosettportal",
                    "Sykepleier",
                    holder,
                    municipality,
                    unit,
                    days_ago=max(days - 20, 1),
                    account=account,
                    reason="Følger opp medisindispensere",
                )
            if n % 11 == 5:  # a superuser too: privileged, pointed out in the review
                grant(
                    "Dosettportal",
                    "Superbruker",
                    holder,
                    municipality,
                    unit,
                    days_ago=max(days - 40, 1),
                    account=account + ".admin",
                    reason="Ressursperson for medisindispensere",
                )

    # Relatives with the app, for recipients in both municipalities.
    for recipient in world.get("recipients", [])[:24]:
        for relative in recipient.relatives[:1]:
            municipality = stjordal if recipient.municipality_id == stjordal.id else meraker
            unit = next(
                (u for u in zones["5035"] + zones["5034"] if u.id == recipient.unit_id), None
            )
            grant(
                "Responssenterløsning",
                "Pårørende-app",
                ops.Holder.relative(recipient, relative.name, relative.relation),
                municipality,
                unit,
                days_ago=rnd.randint(10, 600),
                account=relative.phone,
                reason="Pårørende som mottar varsler",
                by=users["servicedesk"],  # who may see recipients
            )

    # vftops users who work in the systems.
    staff = [
        ("servicedesk", "Responssenterløsning", "Operatør", None),
        ("tekniker", "Responssenterløsning", "Tekniker", "Hjelpemiddellageret"),
        ("tekniker", "MDM", "Lesetilgang", "Hjelpemiddellageret"),
        ("lagerleder", "Leverandørportal", "Bestiller", "Hjelpemiddellageret"),
        ("innkjop", "Leverandørportal", "Avtaleansvarlig", None),
        ("it", "Responssenterløsning", "Administrator", None),
        ("it", "Fjernpleiesystem", "Systemansvarlig", None),
        ("it", "MDM", "Enhetsadministrator", None),
        ("leder", "Fjernpleiesystem", "Leder", "Hjemmetjenesten sone nord"),
    ]
    for username, system, role, unit in staff:
        grant(
            system,
            role,
            ops.Holder.of_user(users[username]),
            stjordal,
            units[unit] if unit else None,
            days_ago=rnd.randint(200, 900),
            account=username,
            reason="Arbeidsoppgaver",
        )

    # Two who left: their vftops login is closed, but their access elsewhere was never
    # ended (the review points them out).
    for username, full_name, unit, system, role in (
        (
            "kari.sluttet",
            "Kari Sluttet",
            "Hjemmetjenesten sone sør",
            "Fjernpleiesystem",
            "Helsepersonell",
        ),
        (
            "ole.sluttet",
            "Ole Sluttet",
            "Kvislamarka bo- og aktivitetssenter",
            "Responssenterløsning",
            "Hjemmetjeneste",
        ),
    ):
        leaver = create_user(
            None,
            username=username,
            full_name=full_name,
            password=rnd.randbytes(16).hex(),
            roles=["technician"],
            municipality_ids=[stjordal.id],
            unit_ids=[units[unit].id],
        )
        grant(
            system,
            role,
            ops.Holder.of_user(leaver),
            stjordal,
            units[unit],
            days_ago=rnd.randint(400, 900),
            account=username,
            reason="Ansatt",
        )
        set_user_active(users["admin"], leaver, False)

    # History: some left and were ended properly; one changed role.
    history = []
    for n in range(6):
        holder = ops.Holder.person(f"{FIRST[n]} {LAST[-n - 1]}", EMPLOYERS["5035"])
        old = grant(
            "Responssenterløsning",
            "Hjemmetjeneste",
            holder,
            stjordal,
            zones["5035"][n % 3],
            days_ago=700 + n * 30,
            reason="Vikar i sommer",
        )
        history.append(old)
    db.session.flush()
    for n, old in enumerate(history):
        if n == 0:
            ops.change_role(
                it,
                old,
                roles[("Responssenterløsning", "Operatør")],
                on=today - timedelta(days=120),
                reason="Ny stilling i responssenteret",
            )
        else:
            ops.end_grant(it, old, ends_on=today - timedelta(days=400 - n * 40), reason="Sluttet")
    db.session.flush()
    _orders(users, units, systems, roles, today)
    _reviews(users, stjordal, meraker, systems, today)
    _account_list(users["it"], systems["MDM"], today)
    return {"systems": systems, "system_roles": roles}


def _account_list(it, mdm, today) -> None:
    """MDM's account list of this morning, applied: everyone in the register is there,
    with their last login, and one service account nobody has registered."""
    from sqlalchemy import select

    from vftops.access.models import AccessGrant

    grants = db.session.scalars(
        select(AccessGrant)
        .where(AccessGrant.system_id == mdm.id, AccessGrant.ended_at.is_(None))
        .order_by(AccessGrant.id)
    ).all()
    lines = ["Brukernavn;Visningsnavn;Rolle;Sist innlogget"]
    for n, grant in enumerate(grants):
        if grant.account_name:
            lines.append(
                f"{grant.account_name};{grant.holder_name};{grant.role.name};"
                f"{(today - timedelta(days=n % 9)):%d.%m.%Y} 0{7 + n % 3}:30"
            )
    lines.append(
        f"svc-utrulling;Tjenestekonto utrulling;Enhetsadministrator;{today:%d.%m.%Y} 02:00"
    )
    listing = ops.read_account_list(
        it,
        mdm,
        "mdm-kontoer.csv",
        ("\r\n".join(lines) + "\r\n").encode(),
        ops.guess_mapping(lines[0].split(";")),
    )
    db.session.flush()
    ops.apply_account_list(it, listing)


def _reviews(users, stjordal, meraker, systems, today) -> None:
    """A closed review of the supplier portal (one access ended, its removal confirmed),
    and this autumn's review of the three care systems in both municipalities: past its
    answer-by date, Line Leder halfway through, the service desk (the fallback reviewer)
    a little way."""
    it, leder, desk = users["it"], users["leder"], users["servicedesk"]
    spring = ops.create_review(
        it,
        stjordal,
        name="Tilgangskontroll vår 2026",
        system_ids=[systems["Leverandørportal"].id],
        municipality_ids=[stjordal.id],
        starts_on=today - timedelta(days=200),
        due_on=today - timedelta(days=180),
        fallback_reviewer_id=it.id,
    )
    ops.start_review(it, spring)
    db.session.flush()
    for item in _items_of(spring, it):
        if item.grant.user_id == users["innkjop"].id:
            ops.decide(it, item, decision="end", reason="Avtalene følges opp i vftops nå")
        else:
            ops.decide(it, item, decision="keep", reason="Bestiller utstyr til lageret")
    for unit_id in {i.unit_id for i in _items_of(spring, it)}:
        ops.submit_unit(it, spring, unit_id)
    db.session.flush()
    for item in _items_of(spring, it):
        if item.task is not None:
            ops.complete_task(it, item.task)
    ops.close_review(it, spring)

    autumn = ops.create_review(
        it,
        stjordal,
        name="Tilgangskontroll høst 2026",
        system_ids=[
            systems[n].id for n in ("Responssenterløsning", "Dosettportal", "Fjernpleiesystem")
        ],
        municipality_ids=[stjordal.id, meraker.id],
        starts_on=today - timedelta(days=20),
        due_on=today - timedelta(days=2),
        escalate_on=today + timedelta(days=5),
        fallback_reviewer_id=desk.id,
    )
    ops.start_review(it, autumn)
    db.session.flush()
    mine = _items_of(autumn, leder)
    for n, item in enumerate(mine[: len(mine) // 2]):
        if n == 0 and not item.is_privileged:
            ops.decide(leder, item, decision="end", reason="Har byttet avdeling")
        else:
            ops.decide(leder, item, decision="keep", reason="Trengs i jobben")
    for item in _items_of(autumn, desk)[:10]:
        ops.decide(desk, item, decision="keep", reason="Kontrollert mot vaktlista")
    db.session.flush()


def _items_of(review, reviewer):
    from sqlalchemy import select

    from vftops.access.models import AccessReviewItem

    return list(
        db.session.scalars(
            select(AccessReviewItem)
            .where(
                AccessReviewItem.review_id == review.id,
                AccessReviewItem.reviewer_id == reviewer.id,
            )
            .order_by(AccessReviewItem.id)
        )
    )


def _orders(users, units, systems, roles, today) -> None:
    """Line Leder's orders for Hjemmetjenesten sone nord: a summer temp whose account IT has
    made, and a new nurse whose access to the dispenser portal is still to be given."""
    manager, it = users["leder"], users["it"]
    nord = units["Hjemmetjenesten sone nord"]
    done = ops.order_access(
        manager,
        unit=nord,
        holder=ops.Holder.person("Sofie Sommervikar", EMPLOYERS["5035"]),
        system=systems["Responssenterløsning"],
        role=roles[("Responssenterløsning", "Hjemmetjeneste")],
        starts_on=today - timedelta(days=3),
        reason="Sommervikar i sone nord",
    )
    ops.complete_task(it, done.tasks[0], account_name="sofie.sommervikar")
    ops.order_access(
        manager,
        unit=nord,
        holder=ops.Holder.person("Nora Nyansatt", EMPLOYERS["5035"]),
        system=systems["Dosettportal"],
        role=roles[("Dosettportal", "Sykepleier")],
        starts_on=today + timedelta(days=4),
        reason="Ny sykepleier fra mandag",
    )
    db.session.flush()
