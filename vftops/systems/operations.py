"""The only code that changes the systems register: systems and their roles.

Those built on the register hear of its changes: `system_saved` after a system is
registered or changed (vftops's own entry starts and ends its users' grants), and
`shares_dropping` before a municipality stops being served (a receiver refuses by
raising, e.g. while that municipality's people still have access)."""

from __future__ import annotations

from typing import Any

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vftops.auth.models import User
from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, PermissionDeniedError, ValidationError
from vftops.core.models import utcnow
from vftops.core.scope import municipality_ids
from vftops.core.validation import text_or_none
from vftops.extensions import db
from vftops.org.models import Membership, Municipality
from vftops.suppliers.models import Supplier
from vftops.systems.models import (
    MAX_REVIEW_MONTHS,
    MIN_REVIEW_MONTHS,
    AccountSource,
    AdminKind,
    ItSystem,
    JobFunction,
    SystemKind,
    SystemRole,
    SystemStatus,
)

_signals = Namespace()
# Sent with `actor`, `created` and the audit `changes`, in the same savepoint.
system_saved = _signals.signal("system-saved")
# Sent with `actor` and `municipality_ids` (those the system stops serving).
shares_dropping = _signals.signal("system-shares-dropping")

ROLE_FIELDS = ("name", "description", "is_privileged", "job_functions", "is_active")

SYSTEM_FIELDS = (
    "name",
    "kind",
    "supplier_id",
    "owner_id",
    "admin_kind",
    "admin_user_id",
    "holds_health_data",
    "account_source",
    "review_interval_months",
    "status",
    "note",
)
NAME_LENGTH = 120


def _refuse(field: str, message) -> ValidationError:
    return ValidationError(message, fields={field: [message]})


def _name(value, field: str, message) -> str:
    name = (value or "").strip() if isinstance(value, str) else ""
    if not name:
        raise _refuse(field, message)
    if len(name) > NAME_LENGTH:
        raise _refuse(field, _l("A name has at most %(n)d characters.", n=NAME_LENGTH))
    return name


def _choice(value, allowed: type, field: str, message) -> str:
    if value not in {k.value for k in allowed}:
        raise _refuse(field, message)
    return value


def _whole(value, field: str, low: int, high: int, message) -> int:
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(value)
        number = int(value) if isinstance(value, int | float) else int(str(value).strip())
    except (TypeError, ValueError):
        raise _refuse(field, message) from None
    if not low <= number <= high:
        raise _refuse(field, message)
    return number


def _id(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _member(user_id, served: set[int], field: str, message) -> int | None:
    """A user who works in one of the municipalities the system serves."""
    user_id = _id(user_id)
    if user_id is None:
        return None
    found = db.session.scalar(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.user_id == user_id,
            Membership.municipality_id.in_(served),
            User.is_active_user.is_(True),
        )
        .limit(1)
    )
    if found is None:
        raise _refuse(field, message)
    return user_id


def _supplier(supplier_id) -> int | None:
    supplier_id = _id(supplier_id)
    if supplier_id is None:
        return None
    if db.session.get(Supplier, supplier_id) is None:
        raise _refuse("supplier_id", _l("Choose a registered supplier."))
    return supplier_id


def _shared(actor, owner_id: int, ids, kept=frozenset()) -> list[Municipality]:
    """The other municipalities the system serves: only those the actor works in may be
    added (`kept`: those it serves already stay)."""
    try:
        wanted = {int(i) for i in ids or ()} - {owner_id}
    except (TypeError, ValueError):
        wanted = {-1}
    if not wanted:
        return []
    allowed = municipality_ids(actor) if actor is not None else None
    found = db.session.scalars(select(Municipality).where(Municipality.id.in_(wanted))).all()
    if len(found) != len(wanted) or (allowed is not None and not wanted - set(kept) <= allowed):
        message = _l("A system can only serve municipalities you work in.")
        raise _refuse("shared_with_ids", message)
    return sorted(found, key=lambda m: m.name)


def _unique_name(name: str, municipality: Municipality, exclude_id: int | None = None) -> None:
    stmt = select(ItSystem.id).where(
        ItSystem.municipality_id == municipality.id, func.lower(ItSystem.name) == name.lower()
    )
    if exclude_id is not None:
        stmt = stmt.where(ItSystem.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        message = _l(
            "%(municipality)s already has a system called %(name)s.",
            municipality=municipality.name,
            name=name,
        )
        raise ConflictError(message, fields={"name": [message]})


def _administrator(data: dict[str, Any], served: set[int]) -> tuple[str, int | None]:
    kind = _choice(data.get("admin_kind"), AdminKind, "admin_kind", _l("Choose who grants access."))
    user_id = None
    if kind == AdminKind.USER:
        user_id = _member(
            data.get("admin_user_id"),
            served,
            "admin_user_id",
            _l("Choose the person who grants access: someone who works where the system is used."),
        )
        if user_id is None:
            raise _refuse("admin_user_id", _l("Choose the person who grants access."))
    return kind, user_id


def _check_runs(actor, system: ItSystem) -> None:
    """A system, and its roles, are changed by the municipality that runs it; those it
    serves see it and give access for their own people."""
    if actor is not None and system.municipality_id not in municipality_ids(actor):
        message = _l(
            "%(municipality)s runs %(system)s: its people change it.",
            municipality=system.municipality.name,
            system=system.name,
        )
        raise PermissionDeniedError(message)


def _system_state(system: ItSystem) -> dict[str, Any]:
    state = audit.snapshot(system, SYSTEM_FIELDS)
    state["shared_with"] = sorted(m.id for m in system.shared_with)
    return state


def _apply(system: ItSystem, data: dict[str, Any], served: set[int]) -> None:
    """Everything but the name and the municipalities served, checked, onto `system`."""
    system.kind = _choice(data["kind"], SystemKind, "kind", _l("Choose what kind of system it is."))
    system.supplier_id = _supplier(data.get("supplier_id"))
    system.owner_id = _member(
        data.get("owner_id"),
        served,
        "owner_id",
        _l("The system owner must work in a municipality the system serves."),
    )
    system.admin_kind, system.admin_user_id = _administrator(data, served)
    if system.admin_kind == AdminKind.SUPPLIER and system.supplier_id is None:
        message = _l("Name the supplier who grants access on the system owner's order.")
        raise _refuse("supplier_id", message)
    system.holds_health_data = bool(data.get("holds_health_data"))
    system.account_source = _choice(
        data.get("account_source"),
        AccountSource,
        "account_source",
        _l("Choose how accounts are made."),
    )
    system.review_interval_months = _whole(
        data.get("review_interval_months", 6),
        "review_interval_months",
        MIN_REVIEW_MONTHS,
        MAX_REVIEW_MONTHS,
        _l(
            "Give the review interval as whole months from %(low)d to %(high)d.",
            low=MIN_REVIEW_MONTHS,
            high=MAX_REVIEW_MONTHS,
        ),
    )
    system.status = _choice(
        data.get("status", SystemStatus.ACTIVE), SystemStatus, "status", _l("Choose a status.")
    )
    system.note = text_or_none(data.get("note"))


@operation
def create_system(actor, municipality: Municipality, **data) -> ItSystem:
    """Register a system in `municipality`, serving it and `shared_with_ids`."""
    name = _name(data.get("name"), "name", _l("Enter the system's name."))
    if data.get("kind") == SystemKind.VFTOPS and db.session.scalar(
        select(ItSystem.id).where(ItSystem.kind == SystemKind.VFTOPS)
    ):
        raise ConflictError(_l("vftops is in the register already."), fields={"kind": []})
    _unique_name(name, municipality)
    shared = _shared(actor, municipality.id, data.get("shared_with_ids"))
    system = ItSystem(municipality_id=municipality.id, name=name)
    system.shared_with = shared
    _apply(system, data, {municipality.id} | {m.id for m in shared})
    db.session.add(system)
    audit.record(
        actor,
        "system.create",
        system,
        f"System {name} registrert i {municipality.name}",
        changes=audit.diff({}, _system_state(system)),
        municipality_id=municipality.id,
    )
    db.session.flush()
    system_saved.send(system, actor=actor, created=True, changes=None)
    return system


@operation
def update_system(actor, system: ItSystem, *, expected_version=None, **data) -> ItSystem:
    check_version(system, expected_version)
    _check_runs(actor, system)
    before = _system_state(system)
    if "name" in data:
        name = _name(data["name"], "name", _l("Enter the system's name."))
        _unique_name(name, system.municipality, exclude_id=system.id)
        system.name = name
    if "shared_with_ids" in data:
        had = {m.id for m in system.shared_with}
        wanted = list(data["shared_with_ids"] or [])
        if actor is not None:
            # Those the editor does not work in are not theirs to take away.
            wanted += sorted(had - municipality_ids(actor))
        shared = _shared(actor, system.municipality_id, wanted, kept=had)
        dropped = had - {m.id for m in shared}
        if dropped:
            shares_dropping.send(system, actor=actor, municipality_ids=dropped)
        system.shared_with = shared
    if data.get("kind", system.kind) != system.kind and SystemKind.VFTOPS in (
        data["kind"],
        system.kind,
    ):
        raise _refuse("kind", _l("vftops's own entry stays vftops."))
    current = {key: getattr(system, key) for key in SYSTEM_FIELDS}
    _apply(system, {**current, **data}, system.served_municipality_ids)
    changes = audit.diff(before, _system_state(system))
    if changes:
        system.updated_at = utcnow()  # a change of the municipalities alone bumps the version
        audit.record(
            actor,
            "system.update",
            system,
            f"System {system.name} endret",
            changes=changes,
            municipality_id=system.municipality_id,
        )
        db.session.flush()
        system_saved.send(system, actor=actor, created=False, changes=changes)
    return system


# --- roles -------------------------------------------------------------------------------


def _job_functions(values) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise _refuse("job_functions", _l("Choose the jobs from the list."))
    known = {k.value for k in JobFunction}
    if not set(values) <= known:
        raise _refuse("job_functions", _l("Choose the jobs from the list."))
    return [k.value for k in JobFunction if k.value in set(values)]


def _unique_role(system: ItSystem, name: str, exclude_id: int | None = None) -> None:
    stmt = select(SystemRole.id).where(
        SystemRole.system_id == system.id, func.lower(SystemRole.name) == name.lower()
    )
    if exclude_id is not None:
        stmt = stmt.where(SystemRole.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        message = _l(
            "%(system)s already has a role called %(name)s.", system=system.name, name=name
        )
        raise ConflictError(message, fields={"name": [message]})


@operation
def create_role(
    actor,
    system: ItSystem,
    *,
    name: str,
    description: str | None = None,
    is_privileged: bool = False,
    job_functions=(),
) -> SystemRole:
    _check_runs(actor, system)
    if system.is_vftops:
        raise _refuse("name", _l("vftops's roles are its own: they come from vftops."))
    name = _name(name, "name", _l("Enter the role's name as the system calls it."))
    _unique_role(system, name)
    role = SystemRole(
        system_id=system.id,
        name=name,
        description=text_or_none(description),
        is_privileged=bool(is_privileged),
        job_functions=_job_functions(job_functions),
    )
    db.session.add(role)
    audit.record(
        actor,
        "system_role.create",
        role,
        f"Rolle {name} i {system.name} registrert",
        changes=audit.diff({}, audit.snapshot(role, ROLE_FIELDS)),
        municipality_id=system.municipality_id,
    )
    return role


@operation
def update_role(actor, role: SystemRole, *, expected_version=None, **data) -> SystemRole:
    check_version(role, expected_version)
    _check_runs(actor, role.system)
    before = audit.snapshot(role, ROLE_FIELDS)
    if role.system.is_vftops:
        if data.get("name", role.name) != role.name:
            raise _refuse("name", _l("vftops's roles are its own: they come from vftops."))
        if "is_active" in data and bool(data["is_active"]) != role.is_active:
            raise _refuse("is_active", _l("vftops's roles are its own: they come from vftops."))
    if "name" in data:
        name = _name(data["name"], "name", _l("Enter the role's name as the system calls it."))
        _unique_role(role.system, name, exclude_id=role.id)
        role.name = name
    if "description" in data:
        role.description = text_or_none(data["description"])
    if "is_privileged" in data:
        role.is_privileged = bool(data["is_privileged"])
    if "job_functions" in data:
        role.job_functions = _job_functions(data["job_functions"])
    if "is_active" in data:
        role.is_active = bool(data["is_active"])
    changes = audit.diff(before, audit.snapshot(role, ROLE_FIELDS))
    if changes:
        audit.record(
            actor,
            "system_role.update",
            role,
            f"Rolle {role.name} i {role.system.name} endret",
            changes=changes,
            municipality_id=role.system.municipality_id,
        )
    return role
