"""device search by the start or the end of a number

Revision ID: 5d423bff0b29
Revises: a93b7c98b13b
Create Date: 2026-11-23 14:33:41.286195

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d423bff0b29'
down_revision = 'a93b7c98b13b'
branch_labels = None
depends_on = None

PATTERN_INDEXES = (
    ("devices", "ix_devices_serial_number", "serial_number"),
    ("devices", "ix_devices_imei", "imei"),
    ("devices", "ix_devices_phone_number", "phone_number"),
    ("recipients", "ix_recipients_journal_ref", "journal_ref"),
)


def upgrade():
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('serial_reversed', sa.String(length=64), server_default='', nullable=False))

    # Fill the reversed serial for devices registered before this revision.
    bind = op.get_bind()
    devices = sa.table("devices", sa.column("id", sa.Integer), sa.column("serial_number", sa.String),
                       sa.column("serial_reversed", sa.String))
    rows = bind.execute(sa.select(devices.c.id, devices.c.serial_number)).all()
    for start in range(0, len(rows), 5000):
        bind.execute(
            devices.update().where(devices.c.id == sa.bindparam("b_id"))
            .values(serial_reversed=sa.bindparam("b_reversed")),
            [{"b_id": r.id, "b_reversed": r.serial_number[::-1]} for r in rows[start:start + 5000]],
        )

    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index('ix_devices_serial_reversed', ['serial_reversed'], unique=False, postgresql_ops={'serial_reversed': 'varchar_pattern_ops'})

    if bind.dialect.name == "postgresql":
        # LIKE 'x%' uses an index in any collation only with pattern ops.
        for table, name, column in PATTERN_INDEXES:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, [column], postgresql_ops={column: "varchar_pattern_ops"})


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, name, column in PATTERN_INDEXES:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, [column])
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index('ix_devices_serial_reversed', postgresql_ops={'serial_reversed': 'varchar_pattern_ops'})
        batch_op.drop_column('serial_reversed')
