"""The benchmark's access control (`flask vftops bench`), at national shared-service scale:
60 systems with five roles each, 40,000 people in the municipality's units, and 150,000
grants over five years (about one in five ended), written in bulk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from vftops.access.models import AccessGrant
from vftops.core.bench import batched, copy_rows
from vftops.core.modules import BenchCheck, BenchPart
from vftops.extensions import db
from vftops.org.models import Unit
from vftops.systems.models import ItSystem, SystemRole

SYSTEMS = 60
ROLES_PER_SYSTEM = 5
PEOPLE = 40_000
UNITS = 80
KINDS = ("response_centre", "dispenser_portal", "remote_care", "mdm", "hub", "supplier_portal")
ENDED_EVERY = 5  # one grant in five has ended


def _units(mid: int) -> list[int]:
    db.session.execute(
        insert(Unit),
        [
            {"municipality_id": mid, "name": f"Enhet {i:02d}", "kind": "avdeling", "version": 1}
            for i in range(UNITS)
        ],
    )
    return list(
        db.session.scalars(select(Unit.id).where(Unit.municipality_id == mid).order_by(Unit.name))
    )


def build(world: dict) -> dict:
    grants = world.get("grants", 150_000)
    if not grants:
        return {"access_system": None}
    mid, now, echo = world["municipality_id"], world["now"], world["echo"]
    today = now.date()
    echo(f"  access: {SYSTEMS} systems, {PEOPLE} people, {grants} grants over five years")
    unit_ids = _units(mid)
    db.session.execute(
        insert(ItSystem),
        [
            {
                "municipality_id": mid,
                "name": f"System {i:02d}",
                "kind": KINDS[i % len(KINDS)],
                "admin_kind": "user",
                "admin_user_id": world["user_id"],
                "holds_health_data": i % 3 != 0,
                "account_source": "local",
                "review_interval_months": 6,
                "status": "active",
                "version": 1,
            }
            for i in range(SYSTEMS)
        ],
    )
    system_ids = list(
        db.session.scalars(
            select(ItSystem.id).where(ItSystem.municipality_id == mid).order_by(ItSystem.name)
        )
    )
    db.session.execute(
        insert(SystemRole),
        [
            {
                "system_id": s,
                "name": f"Rolle {r}",
                "is_privileged": r == 0,
                "job_functions": ["home_care_nurse"] if r else ["it"],
                "version": 1,
            }
            for s in system_ids
            for r in range(ROLES_PER_SYSTEM)
        ],
    )
    roles = {
        (s, n): role_id
        for role_id, s, n in db.session.execute(
            select(SystemRole.id, SystemRole.system_id, SystemRole.name)
        )
    }
    db.session.commit()
    span = 5 * 365

    per_person = max(1, min(ROLES_PER_SYSTEM, -(-grants // PEOPLE)))

    def rows():
        for i in range(grants):
            # Each person's grants are in different systems (13 apart), so no two of
            # theirs are the same role at once.
            person, k = divmod(i, per_person)
            system = system_ids[(person * 7 + k * 13) % SYSTEMS]
            role = roles[(system, f"Rolle {(person + k) % ROLES_PER_SYSTEM}")]
            starts = today - timedelta(days=(i * 37) % span + 1)
            ended = i % ENDED_EVERY == 0
            yield {
                "system_id": system,
                "role_id": role,
                "municipality_id": mid,
                "unit_id": unit_ids[person % UNITS],
                "holder_kind": "person",
                "holder_key": f"person:ansatt {person:05d}|benchmark kommune",
                "person_name": f"Ansatt {person:05d}",
                "person_detail": "Benchmark kommune",
                "account_name": f"a{person:05d}",
                "starts_on": starts,
                "ends_on": starts + timedelta(days=(i % 300) + 1) if ended else None,
                "reason": "Ansatt",
                "created_at": now,
                "ended_at": now if ended else None,
                "version": 1,
            }

    columns = tuple(next(iter(rows())))
    if db.engine.dialect.name == "postgresql":
        copy_rows("access_grants", columns, rows())
    else:
        for batch in batched(rows(), 20000):
            db.session.execute(insert(AccessGrant), batch)
        db.session.commit()
    return find(world)


def find(world: dict) -> dict:
    """The busiest system, for «who had access to system X on date D», and a day two years
    ago."""
    busiest = db.session.execute(
        select(AccessGrant.system_id, func.count(AccessGrant.id))
        .group_by(AccessGrant.system_id)
        .order_by(func.count(AccessGrant.id).desc())
        .limit(1)
    ).first()
    return {"access_system": busiest[0] if busiest else None}


def _when(ids: dict, path: str) -> str | None:
    if ids.get("access_system") is None:
        return None
    day = (datetime.now(UTC).date() - timedelta(days=730)).isoformat()
    return path.format(system=ids["access_system"], day=day)


PART = BenchPart(
    build=build,
    find=find,
    checks=(
        BenchCheck("systems register", lambda ids: _when(ids, "/access"), target_ms=150),
        BenchCheck(
            "who had access to a system on a day (page)",
            lambda ids: _when(ids, "/access/systems/{system}?at={day}"),
            target_ms=100,
        ),
        BenchCheck(
            "who had access to a system on a day (API)",
            lambda ids: _when(ids, "/api/v1/access-grants?system_id={system}&at={day}&limit=50"),
            api=True,
            target_ms=100,
        ),
        BenchCheck(
            "authorisation register, first page",
            lambda ids: _when(ids, "/access/grants"),
            target_ms=150,
        ),
    ),
)
