"""mini-competitions under framework agreements

A purchase competed among the suppliers of parallel framework agreements (fornyet
konkurranse): what is bought, the award criteria, the last day to bid, each supplier's
bid under its own framework, and who won and why — one winner, kept by the database. An
order called off after it names the competition.

Revision ID: 7c2e5b9d1f48
Revises: d4f7a1c9e2b5
Create Date: 2026-12-05 13:16:21.651435

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "7c2e5b9d1f48"
down_revision = "d4f7a1c9e2b5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mini_competitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("need", sa.Text(), nullable=True),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("answer_by", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "(status = 'awarded') = (awarded_at IS NOT NULL)",
            name=op.f("ck_mini_competitions_awarded_when_awarded"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_mini_competitions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["agreements.id"],
            name=op.f("fk_mini_competitions_framework_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_mini_competitions_municipality_id_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mini_competitions")),
    )
    with op.batch_alter_table("mini_competitions", schema=None) as batch_op:
        batch_op.create_index("ix_mini_competitions_framework", ["framework_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mini_competitions_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "competition_bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competition_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=1), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("won", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("price >= 0", name=op.f("ck_competition_bids_price_not_negative")),
        sa.CheckConstraint(
            "score IS NULL OR score BETWEEN 0 AND 100", name=op.f("ck_competition_bids_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_competition_bids_agreement_id_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["mini_competitions.id"],
            name=op.f("fk_competition_bids_competition_id_mini_competitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competition_bids")),
        sa.UniqueConstraint(
            "competition_id",
            "agreement_id",
            name=op.f("uq_competition_bids_competition_id_agreement_id"),
        ),
    )
    with op.batch_alter_table("competition_bids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_competition_bids_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index(
            "uq_competition_bids_one_winner",
            ["competition_id"],
            unique=True,
            sqlite_where=sa.text("won"),
            postgresql_where=sa.text("won"),
        )

    with op.batch_alter_table("agreement_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("competition_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_agreement_orders_competition_id"), ["competition_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_agreement_orders_competition_id_mini_competitions"),
            "mini_competitions",
            ["competition_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("agreement_orders", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_agreement_orders_competition_id_mini_competitions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_agreement_orders_competition_id"))
        batch_op.drop_column("competition_id")

    with op.batch_alter_table("competition_bids", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_competition_bids_one_winner",
            sqlite_where=sa.text("won"),
            postgresql_where=sa.text("won"),
        )
        batch_op.drop_index(batch_op.f("ix_competition_bids_agreement_id"))

    op.drop_table("competition_bids")
    with op.batch_alter_table("mini_competitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mini_competitions_municipality_id"))
        batch_op.drop_index("ix_mini_competitions_framework")

    op.drop_table("mini_competitions")
