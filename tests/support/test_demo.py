"""The demo's support story, as the service desk meets it on a Monday morning."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from vftops.demo import DEMO_PASSWORD
from vftops.extensions import db


@pytest.fixture
def demo(app):
    from vftops.demo import load_demo

    with app.app_context():
        load_demo()
        db.session.commit()


def test_demo_support_is_set_up_for_both_municipalities(app, demo):
    from vftops.auth.models import User
    from vftops.equipment.models import Product
    from vftops.org.models import Municipality
    from vftops.suppliers.models import Supplier
    from vftops.support.models import RoutingRule, Team

    with app.app_context():
        desk = db.session.scalar(select(User).where(User.username == "servicedesk"))
        for municipality in db.session.scalars(select(Municipality)):
            teams = {
                t.name: t
                for t in db.session.scalars(
                    select(Team).where(Team.municipality_id == municipality.id)
                )
            }
            assert set(teams) == {
                "Servicedesk",
                "Teknikere",
                "IT-drift",
                "Hjemmetjenesten",
                "Leverandør Tunstall",
            }
            assert teams["Servicedesk"].is_default
            assert desk in teams["Servicedesk"].members
            assert teams["Leverandør Tunstall"].supplier.name == "Tunstall Norge AS"
            rules = db.session.scalars(
                select(RoutingRule).where(RoutingRule.municipality_id == municipality.id)
            ).all()
            assert {r.team.name for r in rules} >= {"Teknikere", "IT-drift", "Hjemmetjenesten"}
        tunstall = db.session.scalar(select(Supplier).where(Supplier.name == "Tunstall Norge AS"))
        assert tunstall.support_hours == "Hverdager 08–16"
        assert tunstall.out_of_hours_note
        intervals = {p.model: p.test_interval_months for p in db.session.scalars(select(Product))}
        assert intervals["Lifeline Smart Hub"] == 6
        assert intervals["GPS-klokke Q"] == 6
        assert intervals["Sengesensor"] is None


def test_demo_queue_holds_what_a_servicedesk_morning_holds(app, demo):
    from vftops.auth.models import User
    from vftops.core.models import utcnow
    from vftops.support import queries
    from vftops.support.function_tests import due_query, overdue_count
    from vftops.support.models import FunctionTest, Ticket

    with app.app_context():
        desk = db.session.scalar(select(User).where(User.username == "servicedesk"))
        counts = queries.queue_counts(desk)
        assert counts["mine"] >= 2
        assert counts["unassigned"] >= 3
        assert counts["supplier"] == 2
        assert counts["soon"] >= 2
        now = utcnow()
        soon = db.session.scalars(queries.queue(desk, "soon")).all()
        states = {
            t.title: queries.clock(t, now, queries_hours()).state
            for t in soon
            if t.parent_id is None
        }
        assert states["Alarmen ringer ikke ut – Stokkanvegen"] == "soon"
        assert states["Trygghetsalarmen piper hele natta – Hegrevegen"] == "breached"
        late = db.session.scalar(
            select(Ticket).where(Ticket.title == "Trygghetsalarmen piper hele natta – Hegrevegen")
        )
        assert late.resolve_breached_at is not None  # the sweep recorded it

        # The mass incident: a dozen lost connections under one parent, owned by IT.
        incident = db.session.scalar(select(Ticket).where(Ticket.is_incident.is_(True)))
        assert incident.title.startswith("Mobilnettet nede")
        assert len(incident.children) == 12
        assert {c.title for c in incident.children} == {"Mistet forbindelse"}
        assert incident.assignee.username == "it"
        assert all(c.is_open for c in incident.children)

        # Waiting on the suppliers, with their case numbers.
        waiting = db.session.scalars(queries.queue(desk, "supplier")).all()
        assert {t.supplier_ref for t in waiting} == {"EVN-44817", "CAR-2026-0931"}

        # Six months of history, mostly closed, a few breaches among them.
        closed = db.session.scalar(select(func.count()).where(Ticket.status == "closed"))
        assert closed > 80
        breached = db.session.scalar(
            select(func.count()).where(
                Ticket.status == "closed", Ticket.resolve_breached_at.is_not(None)
            )
        )
        assert 0 < breached < closed / 5
        oldest = db.session.scalar(select(func.min(Ticket.created_at)))
        assert (now - oldest).days > 170

        # Function tests: many done, a few overdue, one failed today with its ticket.
        assert db.session.scalar(select(func.count(FunctionTest.id))) > 50
        overdue = overdue_count(desk)
        assert 0 < overdue < 30
        due_soon = db.session.scalar(
            select(func.count()).select_from(due_query(desk).order_by(None).subquery())
        )
        assert due_soon > overdue  # more come due within the month
        failed = db.session.scalar(select(FunctionTest).where(FunctionTest.result == "failed"))
        assert failed.ticket.title.startswith("Funksjonstest ikke bestått")
        assert failed.ticket.is_open


def queries_hours():
    from vftops.support.operations import business_hours

    return business_hours()


def test_servicedesk_sees_the_queue_the_reports_and_the_tests(app, demo):
    from vftops.support.models import Ticket

    with app.app_context():
        waiting = set(
            db.session.scalars(select(Ticket.title).where(Ticket.status == "waiting_supplier"))
        )
    assert len(waiting) == 2
    client = app.test_client()
    response = login(client, SimpleNamespace(username="servicedesk", password=DEMO_PASSWORD))
    assert response.status_code == 302

    mine = client.get("/support?queue=mine").get_data(as_text=True)
    assert "Fjernpleiesystemet på Kvislamarka henger" in mine
    assert "Kan pårørende få varsel på mobilen?" in mine

    soon = client.get("/support?queue=soon").get_data(as_text=True)
    assert "Alarmen ringer ikke ut – Stokkanvegen" in soon
    assert "Trygghetsalarmen piper hele natta – Hegrevegen" in soon

    supplier = client.get("/support?queue=supplier").get_data(as_text=True)
    assert all(title in supplier for title in waiting)

    reports = client.get("/support/reports").get_data(as_text=True)
    assert "Rapporter for support" in reports
    new = int(re.search(r"(\d+) nye saker i perioden", reports).group(1))
    assert new > 40
    weeks = re.findall(r'data-testid="weekly-row">.*?fw-semibold">(\d+)</td>', reports, re.S)
    assert len(weeks) == 12
    assert sum(int(n) > 0 for n in weeks) >= 10  # tickets came in nearly every week
    assert "Careium GPS-klokke Q" in reports
    assert "Tunstall Lifeline Smart Hub" in reports
    assert "Teknikere (Stjørdal)" in reports
    assert "Tunstall Norge AS" in reports

    tests = client.get("/support/function-tests")
    assert tests.status_code == 200

    export = client.get("/support/export.csv?queue=open")
    assert export.status_code == 200
    assert "Mistet forbindelse" in export.get_data().decode("utf-8")


def test_demo_digest_has_something_for_the_servicedesk(app, demo):
    from vftops.notify import run_notify

    with app.app_context():
        result = run_notify(dry_run=True)
    by_email = {m.email: m for m in result.sent}
    assert "servicedesk@example.no" in by_email
    text = by_email["servicedesk@example.no"].message.get_body(("plain",)).get_content()
    assert "Bryter snart SLA" in text
    assert "Fjernpleiesystemet på Kvislamarka henger: skal løses innen" in text
    assert "funksjonstester over fristen i Stjørdal" in text
    tech = by_email["tekniker@example.no"].message.get_body(("plain",)).get_content()
    assert "Trygghetsalarmen piper hele natta – Hegrevegen" in tech
