"""The benchmark's access control (`flask vftops bench`), at national shared-service scale:
60 systems with five roles each, 40,000 people in the municipality's units, and 150,000
grants over five years (about one in five ended), written in bulk; one access review of
every active grant (about 120,000 items) among 400 unit managers, half decided, with
300 items the benchmark's own user reviews; and a reconciliation of 20,000 accounts."""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from vftops.access.models import (
    AccessGrant,
    AccessReview,
    AccessReviewItem,
    review_municipalities,
    review_systems,
)
from vftops.auth.models import User
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

    _bulk("access_grants", AccessGrant, rows())
    _review(world, unit_ids)
    return find(world)


def _bulk(table: str, model, rows) -> None:
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    columns = tuple(first)
    everything = itertools.chain([first], rows)
    if db.engine.dialect.name == "postgresql":
        copy_rows(table, columns, everything)
    else:
        for batch in batched(everything, 20000):
            db.session.execute(insert(model), batch)
        db.session.commit()


REVIEWERS = 400
MINE = 300  # the benchmark user's own items: the reviewer's page


def _review(world: dict, unit_ids: list[int]) -> None:
    """One review of every active grant, its items spread over 400 unit managers (the
    benchmark user has 300 of them), half decided."""
    mid, now, echo = world["municipality_id"], world["now"], world["echo"]
    today = now.date()
    db.session.execute(
        insert(User),
        [
            {
                "username": f"leder{i:03d}",
                "full_name": f"Enhetsleder {i:03d}",
                "email": f"leder{i:03d}@bench.example.no",
                "password_hash": "!bench-user-cannot-log-in",
                "version": 1,
            }
            for i in range(REVIEWERS)
        ],
    )
    reviewers = list(
        db.session.scalars(
            select(User.id).where(User.username.like("leder%")).order_by(User.username)
        )
    )
    review_id = db.session.execute(
        insert(AccessReview)
        .values(
            municipality_id=mid,
            name="Tilgangskontroll (benchmark)",
            status="running",
            starts_on=today - timedelta(days=10),
            due_on=today + timedelta(days=10),
            escalate_on=today + timedelta(days=20),
            reminder_days=7,
            unanswered="keep",
            fallback_reviewer_id=world["user_id"],
            second_stage=False,
            owner_id=world["user_id"],
            started_at=now,
            version=1,
        )
        .returning(AccessReview.id)
    ).scalar_one()
    system_ids = list(
        db.session.scalars(select(ItSystem.id).where(ItSystem.municipality_id == mid))
    )
    db.session.execute(
        insert(review_systems), [{"review_id": review_id, "system_id": s} for s in system_ids]
    )
    db.session.execute(
        insert(review_municipalities), [{"review_id": review_id, "municipality_id": mid}]
    )
    db.session.commit()
    active = db.session.execute(
        select(AccessGrant.id, AccessGrant.system_id, AccessGrant.unit_id, AccessGrant.holder_key)
        .where(AccessGrant.ended_at.is_(None), AccessGrant.municipality_id == mid)
        .order_by(AccessGrant.id)
    ).all()
    echo(f"  access: a review of {len(active)} grants among {REVIEWERS} managers")

    def items():
        for n, (grant_id, system_id, unit_id, key) in enumerate(active):
            decided = n % 2 == 0
            yield {
                "review_id": review_id,
                "grant_id": grant_id,
                "system_id": system_id,
                "municipality_id": mid,
                "unit_id": unit_id,
                "holder_key": key,
                "holder_user_id": None,
                "reviewer_id": world["user_id"] if n < MINE else reviewers[n % REVIEWERS],
                "is_privileged": n % 5 == 0,
                "warnings": '["privileged"]' if n % 5 == 0 else "[]",
                "decision": "keep" if decided else None,
                "reason": "Trengs" if decided else None,
                "decided_at": now if decided else None,
                "unanswered": False,
                "version": 1,
            }

    if db.engine.dialect.name == "postgresql":
        _bulk("access_review_items", AccessReviewItem, items())
    else:  # the ORM's insert wants the list, not its JSON text
        _bulk(
            "access_review_items",
            AccessReviewItem,
            ({**row, "warnings": json.loads(row["warnings"])} for row in items()),
        )


def find(world: dict) -> dict:
    """The busiest system, for «who had access to system X on date D», and a day two years
    ago; the access review."""
    busiest = db.session.execute(
        select(AccessGrant.system_id, func.count(AccessGrant.id))
        .group_by(AccessGrant.system_id)
        .order_by(func.count(AccessGrant.id).desc())
        .limit(1)
    ).first()
    review = db.session.scalar(select(func.max(AccessReview.id)))
    return {"access_system": busiest[0] if busiest else None, "access_review": review}


def _review_path(ids: dict, path: str) -> str | None:
    return path.format(review=ids["access_review"]) if ids.get("access_review") else None


ACCOUNTS = 20_000


def writes(bench) -> dict[str, list[float]]:
    """Reconciliation of a system's 20,000 accounts through the API: the dry run, and
    applying it (each its own run: the list is read again when applied)."""
    ids = bench.world
    if ids.get("access_system") is None:
        return {}
    with bench.app.app_context():
        known = list(
            db.session.scalars(
                select(AccessGrant.account_name).where(
                    AccessGrant.system_id == ids["access_system"],
                    AccessGrant.ended_at.is_(None),
                    AccessGrant.account_name.is_not(None),
                )
            )
        )
    accounts = [
        {"account": name, "role": "Rolle 1", "last_login": "2026-12-01 08:15"}
        for name in dict.fromkeys(known)
    ]
    accounts += [{"account": f"ukjent{n:05d}"} for n in range(ACCOUNTS - len(accounts))]
    path = f"/api/v1/systems/{ids['access_system']}/account-lists"
    dry, applied = [], []
    for _ in range(max(1, min(3, bench.samples // 10))):
        start = time.perf_counter()
        answer = bench.api.post(path, json={"accounts": accounts, "dry_run": True})
        dry.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 201, answer.get_json()
        body = answer.get_json()
        start = time.perf_counter()
        done = bench.api.post(
            f"/api/v1/account-lists/{body['id']}/apply", json={"version": body["version"]}
        )
        applied.append((time.perf_counter() - start) * 1000)
        assert done.status_code == 200, done.get_json()
    return {
        "reconcile 20,000 accounts, dry run (API)": dry,
        "reconcile 20,000 accounts, applied (API)": applied,
    }


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
        BenchCheck(
            "reviewer's page, 300 items",
            lambda ids: _review_path(ids, "/access/reviews/{review}/mine"),
            target_ms=150,
        ),
        BenchCheck(
            "access review progress, 120,000 items",
            lambda ids: _review_path(ids, "/access/reviews/{review}"),
            target_ms=200,
        ),
    ),
    writes=writes,
    targets={
        "reconcile 20,000 accounts, dry run (API)": 10_000,
        "reconcile 20,000 accounts, applied (API)": 10_000,
    },
    exports=(("access review evidence CSV", "/access/reviews/{access_review}/evidence.csv", 60),),
)
