"""access: orders, leavers, the access administrators' tasks, access reviews and
reconciliation against the systems' account lists

A unit manager orders access for someone in their unit, or the end of all of a leaver's
access; each thing to do is a task for the system's access administrator (an access
ticket in support), open until it is marked done or refused. An access review takes a
snapshot of the grants in its scope as items, each decided by a reviewer. A system's
account list is read against the register, its column mapping kept per system.

Revision ID: b3e8f1a6c407
Revises: a7d2e9c4b168
Create Date: 2026-12-04 23:55:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3e8f1a6c407"
down_revision = "a7d2e9c4b168"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: the grants' table keeps its triggers.
    op.add_column(
        "access_grants", sa.Column("account_seen_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "access_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="draft", nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("escalate_on", sa.Date(), nullable=False),
        sa.Column("reminder_days", sa.Integer(), nullable=False),
        sa.Column("unanswered", sa.String(length=10), nullable=False),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("fallback_reviewer_id", sa.Integer(), nullable=False),
        sa.Column("second_stage", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'running', 'closed')", name=op.f("ck_access_reviews_known_status")
        ),
        sa.CheckConstraint(
            "unanswered = 'keep' OR approver_id IS NOT NULL",
            name=op.f("ck_access_reviews_end_has_approver"),
        ),
        sa.CheckConstraint(
            "unanswered IN ('keep', 'end')", name=op.f("ck_access_reviews_known_unanswered")
        ),
        sa.CheckConstraint("due_on >= starts_on", name=op.f("ck_access_reviews_due_after_start")),
        sa.CheckConstraint(
            "escalate_on >= due_on", name=op.f("ck_access_reviews_escalate_after_due")
        ),
        sa.CheckConstraint(
            "reminder_days BETWEEN 1 AND 60", name=op.f("ck_access_reviews_reminder_range")
        ),
        sa.ForeignKeyConstraint(
            ["approver_id"], ["users.id"], name=op.f("fk_access_reviews_approver_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["fallback_reviewer_id"],
            ["users.id"],
            name=op.f("fk_access_reviews_fallback_reviewer_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_access_reviews_municipality_id_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_access_reviews_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_reviews")),
    )
    op.create_table(
        "access_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("holder_kind", sa.String(length=20), nullable=False),
        sa.Column("holder_key", sa.String(length=260), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("person_name", sa.String(length=120), nullable=True),
        sa.Column("person_detail", sa.String(length=120), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ordered_by_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "(holder_kind = 'user' AND user_id IS NOT NULL)"
            " OR (holder_kind = 'person' AND person_name IS NOT NULL)",
            name=op.f("ck_access_orders_holder_named"),
        ),
        sa.CheckConstraint(
            "kind IN ('access', 'leaver')", name=op.f("ck_access_orders_known_kind")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_access_orders_municipality_id_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["ordered_by_id"], ["users.id"], name=op.f("fk_access_orders_ordered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_access_orders_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_access_orders_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_orders")),
    )
    with op.batch_alter_table("access_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_access_orders_holder_key"), ["holder_key"], unique=False
        )
        batch_op.create_index(
            "ix_access_orders_municipality",
            ["municipality_id", "closed_at", "created_at"],
            unique=False,
        )
        batch_op.create_index("ix_access_orders_unit", ["unit_id", "created_at"], unique=False)

    op.create_table(
        "access_review_municipalities",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_access_review_municipalities_municipality_id_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["access_reviews.id"],
            name=op.f("fk_access_review_municipalities_review_id_access_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "review_id", "municipality_id", name=op.f("pk_access_review_municipalities")
        ),
    )
    op.create_table(
        "access_review_systems",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["access_reviews.id"],
            name=op.f("fk_access_review_systems_review_id_access_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["it_systems.id"],
            name=op.f("fk_access_review_systems_system_id_it_systems"),
        ),
        sa.PrimaryKeyConstraint("review_id", "system_id", name=op.f("pk_access_review_systems")),
    )
    op.create_table(
        "account_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["applied_by_id"], ["users.id"], name=op.f("fk_account_lists_applied_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["system_id"], ["it_systems.id"], name=op.f("fk_account_lists_system_id_it_systems")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_account_lists_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_lists")),
    )
    with op.batch_alter_table("account_lists", schema=None) as batch_op:
        batch_op.create_index("ix_account_lists_system", ["system_id", "applied_at"], unique=False)

    op.create_table(
        "account_mappings",
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=120), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=True),
        sa.Column("role", sa.String(length=120), nullable=True),
        sa.Column("last_login", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"], ["it_systems.id"], name=op.f("fk_account_mappings_system_id_it_systems")
        ),
        sa.PrimaryKeyConstraint("system_id", name=op.f("pk_account_mappings")),
    )
    op.create_table(
        "access_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=True),
        sa.Column("made_grant_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("account_name", sa.String(length=120), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "(action = 'grant' AND role_id IS NOT NULL AND grant_id IS NULL)"
            " OR (action = 'end' AND grant_id IS NOT NULL)"
            " OR (action = 'change' AND grant_id IS NOT NULL AND role_id IS NOT NULL)"
            " OR (action = 'remove' AND grant_id IS NULL AND account_name IS NOT NULL)",
            name=op.f("ck_access_tasks_action_complete"),
        ),
        sa.CheckConstraint(
            "(status = 'open') = (done_at IS NULL)", name=op.f("ck_access_tasks_done_when_closed")
        ),
        sa.CheckConstraint(
            "action IN ('grant', 'end', 'change', 'remove')",
            name=op.f("ck_access_tasks_known_action"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'refused')", name=op.f("ck_access_tasks_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_access_tasks_done_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["access_grants.id"], name=op.f("fk_access_tasks_grant_id_access_grants")
        ),
        sa.ForeignKeyConstraint(
            ["made_grant_id"],
            ["access_grants.id"],
            name=op.f("fk_access_tasks_made_grant_id_access_grants"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_access_tasks_municipality_id_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["access_orders.id"], name=op.f("fk_access_tasks_order_id_access_orders")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["access_reviews.id"],
            name=op.f("fk_access_tasks_review_id_access_reviews"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id", "system_id"],
            ["system_roles.id", "system_roles.system_id"],
            name=op.f("fk_access_tasks_role_id_system_roles"),
        ),
        sa.ForeignKeyConstraint(
            ["system_id"], ["it_systems.id"], name=op.f("fk_access_tasks_system_id_it_systems")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_access_tasks_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tasks")),
    )
    with op.batch_alter_table("access_tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_access_tasks_open", ["municipality_id", "status", "system_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_access_tasks_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_tasks_review_id"), ["review_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_tasks_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(
            "uq_access_tasks_open_grant",
            ["grant_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open' AND grant_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'open' AND grant_id IS NOT NULL"),
        )

    op.create_table(
        "access_review_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("holder_key", sa.String(length=260), nullable=False),
        sa.Column("holder_user_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("is_privileged", sa.Boolean(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("new_role_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("unanswered", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "decision <> 'change' OR new_role_id IS NOT NULL",
            name=op.f("ck_access_review_items_change_names_role"),
        ),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('keep', 'end', 'change')",
            name=op.f("ck_access_review_items_known_decision"),
        ),
        sa.CheckConstraint(
            "reviewer_id IS NULL OR holder_user_id IS NULL OR reviewer_id <> holder_user_id",
            name=op.f("ck_access_review_items_not_own_grant"),
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
            name=op.f("fk_access_review_items_confirmed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_access_review_items_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["access_grants.id"],
            name=op.f("fk_access_review_items_grant_id_access_grants"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_user_id"],
            ["users.id"],
            name=op.f("fk_access_review_items_holder_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_access_review_items_municipality_id_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["new_role_id"],
            ["system_roles.id"],
            name=op.f("fk_access_review_items_new_role_id_system_roles"),
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["access_reviews.id"],
            name=op.f("fk_access_review_items_review_id_access_reviews"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_access_review_items_reviewer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["it_systems.id"],
            name=op.f("fk_access_review_items_system_id_it_systems"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["access_tasks.id"],
            name=op.f("fk_access_review_items_task_id_access_tasks"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_access_review_items_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_review_items")),
        sa.UniqueConstraint(
            "review_id", "grant_id", name=op.f("uq_access_review_items_review_id_grant_id")
        ),
    )
    with op.batch_alter_table("access_review_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_access_review_items_review",
            ["review_id", "municipality_id", "unit_id", "reviewer_id", "decision", "submitted_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_access_review_items_reviewer",
            ["reviewer_id", "review_id", "submitted_at"],
            unique=False,
        )


def downgrade():
    op.drop_column("access_grants", "account_seen_at")
    with op.batch_alter_table("access_review_items", schema=None) as batch_op:
        batch_op.drop_index("ix_access_review_items_reviewer")
        batch_op.drop_index("ix_access_review_items_review")

    op.drop_table("access_review_items")
    with op.batch_alter_table("access_tasks", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_access_tasks_open_grant",
            sqlite_where=sa.text("status = 'open' AND grant_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'open' AND grant_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_access_tasks_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_access_tasks_review_id"))
        batch_op.drop_index(batch_op.f("ix_access_tasks_order_id"))
        batch_op.drop_index("ix_access_tasks_open")

    op.drop_table("access_tasks")
    op.drop_table("account_mappings")
    with op.batch_alter_table("account_lists", schema=None) as batch_op:
        batch_op.drop_index("ix_account_lists_system")

    op.drop_table("account_lists")
    op.drop_table("access_review_systems")
    op.drop_table("access_review_municipalities")
    with op.batch_alter_table("access_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_access_orders_unit")
        batch_op.drop_index("ix_access_orders_municipality")
        batch_op.drop_index(batch_op.f("ix_access_orders_holder_key"))

    op.drop_table("access_orders")
    op.drop_table("access_reviews")
