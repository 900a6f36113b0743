"""agreements: suppliers' addresses and contacts; agreements with their options, documents,
prices, service levels, decisions on deadlines, deviations, supplier meetings and their
actions, the handover protocol and the purchase orders called off them

A supplier gets its postal address and the people to reach there, each with what to
contact them about (account manager, support, invoicing …). An agreement belongs to the
municipality that manages it and covers those it is shared with.

Revision ID: d4f7a1c9e2b5
Revises: b3e8f1a6c407
Create Date: 2026-12-05 09:18:07.645117

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4f7a1c9e2b5"
down_revision = "b3e8f1a6c407"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "supplier_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_contacts_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_contacts")),
    )
    with op.batch_alter_table("supplier_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplier_contacts_supplier_id"), ["supplier_id"], unique=False
        )

    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("street_address", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("postcode", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("city", sa.String(length=80), nullable=True))
    op.create_table('agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('follow_up_id', sa.Integer(), nullable=True),
    sa.Column('procurement_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('notice_months', sa.Integer(), nullable=True),
    sa.Column('renews_automatically', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('renewal_months', sa.Integer(), nullable=True),
    sa.Column('estimated_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('yearly_cost', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('units_paid', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_agreements_ends_after_start')),
    sa.CheckConstraint('estimated_value IS NULL OR estimated_value >= 0', name=op.f('ck_agreements_value_not_negative')),
    sa.CheckConstraint('notice_months IS NULL OR notice_months BETWEEN 0 AND 60', name=op.f('ck_agreements_notice_range')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_agreements_not_its_own_parent')),
    sa.CheckConstraint('renewal_months IS NULL OR renewal_months BETWEEN 1 AND 120', name=op.f('ck_agreements_renewal_range')),
    sa.CheckConstraint('units_paid IS NULL OR units_paid >= 0', name=op.f('ck_agreements_units_not_negative')),
    sa.CheckConstraint('yearly_cost IS NULL OR yearly_cost >= 0', name=op.f('ck_agreements_cost_not_negative')),
    sa.ForeignKeyConstraint(['follow_up_id'], ['users.id'], name=op.f('fk_agreements_follow_up_id_users')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_agreements_municipality_id_municipalities')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_agreements_owner_id_users')),
    sa.ForeignKeyConstraint(['parent_id'], ['agreements.id'], name=op.f('fk_agreements_parent_id_agreements')),
    sa.ForeignKeyConstraint(['procurement_id'], ['users.id'], name=op.f('fk_agreements_procurement_id_users')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_agreements_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements'))
    )
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreements_follow_up_id'), ['follow_up_id'], unique=False)
        batch_op.create_index('ix_agreements_municipality_status', ['municipality_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreements_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreements_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreements_procurement_id'), ['procurement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreements_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('agreement_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_documents_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_agreement_documents_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_documents')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_agreement_documents_stored_name'))
    )
    with op.batch_alter_table('agreement_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_documents_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('agreement_municipalities',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_municipalities_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_agreement_municipalities_municipality_id_municipalities')),
    sa.PrimaryKeyConstraint('agreement_id', 'municipality_id', name=op.f('pk_agreement_municipalities'))
    )
    with op.batch_alter_table('agreement_municipalities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_municipalities_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('agreement_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('decide_by', sa.Date(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.CheckConstraint('(decision IS NULL AND decided_on IS NULL) OR (decision IS NOT NULL AND decided_on IS NOT NULL)', name=op.f('ck_agreement_options_decided_with_date')),
    sa.CheckConstraint('months BETWEEN 1 AND 120', name=op.f('ck_agreement_options_months_range')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_options_agreement_id_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_options')),
    sa.UniqueConstraint('agreement_id', 'position', name=op.f('uq_agreement_options_agreement_id_position'))
    )
    op.create_table('agreement_products',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_products_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_agreement_products_product_id_products')),
    sa.PrimaryKeyConstraint('agreement_id', 'product_id', name=op.f('pk_agreement_products'))
    )
    with op.batch_alter_table('agreement_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_products_product_id'), ['product_id'], unique=False)

    op.create_table('agreement_systems',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_systems_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['system_id'], ['it_systems.id'], name=op.f('fk_agreement_systems_system_id_it_systems')),
    sa.PrimaryKeyConstraint('agreement_id', 'system_id', name=op.f('pk_agreement_systems'))
    )
    with op.batch_alter_table('agreement_systems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_systems_system_id'), ['system_id'], unique=False)

    op.create_table('handover_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('(confirmed_at IS NULL) = (confirmed_by_id IS NULL)', name=op.f('ck_handover_items_confirmed_by_someone')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_handover_items_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_handover_items_confirmed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_items'))
    )
    with op.batch_alter_table('handover_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_items_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('price_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('service', sa.String(length=200), nullable=True),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('monthly_rent', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('(product_id IS NULL) <> (service IS NULL)', name=op.f('ck_price_lines_product_or_service')),
    sa.CheckConstraint('monthly_rent IS NULL OR monthly_rent >= 0', name=op.f('ck_price_lines_rent_not_negative')),
    sa.CheckConstraint('unit_price IS NOT NULL OR monthly_rent IS NOT NULL', name=op.f('ck_price_lines_has_a_price')),
    sa.CheckConstraint('unit_price IS NULL OR unit_price >= 0', name=op.f('ck_price_lines_price_not_negative')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_price_lines_to_after_from')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_price_lines_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_price_lines_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_lines'))
    )
    with op.batch_alter_table('price_lines', schema=None) as batch_op:
        batch_op.create_index('ix_price_lines_agreement_product', ['agreement_id', 'product_id'], unique=False)
        batch_op.create_index('ix_price_lines_product', ['product_id', 'valid_from'], unique=False)

    op.create_table('service_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('target', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('calendar', sa.String(length=20), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=True),
    sa.Column('penalty', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("metric <> 'uptime' OR (target <= 100 AND system_id IS NOT NULL)", name=op.f('ck_service_levels_uptime_of_a_system')),
    sa.CheckConstraint('target > 0', name=op.f('ck_service_levels_target_positive')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_service_levels_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['system_id'], ['it_systems.id'], name=op.f('fk_service_levels_system_id_it_systems')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_levels'))
    )
    with op.batch_alter_table('service_levels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_levels_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('supplier_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=True),
    sa.Column('agenda', sa.Text(), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('period_to >= period_from', name=op.f('ck_supplier_meetings_period_in_order')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_supplier_meetings_agreement_id_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_meetings'))
    )
    with op.batch_alter_table('supplier_meetings', schema=None) as batch_op:
        batch_op.create_index('ix_supplier_meetings_agreement_held', ['agreement_id', 'held_on'], unique=False)

    op.create_table('agreement_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_decisions_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_agreement_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['option_id'], ['agreement_options.id'], name=op.f('fk_agreement_decisions_option_id_agreement_options')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_decisions')),
    sa.UniqueConstraint('agreement_id', 'kind', 'due_on', name=op.f('uq_agreement_decisions_agreement_id_kind_due_on'))
    )
    op.create_table('agreement_orders',
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_orders_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id'], name=op.f('fk_agreement_orders_purchase_order_id_purchase_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('purchase_order_id', name=op.f('pk_agreement_orders'))
    )
    with op.batch_alter_table('agreement_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_orders_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('deviations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('reported_at', sa.Date(), nullable=True),
    sa.Column('reported_how', sa.String(length=200), nullable=True),
    sa.Column('supplier_answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.Date(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('service_level_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_deviations_closed_when_closed')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_deviations_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_deviations_reported_by_id_users')),
    sa.ForeignKeyConstraint(['service_level_id'], ['service_levels.id'], name=op.f('fk_deviations_service_level_id_service_levels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deviations'))
    )
    with op.batch_alter_table('deviations', schema=None) as batch_op:
        batch_op.create_index('ix_deviations_agreement_status', ['agreement_id', 'status'], unique=False)

    op.create_table('meeting_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('owner_name', sa.String(length=120), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('(done_at IS NULL) = (done_by_id IS NULL)', name=op.f('ck_meeting_actions_done_by_someone')),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_meeting_actions_done_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['supplier_meetings.id'], name=op.f('fk_meeting_actions_meeting_id_supplier_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_meeting_actions_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_actions'))
    )
    with op.batch_alter_table('meeting_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_actions_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('deviation_devices',
    sa.Column('deviation_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_deviation_devices_deviation_id_deviations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_deviation_devices_device_id_devices')),
    sa.PrimaryKeyConstraint('deviation_id', 'device_id', name=op.f('pk_deviation_devices'))
    )
    with op.batch_alter_table('deviation_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviation_devices_device_id'), ['device_id'], unique=False)

    op.create_table('deviation_tickets',
    sa.Column('deviation_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_deviation_tickets_deviation_id_deviations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_deviation_tickets_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('deviation_id', 'ticket_id', name=op.f('pk_deviation_tickets'))
    )
    with op.batch_alter_table('deviation_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviation_tickets_ticket_id'), ['ticket_id'], unique=False)


def downgrade():
    with op.batch_alter_table('deviation_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deviation_tickets_ticket_id'))

    op.drop_table('deviation_tickets')
    with op.batch_alter_table('deviation_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deviation_devices_device_id'))

    op.drop_table('deviation_devices')
    with op.batch_alter_table('meeting_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_actions_meeting_id'))

    op.drop_table('meeting_actions')
    with op.batch_alter_table('deviations', schema=None) as batch_op:
        batch_op.drop_index('ix_deviations_agreement_status')

    op.drop_table('deviations')
    with op.batch_alter_table('agreement_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_orders_agreement_id'))

    op.drop_table('agreement_orders')
    op.drop_table('agreement_decisions')
    with op.batch_alter_table('supplier_meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_supplier_meetings_agreement_held')

    op.drop_table('supplier_meetings')
    with op.batch_alter_table('service_levels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_levels_agreement_id'))

    op.drop_table('service_levels')
    with op.batch_alter_table('price_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_price_lines_product')
        batch_op.drop_index('ix_price_lines_agreement_product')

    op.drop_table('price_lines')
    with op.batch_alter_table('handover_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_items_agreement_id'))

    op.drop_table('handover_items')
    with op.batch_alter_table('agreement_systems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_systems_system_id'))

    op.drop_table('agreement_systems')
    with op.batch_alter_table('agreement_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_products_product_id'))

    op.drop_table('agreement_products')
    op.drop_table('agreement_options')
    with op.batch_alter_table('agreement_municipalities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_municipalities_municipality_id'))

    op.drop_table('agreement_municipalities')
    with op.batch_alter_table('agreement_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_documents_agreement_id'))

    op.drop_table('agreement_documents')
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreements_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_agreements_procurement_id'))
        batch_op.drop_index(batch_op.f('ix_agreements_parent_id'))
        batch_op.drop_index(batch_op.f('ix_agreements_owner_id'))
        batch_op.drop_index('ix_agreements_municipality_status')
        batch_op.drop_index(batch_op.f('ix_agreements_follow_up_id'))

    op.drop_table('agreements')
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_column("city")
        batch_op.drop_column("postcode")
        batch_op.drop_column("street_address")

    with op.batch_alter_table("supplier_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_contacts_supplier_id"))

    op.drop_table("supplier_contacts")
