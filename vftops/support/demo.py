"""Demo support for the shared service of Stjørdal and Meråker: teams, routing, a live queue.

Everything goes through the operations with the times it happened, so the queue,
the reports and the function-test list tell a true story: six months of tickets
acknowledged, escalated and resolved (a few too late), a mobile network outage
that took a dozen alarms with it this morning, faults waiting on the supplier,
alarms breaching their deadline, and function tests done, due and overdue.
Deterministic (seeded) apart from «now».
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from vftops.core.models import utcnow
from vftops.equipment import operations as eq
from vftops.equipment.models import Category, Device, Placement
from vftops.extensions import db
from vftops.suppliers.operations import update_supplier
from vftops.support import operations as ops
from vftops.support.function_tests import add_months, record_function_test
from vftops.support.models import TeamKind

TEST_INTERVAL_MONTHS = 6
ALARM_CATEGORIES = (Category.SAFETY_ALARM.value, Category.MOBILE_ALARM.value)

# Supplier support contacts: (name, opening hours, outside the opening hours)
SUPPORT_CONTACTS = [
    (
        "Tunstall Norge AS",
        "Hverdager 08–16",
        "Vakttelefon hele døgnet for alarmer som ikke virker; utrykning etter kl. 16 faktureres",
    ),
    (
        "Careium AS",
        "Hverdager 08–20, lørdag 10–15",
        "Utenom åpningstid: skjema på nett, svar neste dag",
    ),
    (
        "Evondos Norge AS",
        "Hverdager 08–16",
        "Akutt dispenserfeil: vakttelefon, 950 kr per henvendelse",
    ),
    ("Phoniro AS", "Hele døgnet", None),
]

# Per municipality: (name, kind, members, phone, e-mail, hours, note, default)
TEAMS = [
    (
        "Servicedesk",
        TeamKind.SERVICEDESK,
        ["servicedesk"],
        "74 80 00 10",
        "servicedesk@vaernesregionen.example.no",
        "Hverdager 07–17",
        "Tar imot alle henvendelser og tekniske alarmer, kvitterer og ruter videre",
        True,
    ),
    (
        "Teknikere",
        TeamKind.TECHNICIANS,
        ["tekniker", "lagerleder"],
        "74 80 00 20",
        "hjelpemiddelteamet@stjordal.example.no",
        "Hverdager 08–15:30",
        "Installerer, bytter og tester trygghetsalarmer og sensorer",
        False,
    ),
    (
        "IT-drift",
        TeamKind.IT,
        ["it"],
        "74 80 00 30",
        "itdrift@vaernesregionen.example.no",
        "Hverdager 08–16, vakt ved nettfeil",
        "Fagsystemer, nett, tilganger og integrasjoner",
        False,
    ),
    (
        "Hjemmetjenesten",
        TeamKind.HOME_CARE,
        [],
        "74 80 00 40",
        None,
        "Hele døgnet",
        "Bytter medisinrull og sjekker hos bruker når en dispenser varsler",
        False,
    ),
    (
        "Leverandør Tunstall",
        TeamKind.SUPPLIER,
        [],
        "22 00 00 01",
        "support@tunstall.example.no",
        "Hverdager 08–16",
        "Feil på alarmer som teknikerne ikke løser selv, etter avtale RA-2024-017",
        False,
    ),
]

# Routing, per municipality: (position, kind, product model, system, team, note)
RULES = [
    (
        10,
        "equipment_fault",
        "E300",
        None,
        "Hjemmetjenesten",
        "Dispenserfeil: hjemmetjenesten først",
    ),
    (20, "technical_alarm", None, None, "Teknikere", None),
    (30, "equipment_fault", None, None, "Teknikere", None),
    (40, "system_fault", None, None, "IT-drift", None),
    (50, "access", None, None, "IT-drift", None),
    (60, None, None, "Responssenterløsning", "Leverandør Tunstall", "Feil hos responssenteret"),
]

ALARM_TITLES = [
    "Mistet forbindelse",
    "Lavt batteri",
    "Ingen testsignal fra alarmen",
    "Armbåndsknappen svarer ikke",
    "Strømbrudd på basestasjonen",
]
FAULT_TITLES = {
    "E300": ["Medisinrullen sitter fast", "Dispenseren varsler feil dose"],
    "GPS-klokke Q": ["Klokka lader ikke", "Posisjonen er feil", "Klokka slår seg av"],
    None: ["Alarmen piper uten grunn", "Høyttaleren skurrer", "Knappen er knekt"],
}
OTHER_TICKETS = {
    "system_fault": [
        ("Fjernpleiesystemet henger", "Fjernpleiesystem"),
        ("Responssenteret får ikke posisjon", "Responssenterløsning"),
        ("Dosettportalen svarer ikke", "Dosettportal"),
    ],
    "access": [
        ("Tilgang til dosettportalen for ny ansatt", "Dosettportal"),
        ("Fjerne tilgang for ansatt som har sluttet", "Fjernpleiesystem"),
    ],
    "question": [
        ("Hvordan bytter jeg batteri i armbåndet?", None),
        ("Kan pårørende få varsel på mobilen?", None),
        ("Hvordan legger jeg inn ny kontaktperson?", None),
    ],
}
# How a kind of ticket comes in: (channel, reporter, urgency, impact)
ARRIVAL = {
    "technical_alarm": ("alarm", "monitoring", "high", "medium"),
    "equipment_fault": ("phone", "employee", "medium", "medium"),
    "system_fault": ("phone", "employee", "medium", "high"),
    "access": ("web", "employee", "low", "low"),
    "question": ("email", "relative", "low", "low"),
}
KINDS = ["technical_alarm"] * 8 + ["equipment_fault"] * 5 + ["question"] * 3
KINDS += ["system_fault"] * 2 + ["access"] * 2
# Wall-clock hours from registration to resolved, per priority (a few take too long).
RESOLVE_HOURS = {1: (1, 3), 2: (1, 7), 3: (3, 30), 4: (6, 96)}
# Models that fail more often than the rest (weights when a fault is drawn).
FAULT_WEIGHT = {"GPS-klokke Q": 2, "E300": 2, "Personal Care Terminal": 1.3}


@dataclass
class _Desk:
    """Who works the queue in one municipality."""

    municipality: object
    teams: dict
    handler: dict  # kind → the person who takes it


def load_support_demo(
    municipalities: dict,
    users: dict,
    *,
    suppliers: list,
    products: list,
    stores: dict,
    recipients: list,
    systems: dict,
) -> dict:
    """Teams, rules, contacts, six months of tickets, today's queue, function tests.

    The caller commits.
    """
    rnd = random.Random(6006)  # noqa: S311 - demo data, not security
    now = utcnow().replace(microsecond=0)
    by_name = {s.name: s for s in suppliers}
    for name, hours, outside in SUPPORT_CONTACTS:
        if name in by_name:
            update_supplier(None, by_name[name], support_hours=hours, out_of_hours_note=outside)
    for product in products:
        if product.category in ALARM_CATEGORIES:
            eq.update_product(None, product, test_interval_months=TEST_INTERVAL_MONTHS)
    by_model = {p.model: p for p in products}

    desks = {}
    for number, municipality in municipalities.items():
        teams = {}
        for name, kind, members, phone, email, hours, note, default in TEAMS:
            teams[name] = ops.create_team(
                None,
                municipality.id,
                name=name,
                kind=kind.value,
                members=[users[u] for u in members],
                is_default=default,
                phone=phone,
                email=email,
                hours=hours,
                note=note,
                supplier_id=by_name["Tunstall Norge AS"].id if kind == TeamKind.SUPPLIER else None,
            )
        db.session.flush()
        for position, kind, model, system, team, note in RULES:
            ops.save_rule(
                None,
                municipality.id,
                team=teams[team],
                position=position,
                kind=kind,
                product_id=by_model[model].id if model else None,
                system=systems[system] if system else None,
                note=note,
            )
        desks[number] = _Desk(
            municipality=municipality,
            teams=teams,
            handler={
                "technical_alarm": users["tekniker"],
                "equipment_fault": users["tekniker"],
                "system_fault": users["it"],
                "access": users["it"],
                "question": users["servicedesk"],
            },
        )
    db.session.flush()

    placements = list(
        db.session.scalars(
            select(Placement)
            .where(Placement.returned_at.is_(None))
            .options(joinedload(Placement.device).joinedload(Device.product))
            .order_by(Placement.id)
        )
    )
    story = _Story(rnd, now, users, desks, placements, systems)
    story.history()
    story.today()
    _function_tests(rnd, now, users, placements)
    db.session.flush()
    # Deadlines passed while the story was written are breaches; old resolved tickets close.
    ops.sweep(now)
    return {"desks": desks}


class _Story:
    def __init__(self, rnd, now, users, desks, placements, systems):
        self.rnd, self.now, self.users, self.desks = rnd, now, users, desks
        self.systems = systems  # the register's, by name
        self.placements = {
            number: [p for p in placements if p.municipality_id == desk.municipality.id]
            for number, desk in desks.items()
        }
        self.used: set[int] = set()  # devices with a ticket today
        self.serial = 0

    # --- helpers -------------------------------------------------------------------

    def _device(self, number: str, *, alarm: bool, exclude=()):
        """An installed device (an alarm, or any device), faulty models drawn more often."""
        choices = [
            p
            for p in self.placements[number]
            if p.device_id not in exclude
            and (not alarm or p.device.product.category in ALARM_CATEGORIES)
        ] or self.placements[number]
        weights = [FAULT_WEIGHT.get(p.device.product.model, 1) for p in choices]
        return self.rnd.choices(choices, weights=weights)[0].device

    def _ticket(self, number: str, kind: str, at: datetime, **kw):
        channel, reporter, urgency, impact = ARRIVAL[kind]
        desk = self.desks[number]
        if kw.get("system"):
            kw["system"] = self.systems[kw["system"]]
        if kind == "technical_alarm" and "external_id" not in kw:
            self.serial += 1
            kw["external_id"] = f"RS-{at:%Y%m%d}-{self.serial:05d}"
        return ops.create_ticket(
            None,
            desk.municipality.id,
            kind=kind,
            channel=kw.pop("channel", channel),
            reporter_kind=kw.pop("reporter_kind", reporter),
            urgency=kw.pop("urgency", urgency),
            impact=kw.pop("impact", impact),
            at=at,
            **kw,
        )

    def _draw(self, number: str, kind: str, at: datetime):
        """A ticket of `kind` as one comes in: a device and a title that fit."""
        if kind in ("technical_alarm", "equipment_fault"):
            device = self._device(number, alarm=kind == "technical_alarm")
            model = device.product.model
            if kind == "technical_alarm":
                title = self.rnd.choice(ALARM_TITLES)
            else:
                title = self.rnd.choice(FAULT_TITLES.get(model) or FAULT_TITLES[None])
            return self._ticket(number, kind, at, title=title, devices=[device])
        title, system = self.rnd.choice(OTHER_TICKETS[kind])
        reporter = {"question": "Pårørende"}.get(kind, "Sykepleier på vakt")
        return self._ticket(number, kind, at, title=title, system=system, reporter_name=reporter)

    def _work(self, ticket, who, *, ack_minutes: int, resolve_hours: float, note: str):
        created = ticket.created_at
        ops.acknowledge(who, ticket, at=created + timedelta(minutes=ack_minutes))
        ops.change_status(
            who, ticket, "in_progress", at=created + timedelta(minutes=ack_minutes + 5)
        )
        ops.change_status(
            who, ticket, "resolved", note=note, at=created + timedelta(hours=resolve_hours)
        )

    # --- six months of history ----------------------------------------------------------

    def history(self) -> None:
        rnd, now = self.rnd, self.now
        for weeks_ago in range(26, 0, -1):
            for number, per_week in (("5035", (2, 5)), ("5034", (0, 2))):
                for _n in range(rnd.randint(*per_week)):
                    at = now - timedelta(weeks=weeks_ago, minutes=rnd.randint(0, 7 * 24 * 60))
                    at = min(at, now - timedelta(days=3))
                    self._past_ticket(number, rnd.choice(KINDS), at)
                db.session.flush()

    def _past_ticket(self, number: str, kind: str, at: datetime) -> None:
        rnd = self.rnd
        desk = self.desks[number]
        ticket = self._draw(number, kind, at)
        who = desk.handler[kind]
        if ticket.team is not None and ticket.team.name == "Hjemmetjenesten":
            who = self.users["servicedesk"]
        ack = ops.sla_targets(ticket.municipality_id)[ticket.priority][0]
        ack_minutes = rnd.randint(3, max(int(ack * 0.7), 5))
        if rnd.random() < 0.08:
            ack_minutes = int(ack * 1.4)  # seen too late
        low, high = RESOLVE_HOURS[ticket.priority]
        hours = rnd.uniform(low, high)
        if rnd.random() < 0.1:
            hours *= 2.2  # took too long
        hours = max(hours, ack_minutes / 60 + 0.25)
        supplier = ticket.devices[0].product.supplier if ticket.devices else None
        if kind == "equipment_fault" and supplier is not None and rnd.random() < 0.35:
            self._past_escalation(ticket, who, supplier, ack_minutes)
            return
        self._work(
            ticket,
            who,
            ack_minutes=ack_minutes,
            resolve_hours=hours,
            note=_resolution(kind, rnd),
        )

    def _past_escalation(self, ticket, who, supplier, ack_minutes: int) -> None:
        rnd = self.rnd
        created = ticket.created_at
        ops.acknowledge(who, ticket, at=created + timedelta(minutes=ack_minutes))
        escalated = created + timedelta(minutes=ack_minutes + rnd.randint(20, 120))
        ops.escalate(
            who,
            ticket,
            supplier,
            supplier_ref=f"{supplier.name[:3].upper()}-{rnd.randint(10000, 99999)}",
            note="Feilen krever leverandørens tekniker",
            at=escalated,
        )
        answered = escalated + timedelta(hours=rnd.uniform(0.5, 10))
        fixed = answered + timedelta(hours=rnd.uniform(8, 110))
        fixed = min(fixed, self.now - timedelta(hours=2))
        answered = min(answered, fixed)
        ops.record_supplier_response(who, ticket, answered_at=answered, fixed_at=fixed)
        ops.change_status(
            who,
            ticket,
            "resolved",
            note="Leverandøren har rettet feilen; testet hos bruker",
            at=fixed + timedelta(minutes=rnd.randint(30, 180)),
        )

    # --- today's queue ------------------------------------------------------------------

    def today(self) -> None:
        now, users = self.now, self.users
        desk, tech, it = users["servicedesk"], users["tekniker"], users["it"]
        stj = "5035"
        # Alarms that just came in: new, nobody has them yet.
        for minutes, title in (
            (4, "Lavt batteri"),
            (12, "Ingen testsignal fra alarmen"),
            (23, "Armbåndsknappen svarer ikke"),
        ):
            device = self._device(stj, alarm=True, exclude=self.used)
            self.used.add(device.id)
            self._ticket(
                stj,
                "technical_alarm",
                now - timedelta(minutes=minutes),
                title=title,
                devices=[device],
            )
        # The mobile network went down an hour ago: twelve alarms lost their connection
        # within minutes, and the service desk put them under one incident.
        lost = []
        for n in range(12):
            device = self._device(stj, alarm=True, exclude=self.used)
            self.used.add(device.id)
            lost.append(
                self._ticket(
                    stj,
                    "technical_alarm",
                    now - timedelta(minutes=62 - n * 0.7),
                    title="Mistet forbindelse",
                    devices=[device],
                )
            )
        incident = ops.create_incident(
            desk,
            self.desks[stj].municipality.id,
            title="Mobilnettet nede i Stjørdal sentrum – trygghetsalarmer uten forbindelse",
            description=(
                "Telenor melder driftsavbrudd på basestasjonen ved Stjørdal sentrum. "
                "Responssenteret ringer brukerne det gjelder; hjemmetjenesten er varslet."
            ),
            tickets=lost,
            at=now - timedelta(minutes=50),
        )
        ops.acknowledge(desk, incident, at=now - timedelta(minutes=48))
        for child in lost:  # IT owns the outage, and with it every alarm under it
            ops.acknowledge(it, child, at=now - timedelta(minutes=47))
        ops.assign(desk, incident, assignee=it, team=self.desks[stj].teams["IT-drift"])
        ops.change_status(it, incident, "in_progress", at=now - timedelta(minutes=40))
        ops.add_entry(
            it,
            incident,
            "Saksnummer hos Telenor: TN-778120. Forventet rettet innen kl. 14.",
        )
        # Breaching soon: an urgent alarm, acknowledged, its eight hours almost gone.
        soon = self._ticket(
            stj,
            "technical_alarm",
            now - timedelta(hours=6, minutes=40),
            title="Alarmen ringer ikke ut – Stokkanvegen",
            devices=[self._pick(stj)],
        )
        ops.acknowledge(tech, soon, at=soon.created_at + timedelta(minutes=12))
        ops.change_status(tech, soon, "in_progress", at=soon.created_at + timedelta(minutes=20))
        ops.add_entry(tech, soon, "Reiser ut med ny basestasjon etter lunsj.")
        # Breached: a fault that should have been fixed by now.
        late = self._ticket(
            stj,
            "technical_alarm",
            now - timedelta(hours=10),
            title="Trygghetsalarmen piper hele natta – Hegrevegen",
            devices=[self._pick(stj)],
        )
        ops.acknowledge(tech, late, at=late.created_at + timedelta(minutes=35))
        ops.change_status(tech, late, "in_progress", at=late.created_at + timedelta(minutes=40))
        # Waiting on the supplier: a dispenser with Evondos, answered; a watch with Careium.
        self._waiting_on_supplier(stj, "E300", 26, "EVN-44817", answered_after=3)
        self._waiting_on_supplier(stj, "GPS-klokke Q", 50, "CAR-2026-0931", answered_after=None)
        # The service desk's own: a system fault in progress with less than two of its eight
        # hours left, and a question waiting for a reply.
        own = self._ticket(
            stj,
            "system_fault",
            now - timedelta(hours=6, minutes=30),
            title="Fjernpleiesystemet på Kvislamarka henger",
            system="Fjernpleiesystem",
            reporter_name="Sykepleier på vakt",
        )
        ops.assign(desk, own, assignee=desk, team=self.desks[stj].teams["Servicedesk"])
        ops.acknowledge(desk, own, at=own.created_at + timedelta(minutes=10))
        ops.change_status(desk, own, "in_progress", at=own.created_at + timedelta(minutes=15))
        question = self._ticket(
            stj,
            "question",
            now - timedelta(days=1, hours=2),
            title="Kan pårørende få varsel på mobilen?",
            reporter_name="Datter av bruker",
            reporter_contact="datter@example.no",
        )
        ops.assign(desk, question, assignee=desk)
        ops.change_status(
            desk,
            question,
            "waiting_reporter",
            note="Spurt hvilket mobilnummer varselet skal gå til",
            at=question.created_at + timedelta(hours=1),
        )
        ops.add_entry(
            desk,
            question,
            "Ja, det går an. Hvilket mobilnummer skal varselet gå til?",
            kind="reply",
        )
        self._ticket(
            stj,
            "access",
            now - timedelta(hours=2),
            title="Tilgang til dosettportalen for ny sykepleier",
            system="Dosettportal",
            reporter_name="Line Leder",
        )
        # Meråker: a new alarm and a fault in progress.
        self._ticket(
            "5034",
            "technical_alarm",
            now - timedelta(minutes=35),
            title="Lavt batteri",
            devices=[self._pick("5034")],
        )
        fault = self._ticket(
            "5034",
            "equipment_fault",
            now - timedelta(hours=20),
            title="Høyttaleren skurrer",
            devices=[self._pick("5034")],
        )
        ops.acknowledge(tech, fault, at=fault.created_at + timedelta(minutes=50))
        ops.change_status(tech, fault, "in_progress", at=fault.created_at + timedelta(hours=1))
        db.session.flush()

    def _pick(self, number: str):
        device = self._device(number, alarm=True, exclude=self.used)
        self.used.add(device.id)
        return device

    def _waiting_on_supplier(self, number, model, hours_ago, ref, *, answered_after):
        candidates = [p.device for p in self.placements[number] if p.device.product.model == model]
        if not candidates:
            return
        device = candidates[0]
        ticket = self._ticket(
            number,
            "equipment_fault",
            self.now - timedelta(hours=hours_ago),
            title=self.rnd.choice(FAULT_TITLES.get(model) or FAULT_TITLES[None]),
            devices=[device],
        )
        desk = self.users["servicedesk"]
        ops.acknowledge(desk, ticket, at=ticket.created_at + timedelta(minutes=25))
        escalated = ticket.created_at + timedelta(hours=1)
        ops.escalate(
            desk,
            ticket,
            device.product.supplier,
            supplier_ref=ref,
            note="Feilen gjentar seg etter omstart",
            at=escalated,
        )
        if answered_after is not None:
            ops.record_supplier_response(
                desk, ticket, answered_at=escalated + timedelta(hours=answered_after)
            )


def _resolution(kind: str, rnd) -> str:
    return rnd.choice(
        {
            "technical_alarm": [
                "Byttet batteri i armbåndet; testalarm OK",
                "Forbindelsen kom tilbake; testalarm OK",
                "Basestasjonen startet på nytt; testalarm OK",
            ],
            "equipment_fault": ["Byttet enheten", "Justert innstillinger; virker nå"],
            "system_fault": ["Tjenesten startet på nytt", "Leverandøren rettet feilen"],
            "access": ["Tilgang gitt", "Tilgang fjernet"],
            "question": ["Svart på e-post", "Forklart på telefon"],
        }[kind]
    )


def _function_tests(rnd, now: datetime, users: dict, placements: list) -> None:
    """Every six months a technician tests each installed alarm. Most are up to date; a few
    were missed and are overdue; one failed today and opened a ticket."""
    from vftops.core.models import local_day

    tech = users["tekniker"]
    alarms = [
        p
        for p in placements
        if p.device.product.category in ALARM_CATEGORIES and p.returned_at is None
    ]
    failed = False
    for index, placement in enumerate(alarms):
        tests = []
        base = placement.installed_at
        while True:
            due = add_months(local_day(base), TEST_INTERVAL_MONTHS)
            at = datetime.combine(due, base.timetz()) - timedelta(days=rnd.randint(0, 20))
            at = max(at, placement.installed_at + timedelta(days=1))
            if at >= now - timedelta(days=1):
                break
            tests.append(at)
            base = at
        if tests and index % 11 == 0:
            tests.pop()  # missed: overdue now
        for at in tests:
            record_function_test(tech, placement.device, result="passed", tested_at=at)
        if not failed and not tests and placement.installed_at < now - timedelta(days=60):
            record_function_test(
                tech,
                placement.device,
                result="failed",
                note="Ingen tale mot responssenteret; knappen gir bare lyd",
                tested_at=now - timedelta(hours=3),
            )
            failed = True


def load(world: dict) -> dict:
    return load_support_demo(
        world["municipalities"],
        world["users"],
        suppliers=world["suppliers"],
        products=world["products"],
        stores=world["stores"],
        recipients=world["recipients"],
        systems=world["systems"],
    )
