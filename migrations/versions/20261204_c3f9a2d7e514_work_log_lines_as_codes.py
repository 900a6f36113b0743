"""work log lines as codes

The lines vftops writes in a ticket's work log («Registrert (phone) → Servicedesk»)
also keep what happened as a code and its values, so the page can show them in the
reader's language. Lines written before keep their text, which the page shows as it is.

Revision ID: c3f9a2d7e514
Revises: e1a7c4b9d062
Create Date: 2026-12-04 20:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3f9a2d7e514"
down_revision = "e1a7c4b9d062"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("ticket_entries", sa.Column("event", sa.String(length=32), nullable=True))
    op.add_column("ticket_entries", sa.Column("params", sa.JSON(), nullable=True))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35 and later, PostgreSQL): the table is not rebuilt,
    # so its append-only triggers stay.
    op.drop_column("ticket_entries", "params")
    op.drop_column("ticket_entries", "event")
