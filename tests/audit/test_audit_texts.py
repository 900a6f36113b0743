"""The audit log reads as Norwegian to an auditor and as English to an English reader:
actions, objects, fields and coded values by their labels, objects by their names."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.audit.test_audit import audit_rows
from tests.conftest import count_statements, login
from vftops.demo import DEMO_PASSWORD
from vftops.extensions import db


@pytest.fixture
def demo(app):
    from vftops.demo import load_demo

    with app.app_context():
        load_demo()
        db.session.commit()


def _closed_ticket(app):
    from vftops.core.audit import AuditEvent

    with app.app_context():
        return db.session.scalars(
            select(AuditEvent.object_id).where(AuditEvent.action == "ticket.closed")
        ).first()


@pytest.mark.one_backend
def test_every_object_field_and_action_the_demo_records_has_a_label(app, demo):
    """A year of the demo touches every module: no entry it writes shows a bare code."""
    from vftops.core.audit import AuditEvent
    from vftops.core.modules import audit_texts

    with app.app_context():
        texts = audit_texts()
        unlabelled = set()
        for event in db.session.scalars(select(AuditEvent)):
            if event.action not in texts.actions:
                unlabelled.add(f"action {event.action}")
            if event.object_type not in texts.objects:
                unlabelled.add(f"object {event.object_type}")
            for key in event.changes or {}:
                if key not in texts.fields and f"{event.object_type}.{key}" not in texts.fields:
                    unlabelled.add(f"field {key} ({event.action})")
        assert not unlabelled, sorted(unlabelled)


def test_a_closed_ticket_reads_in_the_readers_language_with_a_link(app, client, demo, factories):
    ticket_id = _closed_ticket(app)
    assert ticket_id
    login(client, SimpleNamespace(username="revisor", password=DEMO_PASSWORD))
    rows = audit_rows(client.get(f"/audit?object_type=tickets&object_id={ticket_id}").text)
    closed = next(r for r in rows if r["action"] == "ticket.closed")
    assert closed["action_label"] == "Sak lukket"
    assert closed["object"] == f"Sak #{ticket_id}"  # a title may name a person
    assert "Status: Løst → Avsluttet" in closed["changes"]
    page = client.get(f"/audit?object_type=tickets&object_id={ticket_id}").text
    assert f'href="/support/{ticket_id}"' in page
    # The filter names the kinds of object, not the tables.
    assert re.search(r'<option [^>]*value="tickets"[^>]*>Sak</option>', page)

    from vftops.support.models import Ticket

    with app.app_context():
        municipality_id = db.session.get(Ticket, int(ticket_id)).municipality_id
    reader = factories.user(
        "auditor", municipalities=[SimpleNamespace(id=municipality_id)], locale="en"
    )
    other = app.test_client()
    login(other, reader)
    rows = audit_rows(other.get(f"/audit?object_type=tickets&object_id={ticket_id}").text)
    closed = next(r for r in rows if r["action"] == "ticket.closed")
    assert closed["action_label"] == "Ticket closed"
    assert closed["object"] == f"Ticket #{ticket_id}"
    assert "Status: Resolved → Closed" in closed["changes"]


def test_the_audit_page_names_its_objects_with_a_query_per_kind_not_per_row(app, client, demo):
    """Fifty entries of many kinds: the names come in one query per kind of object."""
    login(client, SimpleNamespace(username="revisor", password=DEMO_PASSWORD))
    with count_statements(app) as few:
        client.get("/audit?object_type=tickets")
    with count_statements(app) as many:
        client.get("/audit")
    # The ticket events include people acting (a unit manager's access order, IT marking
    # it done): the actors, their memberships and units come in a query each, once.
    assert len(few) <= 16, few
    assert len(many) <= len(few) + 8, many


def test_every_field_an_operation_records_has_a_label(app):
    """Not only what the demo fills: every field the operations compare, and every key an
    operation writes into an event's changes by hand."""
    import pathlib

    from vftops.core.modules import audit_texts
    from vftops.equipment.operations import DEVICE_FIELDS, PRODUCT_FIELDS, RECIPIENT_FIELDS
    from vftops.stock.operations import STORE_FIELDS
    from vftops.suppliers.operations import SUPPLIER_FIELDS
    from vftops.support.operations import EDITABLE, TEAM_FIELDS

    root = pathlib.Path(__file__).resolve().parents[2] / "vftops"
    by_hand = set()
    for path in root.rglob("*.py"):
        by_hand |= set(re.findall(r'"([a-z_]+)": \{"before"', path.read_text()))
    by_hand.discard("field")  # the model's own comment
    assert by_hand
    fields = set(SUPPLIER_FIELDS + DEVICE_FIELDS + PRODUCT_FIELDS + RECIPIENT_FIELDS)
    fields |= set(STORE_FIELDS + EDITABLE + TEAM_FIELDS) | by_hand
    with app.app_context():
        labelled = set(audit_texts().fields)
    assert fields - labelled == set()


def test_the_log_names_only_what_the_reader_may_see(app, client, factories):
    """A colleague shared with another municipality: the reader of one sees the other's unit
    by number, not by name; a recipient is shown by number (their page logs the reading);
    the catalogue's products are named for the auditor."""
    from vftops.equipment.models import Recipient

    alfa, beta = factories.municipality(name="Alfa"), factories.municipality(name="Beta")
    secret = factories.unit(beta, name="Hemmelig enhet Beta")
    factories.user("technician", municipalities=[alfa, beta], units=[secret], username="delt")
    recipient = factories.recipient(alfa, name="Kari Hemmelig Nordmann")
    product = factories.product("safety_alarm", model="Lifeline Vi+")
    factories.device(product, factories.store(alfa, name="Lager Alfa"), serial="7")
    reader = factories.user("auditor", municipalities=[alfa], username="revisor-alfa")
    login(client, reader)

    page = client.get("/audit").text
    assert "Hemmelig enhet Beta" not in page
    assert f"#{secret.id}" in page
    assert "Kari Hemmelig Nordmann" not in page
    assert f"Tjenestemottaker #{recipient.id}" in " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Lifeline Vi+" in page
    with app.app_context():
        assert db.session.scalar(select(Recipient.id).where(Recipient.id == recipient.id))
