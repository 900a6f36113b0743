"""orders sent to the supplier by e-mail; one order number series

Revision ID: 9f472614771e
Revises: cc8b265f5d7d
Create Date: 2026-12-04 07:33:05.485967

"""
from alembic import op
import sqlalchemy as sa

import vftops.core.models


# revision identifiers, used by Alembic.
revision = '9f472614771e'
down_revision = 'cc8b265f5d7d'
branch_labels = None
depends_on = None


def upgrade():
    # Order numbers get the municipality's number first («5035-2026-0001»), so that a
    # number names one order in every municipality and in a store several share.
    op.execute(
        "UPDATE purchase_orders SET number = (SELECT m.number FROM municipalities m "
        "WHERE m.id = purchase_orders.municipality_id) || '-' || number"
    )
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_to', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('mailed_at', vftops.core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('mail_message_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('mail_error', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('mail_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_purchase_orders_municipality_id_number'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_purchase_orders_number'), ['number'])

    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_email', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.drop_column('order_email')

    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_purchase_orders_number'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_purchase_orders_municipality_id_number'), ['municipality_id', 'number'])
        batch_op.drop_column('mail_attempts')
        batch_op.drop_column('mail_error')
        batch_op.drop_column('mail_message_id')
        batch_op.drop_column('mailed_at')
        batch_op.drop_column('mail_to')
    op.execute(
        "UPDATE purchase_orders SET number = substr(number, length((SELECT m.number FROM "
        "municipalities m WHERE m.id = purchase_orders.municipality_id)) + 2)"
    )
