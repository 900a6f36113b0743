"""reports read from the index

Revision ID: b5d1c3e8f207
Revises: 4b7e2d9c1a35
Create Date: 2026-12-04 13:50:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b5d1c3e8f207"
down_revision = "4b7e2d9c1a35"
branch_labels = None
depends_on = None

# The support reports count a period of tickets by kind, priority, team and duration.
# With the columns they count in the index, the database reads the index alone
# instead of every ticket row. New tickets per week and the devices in use per product
# get indexes of their own: widening the created index made SQLite read the recent
# technical alarms (incident suggestions, on every start page) in the wrong order.
WIDER = {
    "ix_tickets_municipality_acknowledged": (
        ["municipality_id", "acknowledged_at"],
        ["municipality_id", "acknowledged_at", "priority", "created_at"],
    ),
    "ix_tickets_municipality_resolved": (
        ["municipality_id", "resolved_at"],
        [
            "municipality_id",
            "resolved_at",
            "priority",
            "created_at",
            "team_id",
            "resolve_breached_at",
            "acknowledge_breached_at",
        ],
    ),
}
NEW_PER_WEEK = (
    "ix_tickets_reports_created",
    ["municipality_id", "is_incident", "kind", "created_at"],
)
IN_USE = ("ix_devices_municipality_status_product", ["municipality_id", "status", "product_id"])


def _tickets(which: int) -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name, columns in WIDER.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns[which], unique=False)
    op.execute("ANALYZE tickets")


def upgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(NEW_PER_WEEK[0], NEW_PER_WEEK[1], unique=False)
    _tickets(1)
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(IN_USE[0], IN_USE[1], unique=False)
    op.execute("ANALYZE devices")


def downgrade():
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(IN_USE[0])
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(NEW_PER_WEEK[0])
    _tickets(0)
