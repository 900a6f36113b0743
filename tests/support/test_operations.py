"""Tickets through their whole life: routing, priority, SLA, acknowledging, waiting, incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.conftest import race
from vftops.auth.models import User
from vftops.core.audit import AuditEvent
from vftops.core.errors import ConflictError, ValidationError
from vftops.equipment.models import Device, Recipient
from vftops.extensions import db
from vftops.support import operations as ops
from vftops.support.models import Team, Ticket, TicketEntry

OSLO = ZoneInfo("Europe/Oslo")


def oslo(*args) -> datetime:
    return datetime(*args, tzinfo=OSLO).astimezone(UTC)


@pytest.fixture
def desk(app, factories):
    """Stjørdal: a servicedesk and a technician team, a rule sending alarms of one
    product to the technicians, and an alarm installed at a critical recipient."""
    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    anne = factories.user("servicedesk", municipalities=[m], username="anne")
    bjorn = factories.user("servicedesk", municipalities=[m], username="bjorn")
    tech = factories.user("technician", municipalities=[m], username="tor")
    reader = factories.user("auditor", municipalities=[m], username="revisor")
    store = factories.store(m, name="Sentrallager")
    alarm = factories.product("safety_alarm", model="Lifeline Vi+")
    sensor = factories.product("door_sensor", model="Dørsensor")
    device = factories.device(alarm, store, serial="ALARM-1")
    critical = factories.recipient(m, name="Kari Kritisk", is_critical=True)
    factories.placement(device, critical)
    loose = factories.device(sensor, store, serial="SENSOR-1")
    foreign = factories.device(alarm, factories.store(other, name="Meråker lager"), serial="M-1")
    with app.app_context():
        desk_team = ops.create_team(
            None, m.id, name="Servicedesk", kind="servicedesk", is_default=True
        )
        technicians = ops.create_team(
            None, m.id, name="Teknikere", kind="technicians", members=[_get(User, tech)]
        )
        ops.save_rule(
            None, m.id, team=technicians, position=10, kind="technical_alarm", product_id=alarm.id
        )
        db.session.commit()
        ids = SimpleNamespace(desk_team=desk_team.id, technicians=technicians.id)
    return SimpleNamespace(
        m=m,
        other=other,
        anne=anne,
        bjorn=bjorn,
        tech=tech,
        reader=reader,
        alarm=alarm,
        sensor=sensor,
        device=device,
        loose=loose,
        foreign=foreign,
        critical=critical,
        **vars(ids),
    )


def _get(model, obj):
    return db.session.get(model, obj.id)


def _alarm(desk, *, at=None, **kw):
    data = {
        "title": "Lavt batteri",
        "kind": "technical_alarm",
        "channel": "alarm",
        "reporter_kind": "monitoring",
        "devices": [_get(Device, desk.device)],
    }
    data.update(kw)
    return ops.create_ticket(None, desk.m.id, at=at, **data)


def test_an_alarm_is_routed_filled_in_and_prioritised(app, desk):
    """The rule sends the alarm to the technicians; the recipient comes from the device's
    placement, and being critical makes it urgent: high × medium = priority 2, 24/7."""
    with app.app_context():
        created = oslo(2026, 11, 20, 15, 0)  # a Friday afternoon
        ticket = _alarm(desk, at=created)
        db.session.commit()
        assert ticket.team_id == desk.technicians
        assert ticket.recipient_id == desk.critical.id
        assert (ticket.urgency, ticket.impact, ticket.priority) == ("high", "medium", 2)
        assert ticket.sla_calendar == "24x7"
        assert ticket.acknowledge_due_at == created + timedelta(minutes=60)
        assert ticket.resolve_due_at == created + timedelta(hours=8)
        log = db.session.scalars(select(TicketEntry.body).where(TicketEntry.ticket_id == ticket.id))
        assert "Teknikere" in " ".join(log)


def test_no_rule_matches_the_default_team_gets_it_on_business_hours(app, desk):
    """A question about a sensor matches no rule: default team, medium × medium = 3, which
    runs on working hours — so a Friday 15:00 question is due to be acknowledged Monday."""
    with app.app_context():
        ticket = ops.create_ticket(
            None,
            desk.m.id,
            title="Hvordan tester jeg sensoren?",
            kind="question",
            channel="phone",
            reporter_kind="employee",
            devices=[_get(Device, desk.loose)],
            at=oslo(2026, 11, 20, 15, 0),
        )
        assert ticket.team_id == desk.desk_team
        assert ticket.recipient_id is None
        assert ticket.priority == 3
        assert ticket.sla_calendar == "business"
        # 4 working hours to acknowledge: one on Friday, three on Monday.
        assert ticket.acknowledge_due_at == oslo(2026, 11, 23, 11, 0)


def test_bad_input_names_every_field(app, desk):
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            ops.create_ticket(
                None,
                desk.m.id,
                title=" ",
                kind="meteor",
                channel="pigeon",
                reporter_kind="employee",
                urgency="extreme",
                devices=[_get(Device, desk.foreign)],
            )
        assert set(refused.value.fields) == {"title", "kind", "channel", "urgency", "device_ids"}
        assert db.session.scalar(select(Ticket.id)) is None


def test_the_same_external_id_twice_is_one_ticket(app, desk):
    with app.app_context():
        data = {
            "title": "Lavt batteri",
            "kind": "technical_alarm",
            "channel": "alarm",
            "reporter_kind": "monitoring",
            "devices": [_get(Device, desk.device)],
        }
        first, created = ops.report_ticket(None, desk.m.id, external_id="alarm-771", **data)
        db.session.commit()
        assert created
        again, created = ops.report_ticket(None, desk.m.id, external_id=" alarm-771 ", **data)
        db.session.commit()
        assert again.id == first.id
        assert not created
        with pytest.raises(ValidationError) as refused:
            ops.report_ticket(None, desk.m.id, external_id="alarm-771", **{**data, "title": ""})
        assert set(refused.value.fields) == {"title"}
        assert db.session.scalars(select(Ticket.id)).all() == [first.id]


def test_acknowledging_takes_ownership_and_a_second_person_is_told_who(app, desk):
    with app.app_context():
        ticket = _alarm(desk)
        db.session.commit()
        ops.acknowledge(_get(User, desk.anne), ticket)
        db.session.commit()
        assert ticket.status == "acknowledged"
        assert ticket.assignee_id == desk.anne.id
        with pytest.raises(ConflictError) as late:
            ops.acknowledge(_get(User, desk.bjorn), ticket)
        assert "Person Anne" in str(late.value.message)
        assert late.value.details["acknowledged_by"] == "anne"


def test_two_people_acknowledging_at_once(app, desk):
    """Both click «Kvitter» together: one owns it, the other is told who."""
    with app.app_context():
        ticket_id = _alarm(desk).id
        db.session.commit()
    people = [desk.anne, desk.bjorn]

    def saw(i):
        assert db.session.get(Ticket, ticket_id).status == "new"  # both read it
        return _get(User, people[i])

    def acknowledge(i, actor):
        ops.acknowledge_or_explain(actor, ticket_id)
        return people[i].username

    outcomes = race(app, acknowledge, prepare=saw)
    winners = [o for o in outcomes if isinstance(o, str)]
    losers = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1, outcomes
    winner = winners[0]
    assert losers[0].details["acknowledged_by"] == winner
    assert f"Person {winner.title()}" in str(losers[0].message)
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.acknowledged_by.username == winner
        acks = db.session.scalars(
            select(AuditEvent.id).where(AuditEvent.action == "ticket.acknowledge")
        ).all()
        assert len(acks) == 1


def test_a_transition_the_lifecycle_does_not_allow_names_the_allowed_ones(app, desk):
    with app.app_context():
        ticket = _alarm(desk)
        with pytest.raises(ConflictError) as refused:
            ops.change_status(_get(User, desk.anne), ticket, "closed")
        assert refused.value.details["allowed"] == [
            "acknowledged",
            "in_progress",
            "waiting_reporter",
            "waiting_supplier",
            "resolved",
        ]
        assert "Løst" in str(refused.value.message) or "Resolved" in str(refused.value.message)
        with pytest.raises(ValidationError):
            ops.change_status(_get(User, desk.anne), ticket, "resolved", note=" ")


def test_waiting_stops_the_clock_and_resolving_late_is_a_breach(app, desk):
    """Priority 3 on working hours: created Monday 10:00, due Thursday 10:00. Waiting for
    the reporter from Monday 12:00 to Wednesday 12:00 moves the deadline to Monday 10:00."""
    with app.app_context():
        anne = _get(User, desk.anne)
        ticket = ops.create_ticket(
            None,
            desk.m.id,
            title="Alarmen piper om natta",
            kind="equipment_fault",
            channel="phone",
            reporter_kind="relative",
            at=oslo(2026, 11, 23, 10, 0),
        )
        assert ticket.resolve_due_at == oslo(2026, 11, 26, 10, 0)
        ops.change_status(anne, ticket, "waiting_reporter", at=oslo(2026, 11, 23, 12, 0))
        # Acknowledged on the way, by the first person to act.
        assert ticket.acknowledged_by_id == anne.id
        assert ticket.acknowledge_breached_at is None
        ops.change_status(anne, ticket, "in_progress", at=oslo(2026, 11, 25, 12, 0))
        assert ticket.paused_minutes == 16 * 60
        assert ticket.resolve_due_at == oslo(2026, 11, 30, 10, 0)
        ops.change_status(
            anne, ticket, "resolved", note="Byttet batteri", at=oslo(2026, 11, 30, 11, 0)
        )
        db.session.commit()
        assert ticket.resolve_breached_at == oslo(2026, 11, 30, 10, 0)
        assert ticket.resolution == "Byttet batteri"


def test_resolving_an_incident_resolves_its_tickets_with_one_note(app, desk):
    with app.app_context():
        anne = _get(User, desk.anne)
        parent = _alarm(desk, title="Mobilnettet nede i Stjørdal")
        parent.is_incident = True
        children = [_alarm(desk, title=f"Mistet forbindelse {i}") for i in range(3)]
        for child in children:
            child.parent_id = parent.id
        db.session.flush()
        db.session.expire(parent, ["children"])
        ops.change_status(anne, parent, "resolved", note="Telenor har rettet feilen")
        db.session.commit()
        for child in children:
            assert child.status == "resolved"
            assert child.resolution == "Telenor har rettet feilen"


def test_the_daily_sweep_records_breaches_and_closes_old_resolved_tickets(app, desk):
    with app.app_context():
        anne = _get(User, desk.anne)
        start = oslo(2026, 11, 2, 9, 0)
        late = _alarm(desk, at=start)  # 24/7: acknowledge within an hour
        done = _alarm(desk, at=start, title="Løst for lenge siden")
        ops.change_status(anne, done, "resolved", note="Ok", at=start + timedelta(minutes=10))
        db.session.commit()
        result = ops.sweep(start + timedelta(days=10))
        db.session.commit()
        assert result == {"acknowledge_breaches": 1, "resolve_breaches": 1, "closed": 1}
        late = db.session.get(Ticket, late.id)
        assert late.acknowledge_breached_at == late.acknowledge_due_at
        assert db.session.get(Ticket, done.id).status == "closed"
        # Once recorded, not again.
        assert ops.sweep(start + timedelta(days=11))["acknowledge_breaches"] == 0


def test_only_people_who_handle_tickets_can_own_them(app, desk):
    with app.app_context():
        ticket = _alarm(desk)
        with pytest.raises(ValidationError):
            ops.assign(_get(User, desk.anne), ticket, assignee=_get(User, desk.reader))
        ops.assign(
            _get(User, desk.anne),
            ticket,
            assignee=_get(User, desk.tech),
            team=db.session.get(Team, desk.technicians),
        )
        db.session.commit()
        assert ticket.assignee_id == desk.tech.id


def test_a_new_urgency_gives_new_deadlines(app, desk):
    with app.app_context():
        ticket = ops.create_ticket(
            None,
            desk.m.id,
            title="Spørsmål",
            kind="question",
            channel="web",
            reporter_kind="employee",
            urgency="low",
            impact="low",
            at=oslo(2026, 11, 23, 9, 0),
        )
        assert ticket.priority == 4
        ops.update_ticket(_get(User, desk.anne), ticket, urgency="high", impact="high")
        assert ticket.priority == 1
        assert ticket.sla_calendar == "24x7"
        assert ticket.acknowledge_due_at == oslo(2026, 11, 23, 9, 15)
        recipient = db.session.get(Recipient, desk.critical.id)
        assert recipient.is_critical
