"""access: the systems register, their roles and the authorisation register

A grant is never deleted, and what it is (who, which system and role, where, from
when, why, who gave it) never changes: a change ends one grant and starts another.
Its end is written once; the names in it can only be erased. Triggers keep this on
both databases.

Revision ID: f4a8b2c6d913
Revises: c3f9a2d7e514
Create Date: 2026-12-04 22:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "f4a8b2c6d913"
down_revision = "c3f9a2d7e514"
branch_labels = None
depends_on = None

# What a grant is: never changed once written.
FIXED = (
    "system_id",
    "role_id",
    "municipality_id",
    "unit_id",
    "holder_kind",
    "user_id",
    "recipient_id",
    "starts_on",
    "reason",
    "ordered_by_id",
    "granted_by_id",
    "replaces_id",
    "created_at",
)
# Who, for a named person or a relative: only ever erased (to «anonymised:…»).
NAMES = ("person_name", "person_detail", "holder_key")
# Its end: written once.
END = ("ends_on", "ended_at", "ended_by_id", "end_reason", "withdrawn_at")


def _grant_rules(dialect: str) -> list[str]:
    if dialect == "postgresql":
        fixed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FIXED)
        names = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in NAMES)
        end = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in END)
        return [
            f"""
            CREATE FUNCTION access_grants_kept() RETURNS trigger AS $$
            BEGIN
                IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
                    RAISE EXCEPTION 'access_grants are never deleted';
                END IF;
                IF {fixed} THEN
                    RAISE EXCEPTION 'a grant''s holder, system, role and start never change';
                END IF;
                IF ({names}) AND left(NEW.holder_key, 11) <> 'anonymised:' THEN
                    RAISE EXCEPTION 'a grant''s holder never change, only erased';
                END IF;
                IF OLD.ended_at IS NOT NULL AND ({end}) THEN
                    RAISE EXCEPTION 'a grant is ended once';
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql
            """,
            """
            CREATE TRIGGER access_grants_kept BEFORE UPDATE OR DELETE ON access_grants
            FOR EACH ROW EXECUTE FUNCTION access_grants_kept()
            """,
            """
            CREATE TRIGGER access_grants_no_truncate BEFORE TRUNCATE ON access_grants
            FOR EACH STATEMENT EXECUTE FUNCTION access_grants_kept()
            """,
        ]
    if dialect == "sqlite":
        fixed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FIXED)
        names = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in NAMES)
        end = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in END)
        return [
            """
            CREATE TRIGGER access_grants_no_delete BEFORE DELETE ON access_grants
            BEGIN SELECT RAISE(ABORT, 'access_grants are never deleted'); END
            """,
            f"""
            CREATE TRIGGER access_grants_fixed BEFORE UPDATE ON access_grants
            WHEN {fixed}
            BEGIN SELECT RAISE(ABORT, 'a grant''s holder, system, role and start never change'); END
            """,
            f"""
            CREATE TRIGGER access_grants_names_erased BEFORE UPDATE ON access_grants
            WHEN ({names}) AND substr(NEW.holder_key, 1, 11) IS NOT 'anonymised:'
            BEGIN SELECT RAISE(ABORT, 'a grant''s holder never change, only erased'); END
            """,
            f"""
            CREATE TRIGGER access_grants_ended_once BEFORE UPDATE ON access_grants
            WHEN OLD.ended_at IS NOT NULL AND ({end})
            BEGIN SELECT RAISE(ABORT, 'a grant is ended once'); END
            """,
        ]
    return []


def _drop_grant_rules(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS access_grants_no_truncate ON access_grants",
            "DROP TRIGGER IF EXISTS access_grants_kept ON access_grants",
            "DROP FUNCTION IF EXISTS access_grants_kept()",
        ]
    if dialect == "sqlite":
        return [
            "DROP TRIGGER IF EXISTS access_grants_no_delete",
            "DROP TRIGGER IF EXISTS access_grants_fixed",
            "DROP TRIGGER IF EXISTS access_grants_names_erased",
            "DROP TRIGGER IF EXISTS access_grants_ended_once",
        ]
    return []


def upgrade():
    op.create_table(
        "it_systems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("admin_kind", sa.String(length=20), nullable=False),
        sa.Column("admin_user_id", sa.Integer(), nullable=True),
        sa.Column("admin_team_id", sa.Integer(), nullable=True),
        sa.Column("holds_health_data", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("account_source", sa.String(length=20), nullable=False),
        sa.Column("review_interval_months", sa.Integer(), server_default="6", nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "review_interval_months BETWEEN 1 AND 36",
            name=op.f("ck_it_systems_review_interval_range"),
        ),
        sa.CheckConstraint(
            "(admin_kind = 'user' AND admin_user_id IS NOT NULL AND admin_team_id IS NULL)"
            " OR (admin_kind = 'team' AND admin_team_id IS NOT NULL AND admin_user_id IS NULL)"
            " OR (admin_kind = 'supplier' AND admin_user_id IS NULL AND admin_team_id IS NULL)",
            name=op.f("ck_it_systems_one_administrator"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_it_systems_municipality_id_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_it_systems_supplier_id_suppliers")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_it_systems_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["admin_user_id"], ["users.id"], name=op.f("fk_it_systems_admin_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["admin_team_id"], ["teams.id"], name=op.f("fk_it_systems_admin_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_it_systems")),
        sa.UniqueConstraint(
            "municipality_id", "name", name=op.f("uq_it_systems_municipality_id_name")
        ),
    )
    op.create_index(
        op.f("ix_it_systems_municipality_id"), "it_systems", ["municipality_id"], unique=False
    )
    op.create_index(
        "uq_it_systems_vftops",
        "it_systems",
        ["kind"],
        unique=True,
        sqlite_where=sa.text("kind = 'vftops'"),
        postgresql_where=sa.text("kind = 'vftops'"),
    )
    op.create_table(
        "it_system_municipalities",
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["it_systems.id"],
            name=op.f("fk_it_system_municipalities_system_id_it_systems"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_it_system_municipalities_municipality_id_municipalities"),
        ),
        sa.PrimaryKeyConstraint(
            "system_id", "municipality_id", name=op.f("pk_it_system_municipalities")
        ),
    )
    op.create_index(
        op.f("ix_it_system_municipalities_municipality_id"),
        "it_system_municipalities",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "system_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_privileged", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("job_functions", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"], ["it_systems.id"], name=op.f("fk_system_roles_system_id_it_systems")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_roles")),
        sa.UniqueConstraint("system_id", "name", name=op.f("uq_system_roles_system_id_name")),
        sa.UniqueConstraint("id", "system_id", name="uq_system_roles_id_system"),
    )
    op.create_index(op.f("ix_system_roles_system_id"), "system_roles", ["system_id"], unique=False)
    op.create_table(
        "access_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("holder_kind", sa.String(length=20), nullable=False),
        sa.Column("holder_key", sa.String(length=260), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("person_name", sa.String(length=120), nullable=True),
        sa.Column("person_detail", sa.String(length=120), nullable=True),
        sa.Column("account_name", sa.String(length=120), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("ordered_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on OR withdrawn_at IS NOT NULL",
            name=op.f("ck_access_grants_ends_after_start"),
        ),
        sa.CheckConstraint(
            "(holder_kind = 'user' AND user_id IS NOT NULL)"
            " OR (holder_kind = 'person' AND person_name IS NOT NULL)"
            " OR holder_kind IN ('relative', 'recipient')",
            name=op.f("ck_access_grants_holder_named"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id", "system_id"],
            ["system_roles.id", "system_roles.system_id"],
            name=op.f("fk_access_grants_role_id_system_roles"),
        ),
        sa.ForeignKeyConstraint(
            ["system_id"], ["it_systems.id"], name=op.f("fk_access_grants_system_id_it_systems")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_access_grants_municipality_id_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_access_grants_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_access_grants_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_access_grants_recipient_id_recipients"),
        ),
        sa.ForeignKeyConstraint(
            ["ordered_by_id"], ["users.id"], name=op.f("fk_access_grants_ordered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"], name=op.f("fk_access_grants_granted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"], name=op.f("fk_access_grants_ended_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["access_grants.id"],
            name=op.f("fk_access_grants_replaces_id_access_grants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grants")),
    )
    op.create_index(
        "uq_access_grants_open",
        "access_grants",
        ["system_id", "role_id", "holder_key", "municipality_id"],
        unique=True,
        sqlite_where=sa.text("ends_on IS NULL"),
        postgresql_where=sa.text("ends_on IS NULL"),
    )
    op.create_index(
        "ix_access_grants_system_dates",
        "access_grants",
        ["system_id", "starts_on", "ends_on", "municipality_id", "unit_id"],
    )
    op.create_index("ix_access_grants_holder", "access_grants", ["holder_key", "ends_on"])
    op.create_index("ix_access_grants_unit", "access_grants", ["unit_id", "ends_on"])
    op.create_index(
        "ix_access_grants_municipality",
        "access_grants",
        ["municipality_id", "starts_on", "ends_on"],
    )
    op.create_index(op.f("ix_access_grants_user_id"), "access_grants", ["user_id"])
    op.create_index(op.f("ix_access_grants_recipient_id"), "access_grants", ["recipient_id"])
    for statement in _grant_rules(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    for statement in _drop_grant_rules(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("access_grants")
    op.drop_table("system_roles")
    op.drop_index(
        op.f("ix_it_system_municipalities_municipality_id"),
        table_name="it_system_municipalities",
    )
    op.drop_table("it_system_municipalities")
    op.drop_index("uq_it_systems_vftops", table_name="it_systems")
    op.drop_index(op.f("ix_it_systems_municipality_id"), table_name="it_systems")
    op.drop_table("it_systems")
