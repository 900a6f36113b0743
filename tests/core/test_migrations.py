"""The Alembic migrations: they build exactly the schema the models describe."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import DBAPIError

from vftops import create_app
from vftops.extensions import db
from vftops.settings import PROJECT_ROOT

VERSIONS = PROJECT_ROOT / "migrations" / "versions"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FILE_NAME = re.compile(
    r"^(?P<date>\d{8})_(?P<rev>[0-9a-f]{12})_(?P<slug>[a-z0-9]+(?:_[a-z0-9]+)*)\.py$"
)


def _app_on_empty_database(backend, database_factory):
    return create_app("testing", SQLALCHEMY_DATABASE_URI=database_factory(backend))


def _table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_migrations_build_exactly_the_schema_of_the_models(backend, database_factory):
    """An operator who runs `flask vftops init` gets the schema the code expects, nothing missing."""
    app = _app_on_empty_database(backend, database_factory)
    with app.app_context():
        try:
            flask_migrate.upgrade()
            with db.engine.connect() as connection:
                mc = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(mc, db.metadata)
            assert differences == [], f"migrations and models differ: {differences!r}"
            assert {t.name for t in db.metadata.sorted_tables} <= _table_names()
        finally:
            db.engine.dispose()


def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(backend, database_factory):
    """Rolling back and forward again leaves a working schema with the append-only audit log."""
    app = _app_on_empty_database(backend, database_factory)
    with app.app_context():
        try:
            flask_migrate.upgrade()
            assert {"users", "audit_events", "municipalities"} <= _table_names()

            flask_migrate.downgrade(revision="base")
            assert _table_names() <= {"alembic_version"}, (
                f"tables left after downgrade: {_table_names() - {'alembic_version'}}"
            )

            flask_migrate.upgrade()
            tables = _table_names()
            for table in db.metadata.sorted_tables:
                assert table.name in tables
            assert {"users", "audit_events", "municipalities"} <= tables

            engine = db.engine
            with engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO audit_events (created_at, action, object_type, summary, changes)"
                        " VALUES (CURRENT_TIMESTAMP, 'test.event', 'test', 'original', '{}')"
                    )
                )
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(sa.text("UPDATE audit_events SET summary = 'rewritten'"))
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM audit_events"))
            with engine.connect() as conn:
                summaries = conn.execute(sa.text("SELECT summary FROM audit_events")).scalars()
                assert list(summaries) == ["original"]
        finally:
            db.session.remove()
            db.engine.dispose()


def test_the_log_written_before_loses_its_personal_values_once(backend, database_factory):
    """Events written before personal fields were recorded as «changed» are redacted by the
    migration that says so in its own event; what is not personal stays, and the log is
    append-only again afterwards."""
    app = _app_on_empty_database(backend, database_factory)
    with app.app_context():
        try:
            flask_migrate.upgrade(revision="9f472614771e")
            changes = {
                "address": {"before": "Lensmannsvegen 17", "after": "Storgata 2"},
                "is_critical": {"before": False, "after": True},
            }
            with db.engine.begin() as conn:
                insert = sa.text(
                    "INSERT INTO audit_events (created_at, action, object_type, object_id,"
                    " summary, changes) VALUES (CURRENT_TIMESTAMP, :action, :type, '7',"
                    " :summary, :changes)"
                )
                rows = [
                    ("recipient.update", "recipients", "Tjenestemottaker 7 endret", changes),
                    # A title with an arrow of its own loses all of it, not only the team.
                    ("ticket.create", "tickets", "Sak #7 registrert: Flytting → Åse Moe → IT", {}),
                    ("ticket.create", "tickets", "Sak #8 registrert: Alarm hos Åse", {}),
                    (
                        "ticket.attach",
                        "tickets",
                        "Sak #8: vedlegg Åse_Moe (bad).png (image/png, 1234 byte)",
                        {},
                    ),
                    ("device.update", "devices", "Enhet 7 endret", {"note": changes["address"]}),
                ]
                for action, type_, summary, change in rows:
                    conn.execute(
                        insert,
                        {
                            "action": action,
                            "type": type_,
                            "summary": summary,
                            "changes": json.dumps(change),
                        },
                    )
            flask_migrate.upgrade()
            with db.engine.connect() as conn:
                events = conn.execute(
                    sa.text("SELECT action, summary, changes FROM audit_events ORDER BY id")
                ).all()
            got = [(a, s_, c if isinstance(c, dict) else json.loads(c)) for a, s_, c in events]
            assert got[0][2] == {
                "address": {"changed": True},
                "is_critical": {"before": False, "after": True},
            }
            assert got[1][1] == "Sak #7 registrert"
            assert got[2][1] == "Sak #8 registrert"
            assert got[3][1] == "Sak #8: vedlegg lagt til (image/png, 1234 byte)"
            assert got[4][2] == {"note": changes["address"]}  # not a person's field
            assert got[5][0] == "audit.redact"
            assert "4 eldre hendelse(r)" in got[5][1]
            assert "Åse" not in " ".join(summary for _a, summary, _c in got)
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.execute(sa.text("UPDATE audit_events SET summary = 'rewritten'"))
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_tickets_system_name_becomes_the_registers_system(backend, database_factory):
    """The free-text system of tickets and routing rules: a name the register has (in any
    case, run by the municipality or shared with it) is that system; a name it does not
    know becomes a system of the municipality that used it; the names come back on a
    downgrade."""
    app = _app_on_empty_database(backend, database_factory)
    with app.app_context():
        try:
            flask_migrate.upgrade(revision="f4a8b2c6d913")
            with db.engine.begin() as conn:

                def insert(sql, **values):
                    return conn.execute(sa.text(sql + " RETURNING id"), values).scalar_one()

                stj = insert(
                    "INSERT INTO municipalities (name, number, is_active, created_at, updated_at,"
                    " version) VALUES ('Stjørdal', '5035', true, :t, :t, 1)",
                    t=NOW,
                )
                mer = insert(
                    "INSERT INTO municipalities (name, number, is_active, created_at, updated_at,"
                    " version) VALUES ('Meråker', '5034', true, :t, :t, 1)",
                    t=NOW,
                )
                system = insert(
                    "INSERT INTO it_systems (municipality_id, name, kind, admin_kind,"
                    " holds_health_data, account_source, review_interval_months, status,"
                    " created_at, updated_at, version) VALUES (:m, 'Dosettportal',"
                    " 'dispenser_portal', 'supplier', true, 'supplier', 6, 'active', :t, :t, 1)",
                    m=stj,
                    t=NOW,
                )
                conn.execute(
                    sa.text("INSERT INTO it_system_municipalities VALUES (:s, :m)"),
                    {"s": system, "m": mer},
                )
                # A system whose access a team grants (the team kept on the system).
                team = insert(
                    "INSERT INTO teams (municipality_id, name, kind, is_default, is_active,"
                    " created_at, updated_at, version) VALUES (:m, 'Servicedesk',"
                    " 'servicedesk', true, true, :t, :t, 1)",
                    m=stj,
                    t=NOW,
                )
                centre = insert(
                    "INSERT INTO it_systems (municipality_id, name, kind, admin_kind,"
                    " admin_team_id, holds_health_data, account_source,"
                    " review_interval_months, status, created_at, updated_at, version)"
                    " VALUES (:m, 'Responssenter', 'response_centre', 'team', :team, true,"
                    " 'local', 6, 'active', :t, :t, 1)",
                    m=stj,
                    team=team,
                    t=NOW,
                )
                for municipality, name in (
                    (stj, "DOSETTPORTAL"),
                    (mer, "dosettportal"),
                    (mer, "Gamle Pasientvarsling"),
                ):
                    insert(
                        "INSERT INTO tickets (municipality_id, title, kind, channel,"
                        " reporter_kind, system, urgency, impact, priority, status,"
                        " sla_calendar, acknowledge_due_at, resolve_due_at, resolve_warn_at,"
                        " paused_minutes, is_incident, created_at, updated_at, version)"
                        " VALUES (:m, 'Feil', 'system_fault', 'phone', 'employee', :s,"
                        " 'medium', 'medium', 3, 'new', '24x7', :t, :t, :t, 0, false, :t, :t,"
                        " 1)",
                        m=municipality,
                        s=name,
                        t=NOW,
                    )
            flask_migrate.upgrade()
            with db.engine.connect() as conn:
                tickets = conn.execute(
                    sa.text(
                        "SELECT t.municipality_id, s.name, s.municipality_id, s.kind"
                        " FROM tickets t JOIN it_systems s ON s.id = t.system_id ORDER BY t.id"
                    )
                ).all()
            with db.engine.connect() as conn:
                rules = conn.execute(
                    sa.text("SELECT kind, system_id, team_id, position FROM routing_rules")
                ).all()
            assert [tuple(r) for r in rules] == [("access", centre, team, 0)]
            assert [tuple(t) for t in tickets] == [
                (stj, "Dosettportal", stj, "dispenser_portal"),
                (mer, "Dosettportal", stj, "dispenser_portal"),  # shared with Meråker
                (mer, "Gamle Pasientvarsling", mer, "other"),  # new, Meråker's own
            ]
            flask_migrate.downgrade(revision="f4a8b2c6d913")
            with db.engine.connect() as conn:
                names = conn.execute(sa.text("SELECT system FROM tickets ORDER BY id")).scalars()
                assert list(names) == ["Dosettportal", "Dosettportal", "Gamle Pasientvarsling"]
                # The team is back on its system.
                back = conn.execute(
                    sa.text("SELECT admin_team_id FROM it_systems WHERE id = :s"), {"s": centre}
                ).scalar_one()
                assert back == team
        finally:
            db.session.remove()
            db.engine.dispose()


def test_migration_files_are_named_date_revision_slug():
    """Migration files sort by date and say what they do: YYYYMMDD_<rev>_<slug>.py."""
    files = sorted(p for p in VERSIONS.glob("*.py"))
    assert files, f"no migrations in {VERSIONS}"
    for path in files:
        match = FILE_NAME.match(path.name)
        assert match, f"{path.name} is not named YYYYMMDD_<rev>_<slug>.py"
        datetime.strptime(match["date"], "%Y%m%d")  # noqa: DTZ007 - a calendar date only
        source = Path(path).read_text(encoding="utf-8")
        assert re.search(rf"^revision = ['\"]{match['rev']}['\"]$", source, re.MULTILINE), (
            f"{path.name}: the revision in the name is not the file's revision id"
        )
