"""tickets name their system from the register; a system's team is its routing rule

A ticket's system and a routing rule's were free text; they now name a system of the
systems register. Each name a municipality used becomes the system of that name the
municipality runs or is served by (case does not matter); a name the register does not
know becomes a new system of the municipality that used it (kind «other»; its note says
where it came from), so no ticket loses what it said. Downgrading writes the names back.

A system whose access a team grants kept the team on the system; the team is now the
municipality's routing rule for the system's access tickets (made here, first of its
rules), so orders and removal tasks reach it through the routing like every ticket.

Revision ID: a7d2e9c4b168
Revises: f4a8b2c6d913
Create Date: 2026-12-04 23:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "a7d2e9c4b168"
down_revision = "f4a8b2c6d913"
branch_labels = None
depends_on = None

TABLES = ("tickets", "routing_rules")
OLD_ADMINISTRATOR = (
    "(admin_kind = 'user' AND admin_user_id IS NOT NULL AND admin_team_id IS NULL)"
    " OR (admin_kind = 'team' AND admin_team_id IS NOT NULL AND admin_user_id IS NULL)"
    " OR (admin_kind = 'supplier' AND admin_user_id IS NULL AND admin_team_id IS NULL)"
)
NEW_ADMINISTRATOR = (
    "(admin_kind = 'user' AND admin_user_id IS NOT NULL)"
    " OR (admin_kind IN ('team', 'supplier') AND admin_user_id IS NULL)"
)


def _teams_to_rules(bind) -> None:
    """Each system's team that grants access becomes the rule «access tickets on this
    system → the team» of the municipality that runs it (a team of another municipality
    cannot take that municipality's tickets: its system asks for a team when next saved)."""
    rows = bind.execute(
        sa.text(
            "SELECT s.id, s.municipality_id, s.name, s.admin_team_id FROM it_systems s"
            " JOIN teams t ON t.id = s.admin_team_id"
            " WHERE s.admin_kind = 'team' AND t.municipality_id = s.municipality_id"
        )
    ).all()
    for system_id, municipality_id, name, team_id in rows:
        bind.execute(
            sa.text(
                "INSERT INTO routing_rules (municipality_id, position, kind, system_id,"
                " team_id, note, is_active, created_at, updated_at, version)"
                " VALUES (:m, 0, 'access', :s, :t, :note, :active, CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, 1)"
            ),
            {
                "m": municipality_id,
                "s": system_id,
                "t": team_id,
                "note": f"Tilgang til {name}"[:500],
                "active": True,
            },
        )


def _drop_admin_team(bind) -> None:
    if bind.dialect.name == "sqlite":
        # SQLite changes a constraint by rebuilding the table (it has no triggers).
        with op.batch_alter_table("it_systems", recreate="always") as batch:
            batch.drop_constraint(op.f("ck_it_systems_one_administrator"), type_="check")
            batch.drop_constraint(op.f("fk_it_systems_admin_team_id_teams"), type_="foreignkey")
            batch.drop_column("admin_team_id")
            batch.create_check_constraint("one_administrator", NEW_ADMINISTRATOR)
        return
    op.drop_constraint(op.f("ck_it_systems_one_administrator"), "it_systems", type_="check")
    op.drop_constraint(op.f("fk_it_systems_admin_team_id_teams"), "it_systems", type_="foreignkey")
    op.drop_column("it_systems", "admin_team_id")
    op.create_check_constraint("one_administrator", "it_systems", NEW_ADMINISTRATOR)


def _restore_admin_team(bind) -> None:
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("it_systems", recreate="always") as batch:
            batch.drop_constraint(op.f("ck_it_systems_one_administrator"), type_="check")
            batch.add_column(sa.Column("admin_team_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f("fk_it_systems_admin_team_id_teams"), "teams", ["admin_team_id"], ["id"]
            )
    else:
        op.drop_constraint(op.f("ck_it_systems_one_administrator"), "it_systems", type_="check")
        op.add_column("it_systems", sa.Column("admin_team_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_it_systems_admin_team_id_teams"),
            "it_systems",
            "teams",
            ["admin_team_id"],
            ["id"],
        )
    bind.execute(
        sa.text(
            "UPDATE it_systems SET admin_team_id = (SELECT r.team_id FROM routing_rules r"
            " WHERE r.system_id = it_systems.id AND r.kind = 'access'"
            " AND r.municipality_id = it_systems.municipality_id ORDER BY r.position, r.id"
            " LIMIT 1) WHERE admin_kind = 'team'"
        )
    )
    # A team system without its rule: the supplier, as the old rule allows.
    bind.execute(
        sa.text(
            "UPDATE it_systems SET admin_kind = 'supplier'"
            " WHERE admin_kind = 'team' AND admin_team_id IS NULL"
        )
    )
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("it_systems", recreate="always") as batch:
            batch.create_check_constraint("one_administrator", OLD_ADMINISTRATOR)
    else:
        op.create_check_constraint("one_administrator", "it_systems", OLD_ADMINISTRATOR)


NOTE = "Registrert fra navnet i saker og rutingregler da systemregisteret kom."


def _systems_by_name(bind, municipality_id: int) -> dict[str, int]:
    """{casefolded name: id} of the systems the municipality runs or is served by; its own
    first when two have the same name."""
    rows = bind.execute(
        sa.text(
            "SELECT id, name, municipality_id FROM it_systems WHERE municipality_id = :m"
            " OR id IN (SELECT system_id FROM it_system_municipalities"
            " WHERE municipality_id = :m) ORDER BY id"
        ),
        {"m": municipality_id},
    ).all()
    found: dict[str, int] = {}
    for system_id, name, owner in sorted(rows, key=lambda r: (r[2] != municipality_id, r[0])):
        found.setdefault(name.casefold(), system_id)
    return found


def upgrade():
    bind = op.get_bind()
    # A plain ADD/DROP COLUMN (the tables are not rebuilt, so their triggers stay). SQLite
    # takes a column's foreign key only in the column's own definition.
    for table in TABLES:
        name = f"fk_{table}_system_id_it_systems"
        if bind.dialect.name == "sqlite":
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN system_id INTEGER"
                f" CONSTRAINT {name} REFERENCES it_systems (id)"
            )
        else:
            op.add_column(table, sa.Column("system_id", sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(name), table, "it_systems", ["system_id"], ["id"])
    op.create_index(op.f("ix_tickets_system_id"), "tickets", ["system_id"], unique=False)
    _teams_to_rules(bind)
    _drop_admin_team(bind)
    used = bind.execute(
        sa.text(
            "SELECT DISTINCT municipality_id, system FROM tickets WHERE system IS NOT NULL"
            " UNION SELECT DISTINCT municipality_id, system FROM routing_rules"
            " WHERE system IS NOT NULL"
        )
    ).all()
    known: dict[int, dict[str, int]] = {}
    for municipality_id, name in sorted(used, key=lambda r: (r[0], r[1])):
        clean = name.strip()
        if not clean:
            continue
        systems = known.setdefault(municipality_id, _systems_by_name(bind, municipality_id))
        system_id = systems.get(clean.casefold())
        if system_id is None:
            system_id = bind.execute(
                sa.text(
                    "INSERT INTO it_systems (municipality_id, name, kind, admin_kind,"
                    " holds_health_data, account_source, review_interval_months, status,"
                    " note, version) VALUES (:m, :name, 'other', 'team', :health, 'local',"
                    " 6, 'active', :note, 1) RETURNING id"
                ),
                {"m": municipality_id, "name": clean[:120], "health": True, "note": NOTE},
            ).scalar_one()
            systems[clean.casefold()] = system_id
        for table in TABLES:
            bind.execute(
                sa.text(
                    f"UPDATE {table} SET system_id = :s"  # noqa: S608 - a constant table name
                    " WHERE municipality_id = :m AND system = :name"
                ),
                {"s": system_id, "m": municipality_id, "name": name},
            )
    for table in TABLES:
        op.drop_column(table, "system")


def downgrade():
    bind = op.get_bind()
    for table in TABLES:
        op.add_column(table, sa.Column("system", sa.String(length=80), nullable=True))
        bind.execute(
            sa.text(
                f"UPDATE {table} SET system = (SELECT substr(name, 1, 80) FROM it_systems"  # noqa: S608
                f" WHERE it_systems.id = {table}.system_id) WHERE system_id IS NOT NULL"
            )
        )
    # Before the rules lose their system: the teams come back from them.
    _restore_admin_team(bind)
    op.drop_index(op.f("ix_tickets_system_id"), table_name="tickets")
    for table in TABLES:
        if bind.dialect.name != "sqlite":
            op.drop_constraint(op.f(f"fk_{table}_system_id_it_systems"), table, type_="foreignkey")
        op.drop_column(table, "system_id")
