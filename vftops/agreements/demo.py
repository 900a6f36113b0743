"""The agreements demo: the shared service's real-looking agreements — a framework for
safety alarms whose option must be decided next month, a lease of 450 alarms in its
notice window, the response-centre service agreement with its service levels, a
dispenser lease, an MDM licence of 120 licences and a data processing agreement — with
prices, and the suppliers' addresses and contacts."""

from __future__ import annotations

import random
from datetime import timedelta

from vftops.agreements import operations as ops
from vftops.agreements.terms import add_months
from vftops.core.models import local_today, utcnow
from vftops.extensions import db
from vftops.suppliers.operations import add_contact, create_supplier, update_supplier

# (supplier, org number, street, postcode, city, contacts: (name, role, e-mail, phone))
SUPPLIER_DETAILS = [
    (
        "Tunstall Norge AS",
        "974760673",
        "Postboks 6560 Etterstad",
        "0606",
        "Oslo",
        [
            ("Kari Kundeansvarlig", "account_manager", "kari@tunstall.example.no", "911 00 001"),
            ("Support døgnvakt", "support", "support@tunstall.example.no", "22 00 00 01"),
            ("Fakturamottak", "invoicing", "faktura@tunstall.example.no", None),
        ],
    ),
    (
        "Evondos Norge AS",
        "923609016",
        "Karenslyst allé 9",
        "0278",
        "Oslo",
        [("Even Evondos", "account_manager", "even@evondos.example.no", "911 00 002")],
    ),
    (
        "Careium AS",
        "981276957",
        "Hoffsveien 13",
        "0275",
        "Oslo",
        [
            ("Camilla Careium", "account_manager", "camilla@careium.example.no", "911 00 003"),
            ("Personvernombud", "security", "personvern@careium.example.no", None),
        ],
    ),
]


def load(world: dict) -> dict:
    """Suppliers' details and the agreements. Caller commits."""
    today = local_today()
    municipalities, users = world["municipalities"], world["users"]
    stjordal, meraker = municipalities["5035"], municipalities["5034"]
    suppliers = {s.name: s for s in world.get("suppliers", [])}
    products = {p.model: p for p in world.get("products", [])}
    systems = world.get("systems", {})
    buyer, it, desk = users["innkjop"], users["it"], users["servicedesk"]

    for name, org, street, postcode, city, contacts in SUPPLIER_DETAILS:
        supplier = suppliers[name]
        update_supplier(
            None, supplier, org_number=org, street_address=street, postcode=postcode, city=city
        )
        for contact, role, email, phone in contacts:
            add_contact(None, supplier, name=contact, role=role, email=email, phone=phone)
    mdm_supplier = create_supplier(
        None,
        name="Mobilforvaltning Nord AS",
        org_number="915621635",
        support_email="support@mobilforvaltning.example.no",
        lead_time_days=2,
    )
    tunstall, evondos = suppliers["Tunstall Norge AS"], suppliers["Evondos Norge AS"]
    careium = suppliers["Careium AS"]

    def agreement(municipality, **fields):
        return ops.create_agreement(None, municipality, **fields)

    # The framework for safety alarms: its term ends in four months, and the first option
    # to extend must be decided next month.
    frame_end = add_months(today, 4)
    framework = agreement(
        stjordal,
        title="Rammeavtale trygghetsalarmer",
        reference="2022/0412",
        kind="framework",
        supplier_id=tunstall.id,
        owner_id=buyer.id,
        follow_up_id=desk.id,
        procurement_id=buyer.id,
        starts_on=add_months(frame_end, -48) + timedelta(days=1),
        ends_on=frame_end,
        notice_months=3,
        estimated_value="6400000",
        shared_with_ids=[meraker.id],
        product_ids=[products["Lifeline Smart Hub"].id],
        notes="Felles anskaffelse for Stjørdal og Meråker. Avrop gjøres som leieavtaler.",
    )
    ops.add_option(None, framework, months=24, decide_by=today + timedelta(days=35))
    ops.add_option(None, framework, months=24, decide_by=add_months(frame_end, 18))
    ops.add_price_line(
        None,
        framework,
        product_id=products["Lifeline Smart Hub"].id,
        unit_price="3490",
        monthly_rent="179",
        valid_from=framework.starts_on,
    )
    ops.add_price_line(
        None,
        framework,
        service="Installasjon hos bruker",
        unit_price="950",
        valid_from=framework.starts_on,
    )

    # The same tender gave a parallel framework with Careium: larger purchases are
    # competed between the two (fornyet konkurranse).
    parallel = agreement(
        stjordal,
        title="Rammeavtale trygghetsalarmer – Careium",
        reference="2022/0412-B",
        kind="framework",
        supplier_id=careium.id,
        owner_id=buyer.id,
        procurement_id=buyer.id,
        starts_on=framework.starts_on,
        ends_on=frame_end,
        shared_with_ids=[meraker.id],
        notes="Parallell rammeavtale. Kjøp over 500 000 kr konkurranseutsettes mellom de to.",
    )
    _competitions(world, framework, parallel, today)

    # The lease of 450 alarms, called off the framework: it renews by itself for a year
    # unless notice is given three months before its end, which is in 100 days.
    lease_end = today + timedelta(days=100)
    lease = agreement(
        stjordal,
        title="Leie av 450 trygghetsalarmer",
        reference="2022/0412-01",
        kind="lease",
        supplier_id=tunstall.id,
        parent_id=framework.id,
        owner_id=buyer.id,
        follow_up_id=users["lagerleder"].id,
        procurement_id=buyer.id,
        starts_on=add_months(lease_end, -36) + timedelta(days=1),
        ends_on=lease_end,
        notice_months=3,
        renews_automatically=True,
        renewal_months=12,
        units_paid=450,
        yearly_cost=str(450 * 179 * 12),
        shared_with_ids=[meraker.id],
        product_ids=[products["Lifeline Smart Hub"].id],
    )
    ops.add_price_line(
        None,
        lease,
        product_id=products["Lifeline Smart Hub"].id,
        monthly_rent="179",
        valid_from=lease.starts_on,
    )

    # The response centre: a service agreement with what the supplier promised.
    centre_systems = (
        [systems["Responssenterløsning"].id] if "Responssenterløsning" in systems else []
    )
    centre = agreement(
        stjordal,
        title="Responssentertjeneste",
        reference="2023/0930",
        kind="service",
        supplier_id=tunstall.id,
        owner_id=buyer.id,
        follow_up_id=desk.id,
        procurement_id=buyer.id,
        starts_on=add_months(today, -20),
        ends_on=add_months(today, 28),
        notice_months=6,
        renews_automatically=True,
        renewal_months=12,
        yearly_cost="1240000",
        estimated_value="4960000",
        shared_with_ids=[meraker.id],
        system_ids=centre_systems,
    )
    ops.add_service_level(
        None,
        centre,
        metric="answer_time",
        target="1",
        calendar="24x7",
        penalty="Dagbot 2 000 kr per påbegynte time over fristen.",
    )
    ops.add_service_level(
        None,
        centre,
        metric="fix_time",
        target="8",
        calendar="business",
        penalty="Dagbot 5 000 kr per virkedag over fristen.",
    )
    if centre_systems:
        ops.add_service_level(
            None,
            centre,
            metric="uptime",
            target="99.5",
            system_id=centre_systems[0],
            penalty="Prisavslag 10 % av månedens pris under 99,5 % oppetid.",
        )
    ops.add_price_line(
        None,
        centre,
        service="Responssentertjeneste per bruker og måned",
        monthly_rent="215",
        valid_from=centre.starts_on,
    )

    # Meråker's own dispenser lease.
    dispensers = agreement(
        meraker,
        title="Leie av medisindispensere",
        reference="MK-2024-07",
        kind="lease",
        supplier_id=evondos.id,
        owner_id=buyer.id,
        procurement_id=buyer.id,
        starts_on=add_months(today, -14),
        ends_on=add_months(today, 22),
        notice_months=3,
        units_paid=60,
        yearly_cost=str(60 * 690 * 12),
        product_ids=[products["E300"].id],
    )
    ops.add_price_line(
        None,
        dispensers,
        product_id=products["E300"].id,
        monthly_rent="690",
        valid_from=dispensers.starts_on,
    )
    ops.add_service_level(None, dispensers, metric="delivery_time", target="10")

    # The MDM licence: 120 licences paid for.
    mdm = agreement(
        stjordal,
        title="MDM-lisenser",
        reference="2025/0118",
        kind="licence",
        supplier_id=mdm_supplier.id,
        owner_id=it.id,
        procurement_id=buyer.id,
        starts_on=add_months(today, -11),
        ends_on=add_months(today, 13),
        notice_months=2,
        renews_automatically=True,
        renewal_months=12,
        units_paid=120,
        yearly_cost="86400",
        shared_with_ids=[meraker.id],
        system_ids=[systems["MDM"].id] if "MDM" in systems else [],
    )
    ops.add_price_line(
        None,
        mdm,
        service="MDM-lisens per enhet og måned",
        monthly_rent="60",
        valid_from=mdm.starts_on,
    )

    if "MDM" in systems:
        _mdm_users(world, systems["MDM"], mdm, in_use=97)

    # The data processing agreement behind the GPS trackers.
    agreement(
        stjordal,
        title="Databehandleravtale GPS-lokalisering",
        kind="data_processing",
        supplier_id=careium.id,
        owner_id=it.id,
        starts_on=add_months(today, -30),
        shared_with_ids=[meraker.id],
        product_ids=[products["GPS-klokke Q"].id],
        notes=(
            "Gjelder så lenge avtalen om GPS-klokker løper. "
            "Revideres ved endring av underleverandører."
        ),
    )
    if centre_systems:
        _centre_faults(world, systems["Responssenterløsning"], tunstall)
    _follow_up(world, centre, lease, today)
    db.session.flush()
    return {
        "agreements": {
            "framework": framework,
            "lease": lease,
            "centre": centre,
            "dispensers": dispensers,
            "mdm": mdm,
        }
    }


def _competitions(world: dict, framework, parallel, today) -> None:
    """A mini-competition between the two alarm frameworks, awarded last month with why;
    and one open now, with Careium's bid in and Tunstall's awaited."""
    buyer = world["users"]["innkjop"]
    done = ops.create_competition(
        buyer,
        framework,
        title="120 trygghetsalarmer til omsorgsboligene",
        need="120 alarmer med fallsensor, installert i Kvislamarka omsorgsboliger innen mars.",
        criteria="Pris 50 %, leveringstid 20 %, kvalitet og brukervennlighet 30 %",
        answer_by=today,
    )
    won = ops.add_bid(
        buyer, done, agreement_id=framework.id, price="418800", score="86.5", received_on=today
    )
    ops.add_bid(
        buyer,
        done,
        agreement_id=parallel.id,
        price="402000",
        score="79",
        received_on=today,
        notes="Leveringstid 8 uker.",
    )
    done.answer_by = today - timedelta(days=40)  # held last month
    for bid in done.bids:
        bid.received_on = done.answer_by - timedelta(days=2)
    ops.award(
        buyer,
        done,
        bid_id=won.id,
        reason=(
            "Høyest samlet poengsum (86,5 mot 79): leveringstid 3 mot 8 uker og bedre "
            "brukertest; prisen 4 % høyere."
        ),
    )
    done.awarded_at = utcnow() - timedelta(days=36)
    running = ops.create_competition(
        buyer,
        framework,
        title="40 GPS-alarmer til hjemmetjenesten",
        criteria="Pris 60 %, batteritid 40 %",
        answer_by=today + timedelta(days=9),
    )
    ops.add_bid(buyer, running, agreement_id=parallel.id, price="96000", score=None)


def _mdm_users(world: dict, system, mdm, *, in_use: int) -> None:
    """The MDM licence is paid per user: the home-care staff's work phones are enrolled
    (each one who has the response-centre app), then the nursing homes' staff, until
    `in_use` of the 120 licences are taken."""
    from sqlalchemy import func, select

    from vftops.access import operations as access
    from vftops.access.models import AccessGrant
    from vftops.access.queries import active_on
    from vftops.equipment.demo import FIRST, LAST
    from vftops.systems.operations import create_role

    it = world["users"]["it"]
    municipalities = {m.id: m for m in world["municipalities"].values()}
    served = mdm.served_municipality_ids
    taken = db.session.scalar(
        select(func.count(AccessGrant.id)).where(
            AccessGrant.system_id == system.id,
            AccessGrant.municipality_id.in_(served),
            active_on(local_today()),  # as the evaluation counts them
        )
    )
    role = create_role(
        it,
        system,
        name="Mobilbruker",
        description="Tjenestetelefon med fagappene, styrt og låst av MDM",
    )
    carers = db.session.scalars(
        select(AccessGrant)
        .where(
            AccessGrant.holder_kind == "person",
            AccessGrant.ended_at.is_(None),
            AccessGrant.municipality_id.in_(served),
            AccessGrant.system_id == world["systems"]["Responssenterløsning"].id,
        )
        .order_by(AccessGrant.id)
    ).all()
    today = local_today()
    units = {u.id: u for u in world["units"].values()}
    holders = [
        (
            access.Holder.person(g.person_name, g.person_detail),
            g.municipality_id,
            units.get(g.unit_id),
            g.account_name,
        )
        for g in carers
    ]
    rnd = random.Random(97)  # noqa: S311 - demo data, not security
    known = {g.person_name for g in carers}
    homes = [u for u in units.values() if "sykehjem" in u.name or "senter" in u.name]
    wanted = max(0, in_use - taken)
    while len(holders) < wanted:
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        if name in known:
            continue
        known.add(name)
        unit = homes[len(holders) % len(homes)] if homes else None
        municipality_id = unit.municipality_id if unit is not None else mdm.municipality_id
        account = name.lower().replace(" ", ".").replace("ø", "o").replace("å", "a")
        holders.append((access.Holder.person(name), municipality_id, unit, account))
    for n, (holder, municipality_id, unit, account) in enumerate(holders[:wanted]):
        access.grant_access(
            it,
            system,
            role,
            holder,
            municipality=municipalities[municipality_id],
            unit=unit,
            account_name=account,
            starts_on=today - timedelta(days=30 + n * 3),
            reason="Tjenestetelefon",
        )


def _centre_faults(world: dict, system, supplier) -> None:
    """A year of the response centre's faults escalated to its supplier: answered within
    the hour mostly, fixed within the eight business hours promised — but not always, and
    twice this month."""
    from vftops.support import operations as sup

    rnd = random.Random(1414)  # noqa: S311 - demo data, not security
    desk = world["users"]["servicedesk"]
    stjordal = world["municipalities"]["5035"]
    now = utcnow().replace(microsecond=0)
    # (days ago, hours to answer, hours to fix: wall-clock, so business hours are fewer)
    faults = [(d, rnd.uniform(0.2, 1.4), rnd.uniform(2, 9)) for d in range(330, 20, -28)]
    faults += [(200, 2.5, 30), (95, 0.5, 52), (12, 0.4, 30), (5, 1.6, 26)]
    titles = [
        "Alarmer kommer ikke fram til responssenteret",
        "Responssenteret ser ikke posisjon fra GPS",
        "Treg innlogging i responssenterløsningen",
        "Talefunksjon faller ut",
    ]
    for n, (days, answer, fix) in enumerate(sorted(faults, reverse=True)):
        created = now - timedelta(days=days, hours=rnd.randint(1, 6))
        # Weekday mornings: the business-hours clock runs.
        while created.weekday() >= 5:
            created -= timedelta(days=1)
        created = created.replace(hour=7, minute=rnd.randint(0, 50))
        ticket = sup.create_ticket(
            desk,
            stjordal.id,
            title=titles[n % len(titles)],
            kind="system_fault",
            channel="phone",
            reporter_kind="response_centre",
            system=system,
            urgency="high",
            impact="high",
            at=created,
        )
        sup.acknowledge(desk, ticket, at=created + timedelta(minutes=10))
        escalated = created + timedelta(minutes=30)
        sup.escalate(desk, ticket, supplier, supplier_ref=f"TUN-{70000 + n}", at=escalated)
        fixed = min(escalated + timedelta(hours=fix), now - timedelta(hours=1))
        answered = min(escalated + timedelta(hours=answer), fixed)
        sup.record_supplier_response(desk, ticket, answered_at=answered, fixed_at=fixed)
        sup.change_status(
            desk,
            ticket,
            "resolved",
            note="Leverandøren rettet feilen",
            at=fixed + timedelta(minutes=20),
        )


def _follow_up(world: dict, centre, lease, today) -> None:
    """Two supplier meetings on the response centre with minutes and actions (one done);
    a late delivery on the lease, reported and answered, and an open deviation for a fix
    time broken last month."""
    users = world["users"]
    buyer, desk = users["innkjop"], users["servicedesk"]
    first = ops.create_meeting(
        buyer,
        centre,
        held_on=add_months(today, -5),
        attendees="Ingrid Innkjøp, Siri Servicedesk (kommunen); Kari Kundeansvarlig (Tunstall)",
        agenda="1. Tjenestenivå siste kvartal\n2. Avvik\n3. Nye behov: GPS-posisjon i mottaket",
        minutes=(
            "Responstiden er innenfor avtalt nivå. Utbedringstiden brutt to ganger; "
            "Tunstall forklarer med bemanning i ferien.\n"
            "Kommunen ønsker GPS-posisjon vist i responssenteret; Tunstall kommer med tilbud."
        ),
    )
    done = ops.add_action(
        buyer,
        first,
        text="Tilbud på GPS-visning i responssenteret",
        owner_name="Kari Kundeansvarlig",
        due_on=add_months(today, -4),
    )
    ops.complete_action(buyer, done)
    ops.add_action(
        buyer,
        first,
        text="Rutine for varsling av planlagt nedetid",
        owner_id=desk.id,
        due_on=add_months(today, -3),
    )
    second = ops.create_meeting(
        buyer,
        centre,
        held_on=add_months(today, -2),
        attendees="Ingrid Innkjøp, Siri Servicedesk; Kari Kundeansvarlig",
        agenda="1. Tjenestenivå\n2. Oppetid\n3. Oppfølging av tiltak",
        minutes="Oppetiden under 99,5 % i to måneder. Tunstall sender plan for stabilisering.",
    )
    ops.add_action(
        buyer,
        second,
        text="Plan for stabilisering av responssenterløsningen",
        owner_name="Kari Kundeansvarlig",
        due_on=today + timedelta(days=14),
    )
    late = ops.report_deviation(
        buyer,
        lease,
        kind="late_delivery",
        severity="medium",
        title="40 alarmer levert 12 dager etter avtalt dato",
        description=(
            "Bestillingen til sentrallageret kom 12 dager for sent; to installasjoner ble utsatt."
        ),
    )
    ops.update_deviation(
        buyer,
        late,
        reported_at=today - timedelta(days=40),
        reported_how="E-post til kundeansvarlig",
        supplier_answer="Forsinkelse hos underleverandør. Kompensasjon gis på neste faktura.",
        answered_at=today - timedelta(days=33),
    )
    ops.report_deviation(
        desk,
        centre,
        kind="security",
        severity="high",
        title="Leverandøren varslet sikkerhetshull i påloggingen",
        description=(
            "Tunstall varslet at en feil i påloggingen kunne gi innsyn i alarmlogg. "
            "Rettet samme dag."
        ),
        reported_at=today - timedelta(days=9),
        reported_how="Varsel fra leverandøren",
    )
