"""vftops in its own register: each user's roles in each municipality they work in are
grants of the vftops system, started and ended as the roles, memberships and status
change, so the access review covers vftops too and its history reads like any other
system's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select

from vftops.access.models import AccessGrant, HolderKind
from vftops.auth.models import User
from vftops.auth.operations import user_access_changed
from vftops.core import audit
from vftops.core.models import local_today
from vftops.extensions import db
from vftops.org.models import Municipality, Unit
from vftops.systems.models import ItSystem, SystemKind, SystemRole
from vftops.systems.operations import ROLE_FIELDS

from .grants import Holder, end_open, grant_access

# vftops's roles as the register names them: (name, what it allows, privileged, jobs).
ROLES = {
    "admin": ("Administrator", "Alt i vftops, i egne kommuner", True, ["it"]),
    "it": ("IT-drift", "Systemoversikt, tilganger og saker", False, ["it"]),
    "servicedesk": ("Servicedesk", "Saker, tjenestemottakere og tilganger", False, ["servicedesk"]),
    "technician": ("Tekniker", "Utstyr, lager, utplasseringer og saker", False, ["technician"]),
    "procurement": ("Innkjøp", "Produkter, leverandører og bestillinger", False, []),
    "manager": (
        "Virksomhetsleder",
        "Egen enhet: bestille tilgang og svare på kontroll",
        False,
        ["unit_manager"],
    ),
    "auditor": ("Revisor", "Leser alt, endrer ingenting", False, []),
}
GRANTED = "Rolle i vftops"
ENDED = "Rolle, kommune eller status endret i vftops"


def vftops_system() -> ItSystem | None:
    return db.session.scalar(select(ItSystem).where(ItSystem.kind == SystemKind.VFTOPS))


def ensure_roles(system: ItSystem, actor=None) -> dict[str, SystemRole]:
    """{role code: the system's role}, making (and recording) those missing."""
    existing = {
        r.name: r
        for r in db.session.scalars(select(SystemRole).where(SystemRole.system_id == system.id))
    }
    out = {}
    for code, (name, allows, privileged, jobs) in ROLES.items():
        role = existing.get(name)
        if role is None:
            role = SystemRole(
                system_id=system.id,
                name=name,
                description=allows,
                is_privileged=privileged,
                job_functions=jobs,
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
        out[code] = role
    db.session.flush()
    return out


def sync_user(actor, user: User, system: ItSystem | None = None) -> None:
    """Make the vftops grants of `user` say what their roles and memberships are now."""
    system = system or vftops_system()
    if system is None:
        return
    roles = ensure_roles(system, actor)
    code_of = {role.id: code for code, role in roles.items()}
    today = local_today()
    served = system.served_municipality_ids
    wanted = set()
    if user.is_active_user:
        wanted = {
            (r.role, m.municipality_id)
            for r in user.role_rows
            for m in user.memberships
            if m.municipality_id in served
        }
    key = f"user:{user.id}"
    open_now = db.session.scalars(
        select(AccessGrant).where(
            AccessGrant.system_id == system.id,
            AccessGrant.holder_key == key,
            or_(AccessGrant.ends_on.is_(None), AccessGrant.ends_on >= today),
        )
    ).all()
    held = {}
    for grant in open_now:
        if grant.ends_on is None:
            held[(code_of.get(grant.role_id), grant.municipality_id)] = grant
    for pair, grant in held.items():
        if pair not in wanted:  # one that has not started yet is withdrawn
            end_open(actor, grant, today, ENDED)
    ended_today = {
        (code_of.get(g.role_id), g.municipality_id)
        for g in open_now
        if g.ends_on == today and g.withdrawn_at is None
    }
    for code, municipality_id in sorted(wanted - set(held)):
        unit = db.session.scalar(
            select(Unit)
            .where(
                Unit.municipality_id == municipality_id,
                Unit.id.in_([m.unit_id for m in user.unit_memberships]),
            )
            .order_by(Unit.id)
            .limit(1)
        )
        grant_access(
            actor,
            system,
            roles[code],
            Holder(HolderKind.USER, user=user),
            municipality=db.session.get(Municipality, municipality_id),
            unit=unit,
            account_name=user.username,
            # Access given again the day it was taken: the old grant covers today.
            starts_on=today + timedelta(days=1)
            if (code, municipality_id) in ended_today
            else today,
            reason=GRANTED,
            by_vftops=True,
        )


def sync_everyone(actor, system: ItSystem, *, ended_too: bool = False) -> None:
    """When vftops enters the register: every user's roles, as grants from today. When the
    municipalities it serves change (`ended_too`): everyone with a vftops grant as well,
    so access in a municipality no longer served ends."""
    users = select(User).where(User.is_active_user.is_(True))
    if ended_too:
        holders = select(AccessGrant.user_id).where(
            AccessGrant.system_id == system.id, AccessGrant.ended_at.is_(None)
        )
        users = select(User).where(or_(User.is_active_user.is_(True), User.id.in_(holders)))
    for user in db.session.scalars(users.order_by(User.id)):
        sync_user(actor, user, system)


@user_access_changed.connect
def _user_changed(user: User, *, actor=None, **_extra) -> None:
    sync_user(actor, user)
