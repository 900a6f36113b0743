"""agreements: suppliers' addresses and contacts

A supplier gets its postal address and the people to reach there, each with what to
contact them about (account manager, support, invoicing …).

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


def downgrade():
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_column("city")
        batch_op.drop_column("postcode")
        batch_op.drop_column("street_address")

    with op.batch_alter_table("supplier_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_contacts_supplier_id"))

    op.drop_table("supplier_contacts")
