"""A citizen can be forgotten: `flask vftops purge` anonymises those whose service is long
over, and afterwards no table, audit event or export holds their name."""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.conftest import login
from vftops.core.models import local_today

NAME = "Solveig Åsheim-Brekke"
RELATIVE = "Kari Nordvik"
SECRETS = [
    "Åsheim",
    "Solveig",
    RELATIVE,
    "Nordvik",
    "41234567",
    "98765432",
    "Lensmannsvegen 17",
    "J-2024-5531",
    "V-889",
    "nøkkelboks",
    "kari.nordvik@example.no",
    "Hans Olsen",  # a neighbour who rang, named only as the ticket's reporter
    "412 34 567",  # her number written with spaces
    "Solveigs",  # the genitive
    "Solveig_Asheim",  # an attachment's file name
    "98 76 54 32",  # the daughter's number in the placement's settings
]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=["vftops", *args])

    return run


def _ops(app, fn):
    from vftops.extensions import db

    with app.app_context():
        result = fn(db)
        db.session.commit()
        return result


@pytest.fixture
def world(app, factories):
    """Solveig had an alarm, a ticket a relative rang about, a technician's job with a
    note; the alarm came back. Others still have theirs, or wait for one."""
    from vftops.auth.models import User
    from vftops.equipment.models import Device, Placement, Product, Recipient, Store
    from vftops.equipment.operations import plan_visit, return_device, update_recipient
    from vftops.stock.operations import issue_consumables, receive_consumables
    from vftops.support.attachments import add_attachment
    from vftops.support.function_tests import record_function_test
    from vftops.support.operations import add_entry, change_status, create_ticket, update_ticket

    m = factories.municipality(name="Stjørdal", number="5035")
    store = factories.store(m, name="Sentrallager")
    alarm = factories.product("safety_alarm", manufacturer="Tunstall", model="Lifeline Vi+")
    admin = factories.user("admin", municipalities=[m], username="ada")
    tech = factories.user("technician", municipalities=[m], username="tore")
    solveig = factories.recipient(
        m,
        name=NAME,
        address="Lensmannsvegen 17",
        postal_code="7500",
        city="Stjørdal",
        phone="41234567",
        access_note="Nøkkelboks ved bakdøra, kode 1234",
        journal_ref="J-2024-5531",
        decision_ref="V-889",
        relatives=[{"name": RELATIVE, "phone": "98765432", "relation": "datter"}],
    )
    kept = factories.recipient(m, name="Per Beholder")
    waiting = factories.recipient(m, name="Vera Venter")
    d1 = factories.device(alarm, store, serial="TUN-1")
    d2 = factories.device(alarm, store, serial="TUN-2")
    p1 = factories.placement(d1, solveig, config_settings={"kontakt": "Kari, 98 76 54 32"})
    factories.placement(d2, kept)
    battery = factories.product("other", model="CR2", is_serialised=False)

    def history(db):
        person = db.session.get(Recipient, solveig.id)
        update_recipient(None, person, address="Lensmannsvegen 17 B", is_critical=True)
        ticket = create_ticket(
            None,
            m.id,
            title=f"Alarmen til {NAME} piper",
            description=f"{RELATIVE} ringte: alarmen hos Solveig piper om natta. Ring 98765432.",
            kind="equipment_fault",
            channel="phone",
            reporter_kind="relative",
            reporter_name=RELATIVE,
            reporter_contact="kari.nordvik@example.no",
            devices=[db.session.get(Device, d1.id)],
        )
        add_entry(None, ticket, f"Snakket med {RELATIVE}, hun er hos mora i kveld.")
        add_entry(None, ticket, "Solveigs nabo ringte også, nummeret hennes er 412 34 567.")
        update_ticket(None, ticket, description=f"Batterivarsel hos {NAME}.")
        add_attachment(None, ticket, "Solveig_Asheim_bad.png", PNG)
        change_status(None, ticket, "in_progress")
        change_status(None, ticket, "resolved", note="Byttet batteri.")
        neighbour = create_ticket(
            None,
            m.id,
            title="Alarm piper hos naboen",
            description="Naboen Hans Olsen (hans@olsen.no) ringte om alarmen.",
            kind="equipment_fault",
            channel="phone",
            reporter_kind="relative",
            reporter_name="Hans Olsen",
            reporter_contact="hans@olsen.no",
            devices=[db.session.get(Device, d1.id)],
        )
        change_status(None, neighbour, "in_progress")
        change_status(None, neighbour, "resolved", note="Ok.")
        record_function_test(
            None,
            db.session.get(Device, d1.id),
            result="passed",
            note=f"Testet sammen med {NAME}",
        )
        central = db.session.get(Store, store.id)
        receive_consumables(None, central, db.session.get(Product, battery.id), 5)
        issue_consumables(
            None,
            central,
            db.session.get(Product, battery.id),
            1,
            recipient=person,
            reason=f"Batteri til {NAME}",
        )
        visit = plan_visit(
            None,
            person,
            kind="return",
            assigned_to=db.session.get(User, tech.id),
            planned_on=local_today(),
            placement=db.session.get(Placement, p1.id),
            note=f"Ring {RELATIVE} før du drar, nøkkelboks ved bakdøra",
        )
        return_device(
            None,
            db.session.get(Placement, p1.id),
            reason="service_ended",
            destination="store",
            store=db.session.get(Store, store.id),
            note=f"Hentet hos {NAME}, levert av datteren Kari Nordvik",
            visit=visit,
        )
        return ticket.id

    ticket_id = _ops(app, history)
    return SimpleNamespace(
        app=app,
        m=m,
        admin=admin,
        solveig=solveig,
        kept=kept,
        waiting=waiting,
        ticket_id=ticket_id,
        later=local_today() + timedelta(days=400),
    )


def _everything(app) -> str:
    """Every value of every row of every table, as one text."""
    from vftops.extensions import db

    parts = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).all():
                for value in row:
                    if isinstance(value, dict | list):
                        parts.append(json.dumps(value, ensure_ascii=False))
                    elif value is not None:
                        parts.append(str(value))
    return "\n".join(parts)


def _purge(app, *, today: date, months: int = 12, dry_run: bool = False):
    from vftops.equipment.purge import run_purge

    return _ops(app, lambda db: run_purge(months=months, dry_run=dry_run, today=today))


def test_before_a_purge_the_name_is_held_where_it_was_written(world):
    text = _everything(world.app)
    for secret in SECRETS:
        assert secret.lower() in text.lower(), secret


def test_after_a_purge_no_table_audit_event_or_export_holds_the_name(world, client):
    result = _purge(world.app, today=world.later)
    assert result.per_municipality == {"Stjørdal": 1}

    text = _everything(world.app).lower()
    left = [s for s in SECRETS if s.lower() in text]
    assert left == []

    login(client, world.admin)
    exports = [
        "/devices/export.csv",
        "/devices/export.xlsx",
        "/support/export.csv?queue=all",
        "/support/export.xlsx?queue=all",
    ]
    for url in exports:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data()
        for secret in SECRETS:
            assert secret.encode() not in body, (url, secret)

    # What stays: the device's history and the ticket, with the anonymised name.
    page = client.get(f"/recipients/{world.solveig.id}").get_data(as_text=True)
    assert "Anonymisert tjenestemottaker" in page
    assert "TUN-1" in page
    ticket = client.get(f"/support/{world.ticket_id}").get_data(as_text=True)
    assert "Alarmen til [anonymisert] piper" in ticket
    assert "Snakket med [anonymisert], hun er hos mora i kveld." in ticket


def test_the_purge_keeps_whoever_still_has_a_device_or_waits_for_one(world):
    from vftops.equipment.models import Recipient
    from vftops.extensions import db

    _purge(world.app, today=world.later)
    with world.app.app_context():
        names = {
            r.id: (r.name, r.anonymised_at is not None)
            for r in db.session.scalars(select(Recipient)).all()
        }
    assert names[world.kept.id] == ("Per Beholder", False)
    assert names[world.waiting.id] == ("Vera Venter", False)
    assert names[world.solveig.id][1] is True


def test_nobody_is_due_before_the_retention_is_over(world):
    from vftops.equipment.purge import months_before

    today = local_today()
    assert _purge(world.app, today=today).count == 0
    # The return was today: due the day after twelve months have passed, not before.
    last_day_kept = today.replace(year=today.year + 1)
    assert months_before(last_day_kept, 12) == today
    assert _purge(world.app, today=last_day_kept).count == 0
    assert _purge(world.app, today=last_day_kept + timedelta(days=1)).count == 1


def test_a_shorter_retention_purges_sooner(world):
    in_four_months = local_today() + timedelta(days=125)
    assert _purge(world.app, today=in_four_months).count == 0
    assert _purge(world.app, today=in_four_months, months=3).count == 1


def test_the_run_is_audited_with_how_many_not_who(world):
    from vftops.core.audit import AuditEvent
    from vftops.extensions import db

    _purge(world.app, today=world.later)
    with world.app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "recipient.purge")
        ).all()
        assert len(events) == 1
        event = events[0]
        assert event.municipality_id == world.m.id
        assert event.changes == {"anonymised": {"before": None, "after": 1}}
        assert event.object_id is None
        assert event.summary == "1 tjenestemottaker(e) anonymisert: ingen aktivitet på 12 måneder"


def test_a_dry_run_lists_who_by_number_and_changes_nothing(world, cli):
    before = _everything(world.app)
    result = _purge(world.app, today=world.later, dry_run=True)
    assert [(m, rid) for m, rid, _ in result.due] == [("Stjørdal", world.solveig.id)]
    assert _everything(world.app) == before


def test_the_photos_on_her_tickets_are_deleted_from_disk(world):
    from vftops.extensions import db
    from vftops.support.attachments import path_of
    from vftops.support.models import TicketAttachment

    with world.app.app_context():
        photo = path_of(db.session.scalars(select(TicketAttachment)).one())
    assert photo.exists()
    _purge(world.app, today=world.later)
    assert not photo.exists()
    with world.app.app_context():
        assert db.session.scalars(select(TicketAttachment)).all() == []


def test_a_long_title_does_not_stop_the_run(world):
    """Her name in a title of 198 characters becomes longer when scrubbed: it is cut to
    the column, and she is anonymised with the rest."""
    from vftops.support.models import Ticket

    def lengthen(db):
        ticket = db.session.get(Ticket, world.ticket_id)
        ticket.title = ("x" * 189 + " Solveig")[:198]

    _ops(world.app, lengthen)
    result = _purge(world.app, today=world.later)
    assert result.per_municipality == {"Stjørdal": 1}
    assert result.failed == []
    with world.app.app_context():
        from vftops.extensions import db

        title = db.session.get(Ticket, world.ticket_id).title
        assert len(title) <= 200
        assert "Solveig" not in title


def test_an_open_ticket_or_consumables_given_lately_keep_the_recipient(world, factories):
    """The servicedesk may still need to call about an open ticket; a battery given out
    within the retention period is something happening."""
    from vftops.equipment.models import Recipient
    from vftops.support.models import Ticket

    def reopen(db):
        db.session.get(Ticket, world.ticket_id).status = "in_progress"

    _ops(world.app, reopen)
    assert _purge(world.app, today=world.later).count == 0

    def resolve_again(db):
        db.session.get(Ticket, world.ticket_id).status = "resolved"

    _ops(world.app, resolve_again)
    # The battery was given today: 12 months from now she is still remembered ...
    soon = local_today() + timedelta(days=200)
    assert _purge(world.app, today=soon, months=12).count == 0
    # ... and once it is a year and more ago, she is forgotten.
    assert _purge(world.app, today=world.later).count == 1
    with world.app.app_context():
        from vftops.extensions import db

        assert db.session.get(Recipient, world.solveig.id).anonymised_at is not None


def test_a_second_run_finds_nobody(world):
    assert _purge(world.app, today=world.later).count == 1
    assert _purge(world.app, today=world.later).count == 0


def test_the_command_says_how_many_and_a_dry_run_names_them(world, cli):
    dry = cli("purge", "--dry-run", "--months", "12")
    assert dry.exit_code == 0, dry.output
    assert "Nobody is due" in dry.output  # everything happened today
    done = cli("purge", "--months", "0")
    assert done.exit_code != 0
    assert "at least 1" in done.output


def test_an_anonymised_recipient_cannot_be_given_data_or_devices_again(world, client):
    from vftops.core.errors import ConflictError
    from vftops.equipment.models import Recipient
    from vftops.equipment.operations import update_recipient
    from vftops.extensions import db

    _purge(world.app, today=world.later)
    with world.app.app_context():
        person = db.session.get(Recipient, world.solveig.id)
        with pytest.raises(ConflictError):
            update_recipient(None, person, name="Solveig igjen")
        db.session.rollback()

    with world.app.app_context():
        from vftops.core.errors import ValidationError
        from vftops.equipment.models import Product, Store
        from vftops.stock.operations import issue_consumables

        with pytest.raises(ValidationError) as refused:
            issue_consumables(
                None,
                db.session.scalars(select(Store)).first(),
                db.session.scalars(select(Product).where(Product.model == "CR2")).one(),
                1,
                recipient=db.session.get(Recipient, world.solveig.id),
            )
        assert "recipient_id" in refused.value.fields
        db.session.rollback()

    login(client, world.admin)
    edit = client.get(f"/recipients/{world.solveig.id}/edit")
    assert edit.status_code == 409
    assert "anonymised" in edit.get_data(as_text=True).lower() or "anonymisert" in (
        edit.get_data(as_text=True).lower()
    )


def test_personal_fields_are_audited_as_changed_without_their_values(world, client):
    """From now on: the log says that the address changed, not what it was or became."""
    from vftops.core.audit import AuditEvent
    from vftops.extensions import db

    with world.app.app_context():
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["recipient.create", "recipient.update"]))
            .where(AuditEvent.object_id == str(world.solveig.id))
            .order_by(AuditEvent.id)
        ).all()
        created, updated = events
        assert created.changes["name"] == {"changed": True}
        assert created.changes["relatives"] == {"changed": True}
        assert updated.changes["address"] == {"changed": True}
        assert updated.changes["is_critical"] == {"before": False, "after": True}
        ticket_update = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ticket.update")
        ).one()
        assert ticket_update.changes["description"] == {"changed": True}
        for ticket_create in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ticket.create")
        ):
            assert NAME not in ticket_create.summary
            assert "Hans Olsen" not in ticket_create.summary

    login(client, world.admin)
    log = client.get(f"/audit?object_type=recipients&object_id={world.solveig.id}")
    html = log.get_data(as_text=True)
    assert "Adresse</strong>: endret" in html
    assert "Lensmannsvegen" not in html


def test_the_notes_tables_are_append_only_again_after_the_purge(world):
    from sqlalchemy import update
    from sqlalchemy.exc import DBAPIError

    from vftops.core.audit import AuditLogIsAppendOnly, scrub_append_only
    from vftops.equipment.models import Movement
    from vftops.extensions import db

    _purge(world.app, today=world.later)
    with world.app.app_context():
        for name in ("movements", "ticket_entries", "audit_events"):
            table = db.metadata.tables[name]
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(update(table).values(id=table.c.id))
            db.session.rollback()
        # Outside a purge, even vftops's own code cannot rewrite a note.
        with pytest.raises(AuditLogIsAppendOnly):
            scrub_append_only(Movement.__table__, "reason", Movement.id > 0, str.upper)
