"""The benchmark's support (`flask vftops bench`): half a million tickets over two years,
one in ten open, on the municipality's teams; the queues, a ticket page, the reports, ticket
creation through the API and the open tickets' export."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, insert, select

from vftops.core.bench import batched, copy_rows, timed
from vftops.core.modules import BenchCheck, BenchPart
from vftops.equipment.models import Device
from vftops.extensions import db
from vftops.support.models import Team, Ticket, team_members

TICKET_KINDS = ("technical_alarm", "equipment_fault", "system_fault", "access", "question")
TEAMS = (("Servicedesk", "servicedesk"), ("Teknikere", "technicians"), ("IT", "it"))
OPEN_EVERY = 10  # one ticket in ten is still open


def build(world: dict) -> dict:
    """`count` tickets over two years, one in ten open, on the municipality's teams.

    The open ones are spread over the statuses and deadlines the queues filter on:
    some assigned to the benchmark user, some unassigned, some waiting on a supplier,
    some past their warning point or breached.
    """
    mid, now, count, echo = world["municipality_id"], world["now"], world["tickets"], world["echo"]
    user_id = world["user_id"]
    if not count:
        return {"ticket": None}
    echo(f"  tickets: {count} ({count // OPEN_EVERY} open)")
    team_ids = []
    for name, kind in TEAMS:
        team = Team(
            municipality_id=mid, name=name, kind=kind, is_default=kind == "servicedesk", version=1
        )
        db.session.add(team)
        db.session.flush()
        team_ids.append(team.id)
    db.session.execute(insert(team_members), [{"team_id": team_ids[1], "user_id": user_id}])
    db.session.commit()
    span = timedelta(days=730)

    def rows():
        for i in range(count):
            created = now - span * (1 - i / count)
            is_open = i % OPEN_EVERY == 0
            priority = 1 + i % 4
            due = created + timedelta(hours=4 * priority)
            if is_open:
                status = ("new", "acknowledged", "in_progress", "waiting_supplier")[(i // 10) % 4]
                # Open tickets are recent: deadlines around now, some passed.
                created = now - timedelta(minutes=(i * 7) % (6 * 24 * 60))
                due = created + timedelta(hours=8 * priority)
            else:
                status = "closed" if i % 3 else "resolved"
            acknowledged = None if status == "new" else created + timedelta(minutes=10)
            resolved = None if is_open else created + timedelta(hours=2 + i % 30)
            yield {
                "municipality_id": mid,
                "title": f"Sak {i}: {'mistet forbindelse' if i % 2 else 'lavt batteri'}",
                "kind": TICKET_KINDS[i % len(TICKET_KINDS)],
                "category": None,
                "channel": "alarm" if i % 2 else "phone",
                "reporter_kind": "monitoring" if i % 2 else "employee",
                "recipient_id": None,
                "urgency": "medium",
                "impact": "medium",
                "priority": priority,
                "status": status,
                "team_id": team_ids[i % len(team_ids)],
                "assignee_id": user_id if is_open and i % 50 == 0 else None,
                "acknowledged_at": acknowledged,
                "acknowledged_by_id": user_id if acknowledged else None,
                "resolved_at": resolved,
                "closed_at": resolved + timedelta(days=7) if status == "closed" else None,
                "sla_calendar": "24x7",
                "acknowledge_due_at": created + timedelta(minutes=60),
                "resolve_due_at": due,
                "resolve_warn_at": due - timedelta(hours=2 * priority),
                "waiting_since": now if status == "waiting_supplier" else None,
                "paused_minutes": 0,
                "is_incident": False,
                "external_id": f"bench-{i}",
                "created_at": created,
                "updated_at": resolved or created,
                "version": 1,
            }

    columns = tuple(next(iter(rows())))
    if db.engine.dialect.name == "postgresql":
        copy_rows("tickets", columns, rows())
    else:
        for n, batch in enumerate(batched(rows(), 20000)):
            db.session.execute(insert(Ticket), batch)
            if n % 5 == 0:
                db.session.commit()
    db.session.commit()
    return find(world)


def find(world: dict) -> dict:
    """A new ticket of the benchmark's municipality, for the ticket page."""
    return {
        "ticket": db.session.scalar(
            select(func.min(Ticket.id)).where(
                Ticket.municipality_id == world["municipality_id"], Ticket.status == "new"
            )
        )
    }


def create_tickets(bench) -> dict[str, list[float]]:
    """Another system reports a fault on a device, `samples` times, through the API."""
    with bench.app.app_context():
        devices = list(
            db.session.scalars(select(Device.id).order_by(Device.id).limit(bench.samples))
        )
    times = []
    run = uuid.uuid4().hex[:12]  # a fresh external id each run, even within a second
    for n, device_id in enumerate(devices):
        took, response = timed(
            lambda n=n, device_id=device_id: bench.api.post(
                "/api/v1/tickets",
                json={
                    "title": "Mistet forbindelse",
                    "kind": "technical_alarm",
                    "channel": "alarm",
                    "reporter_kind": "monitoring",
                    "device_ids": [device_id],
                    "external_id": f"bench-create-{run}-{n}",
                },
            )
        )
        times.append(took)
        assert response.status_code == 201, response.get_json()
    return {"ticket create (API)": times}


def _queue(name: str, page: int | None = None):
    path = f"/support?queue={name}" + (f"&page={page}" if page else "")
    return lambda ids: path


PART = BenchPart(
    build=build,
    find=find,
    checks=(
        BenchCheck("ticket queue, mine", _queue("mine"), target_ms=150),
        BenchCheck("ticket queue, my team's", _queue("team"), target_ms=150),
        BenchCheck("ticket queue, unassigned, page 20", _queue("unassigned", 20), target_ms=150),
        BenchCheck("ticket queue, breaching soon", _queue("soon"), target_ms=150),
        BenchCheck("ticket queue, waiting on supplier", _queue("supplier"), target_ms=150),
        BenchCheck("ticket queue, all open", _queue("open"), target_ms=150),
        BenchCheck(
            "ticket page",
            lambda ids: None if ids["ticket"] is None else f"/support/{ids['ticket']}",
        ),
        BenchCheck(
            "ticket list API, open",
            lambda ids: "/api/v1/tickets?queue=open&limit=50",
            api=True,
        ),
        BenchCheck(
            "support reports, 12 weeks (worked out)",
            lambda ids: "/support/reports",
            target_ms=150,
            # The reports worked out every time: no 5-minute cache.
            config={"SUPPORT_REPORT_CACHE_SECONDS": 0},
        ),
        BenchCheck(
            "support reports, 12 weeks (as of minutes ago)",
            lambda ids: "/support/reports",
            target_ms=50,
        ),
    ),
    writes=create_tickets,
    targets={"ticket create (API)": 50},
    exports=(("50,000 open tickets as XLSX", "/support/export.xlsx?queue=open", 30),),
)
