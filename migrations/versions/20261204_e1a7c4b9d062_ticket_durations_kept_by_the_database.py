"""ticket durations kept by the database

Revision ID: e1a7c4b9d062
Revises: b5d1c3e8f207
Create Date: 2026-12-04 16:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e1a7c4b9d062"
down_revision = "b5d1c3e8f207"
branch_labels = None
depends_on = None

# The support reports' medians count the minutes from registration to acknowledged and
# to resolved for every ticket of the period. Worked out from the times in each query,
# that was half the time of the page on SQLite (julianday reads two texts per row).
# The whole minutes (half up, as the reports show them) are now kept on the ticket
# by a trigger, from the times themselves, and carried in the indexes the reports read.
COLUMNS = ("minutes_to_acknowledge", "minutes_to_resolve")
SQLITE_MINUTES = (
    "CAST((julianday({row}acknowledged_at) - julianday({row}created_at)) * 1440 + 0.500001"
    " AS INTEGER)",
    "CAST((julianday({row}resolved_at) - julianday({row}created_at)) * 1440 + 0.500001"
    " AS INTEGER)",
)
PG_MINUTES = (
    "CAST(FLOOR(date_part('epoch', {row}acknowledged_at - {row}created_at) / 60 + 0.5)"
    " AS INTEGER)",
    "CAST(FLOOR(date_part('epoch', {row}resolved_at - {row}created_at) / 60 + 0.5)"
    " AS INTEGER)",
)
INDEXES = {
    "ix_tickets_municipality_acknowledged": (
        ["municipality_id", "acknowledged_at", "priority", "created_at"],
        ["municipality_id", "acknowledged_at", "priority", "minutes_to_acknowledge"],
    ),
    "ix_tickets_municipality_resolved": (
        [
            "municipality_id",
            "resolved_at",
            "priority",
            "created_at",
            "team_id",
            "resolve_breached_at",
            "acknowledge_breached_at",
        ],
        [
            "municipality_id",
            "resolved_at",
            "priority",
            "minutes_to_resolve",
            "team_id",
            "resolve_breached_at",
            "acknowledge_breached_at",
        ],
    ),
}


def _sqlite_triggers() -> list[str]:
    ack, res = (m.format(row="NEW.") for m in SQLITE_MINUTES)
    # The minutes follow the times on every insert and update, and a write to the
    # minutes themselves is put right at once.
    when = f"NEW.minutes_to_acknowledge IS NOT {ack} OR NEW.minutes_to_resolve IS NOT {res}"
    body = (
        f"UPDATE tickets SET minutes_to_acknowledge = {ack}, minutes_to_resolve = {res} "
        "WHERE id = NEW.id;"
    )
    return [
        f"CREATE TRIGGER tickets_minutes_insert AFTER INSERT ON tickets WHEN {when} "
        f"BEGIN {body} END",
        f"CREATE TRIGGER tickets_minutes_update AFTER UPDATE ON tickets WHEN {when} "
        f"BEGIN {body} END",
    ]


def _pg_trigger() -> list[str]:
    ack, res = (m.format(row="NEW.") for m in PG_MINUTES)
    return [
        f"""
        CREATE FUNCTION tickets_minutes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.minutes_to_acknowledge := {ack};
            NEW.minutes_to_resolve := {res};
            RETURN NEW;
        END $$
        """,
        # On a change of the times or of the minutes themselves, not on every update.
        "CREATE TRIGGER tickets_minutes BEFORE INSERT OR UPDATE OF created_at, "
        "acknowledged_at, resolved_at, minutes_to_acknowledge, minutes_to_resolve "
        "ON tickets FOR EACH ROW EXECUTE FUNCTION tickets_minutes()",
    ]


def _indexes(which: int) -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="tickets")
        op.create_index(name, "tickets", columns[which], unique=False)
    op.execute("ANALYZE tickets")


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column in COLUMNS:
        op.add_column("tickets", sa.Column(column, sa.Integer(), nullable=True))
    ack, res = (m.format(row="") for m in (SQLITE_MINUTES if sqlite else PG_MINUTES))
    op.execute(
        f"UPDATE tickets SET minutes_to_acknowledge = {ack}, minutes_to_resolve = {res} "
        "WHERE acknowledged_at IS NOT NULL OR resolved_at IS NOT NULL"
    )
    for statement in _sqlite_triggers() if sqlite else _pg_trigger():
        op.execute(statement)
    _indexes(1)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS tickets_minutes_insert")
        op.execute("DROP TRIGGER IF EXISTS tickets_minutes_update")
    else:
        op.execute("DROP TRIGGER IF EXISTS tickets_minutes ON tickets")
        op.execute("DROP FUNCTION IF EXISTS tickets_minutes()")
    _indexes(0)
    for column in COLUMNS:
        op.drop_column("tickets", column)
