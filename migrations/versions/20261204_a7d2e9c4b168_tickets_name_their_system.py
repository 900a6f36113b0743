"""tickets name their system from the register

A ticket's system and a routing rule's were free text; they now name a system of the
systems register. Each name a municipality used becomes the system of that name the
municipality runs or is served by (case does not matter); a name the register does not
know becomes a new system of the municipality that used it (kind «other»; its note says
where it came from), so no ticket loses what it said. Downgrading writes the names back.

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
    op.drop_index(op.f("ix_tickets_system_id"), table_name="tickets")
    for table in TABLES:
        if bind.dialect.name != "sqlite":
            op.drop_constraint(op.f(f"fk_{table}_system_id_it_systems"), table, type_="foreignkey")
        op.drop_column(table, "system_id")
