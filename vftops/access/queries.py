"""Reads of the systems register and the authorisation register, limited to the reader's
municipalities (and, for a unit manager, to the grants of their own units)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from vftops.access.models import AccessGrant, HolderKind
from vftops.access.permissions import ACCESS_MANAGE, ACCESS_VIEW
from vftops.auth.models import User
from vftops.core.scope import get_scoped_or_404, id_or_404, municipality_ids, scoped
from vftops.equipment.permissions import RECIPIENTS_VIEW
from vftops.extensions import db
from vftops.org.models import Unit, UnitMembership
from vftops.support.models import RoutingRule, Team, TicketKind
from vftops.systems.models import ItSystem, SystemRole

PAGE_SIZE = 50


def active_on(day: date):
    """Grants that give access on `day`."""
    return and_(
        AccessGrant.starts_on <= day,
        # A withdrawn grant ends the day before it starts: no day is in it.
        or_(AccessGrant.ends_on.is_(None), AccessGrant.ends_on >= day),
    )


def reads_every_grant(user) -> bool:
    """IT, the servicedesk and auditors read the whole register of their municipalities;
    a unit manager only the grants of their own units."""
    return user.can(ACCESS_VIEW) or user.can(ACCESS_MANAGE)


def own_unit_ids(user) -> Select:
    return select(UnitMembership.unit_id).where(UnitMembership.user_id == user.id)


def grants_visible(stmt: Select, user) -> Select:
    """Limit a SELECT of grants to what `user` may read."""
    stmt = stmt.where(AccessGrant.municipality_id.in_(municipality_ids(user)))
    if not reads_every_grant(user):
        stmt = stmt.where(AccessGrant.unit_id.in_(own_unit_ids(user)))
    return stmt


def systems_statement(user, *, include_retired: bool = False) -> Select:
    stmt = scoped(select(ItSystem), ItSystem, user).options(
        joinedload(ItSystem.municipality),
        joinedload(ItSystem.supplier),
        joinedload(ItSystem.admin_user),
        selectinload(ItSystem.shared_with),
    )
    if not include_retired:
        stmt = stmt.where(ItSystem.status != "retired")
    return stmt


def systems_for(user, *, include_retired: bool = False) -> list[ItSystem]:
    stmt = systems_statement(user, include_retired=include_retired)
    return with_access_teams(
        list(db.session.scalars(stmt.order_by(func.lower(ItSystem.name), ItSystem.id)))
    )


def with_access_teams(systems: list[ItSystem]) -> list[ItSystem]:
    """Sets `access_team` on each system: the team its municipality's routing sends its
    access tickets to by the system's own rule (None without one). One query."""
    ids = [s.id for s in systems]
    found: dict[int, Team] = {}
    if ids:
        rows = db.session.execute(
            select(RoutingRule.system_id, Team)
            .join(Team, Team.id == RoutingRule.team_id)
            .join(ItSystem, ItSystem.id == RoutingRule.system_id)
            .where(
                RoutingRule.system_id.in_(ids),
                RoutingRule.municipality_id == ItSystem.municipality_id,
                RoutingRule.kind == TicketKind.ACCESS.value,
                RoutingRule.category.is_(None),
                RoutingRule.product_id.is_(None),
            )
            .order_by(RoutingRule.position.desc(), RoutingRule.id.desc())
        )
        found = {row[0]: row[1] for row in rows}  # the last written is the first rule
    for system in systems:
        system.access_team = found.get(system.id)
    return systems


def roles_statement(user, *, system_id: int | None = None) -> Select:
    stmt = scoped(select(SystemRole), SystemRole, user)
    if system_id is not None:
        stmt = stmt.where(SystemRole.system_id == system_id)
    return stmt


def active_grant_counts(system_ids: list[int], user, day: date) -> dict[int, int]:
    """Active grants per system, of those the reader may read (one query)."""
    if not system_ids:
        return {}
    stmt = grants_visible(
        select(AccessGrant.system_id, func.count(AccessGrant.id))
        .where(AccessGrant.system_id.in_(system_ids), active_on(day))
        .group_by(AccessGrant.system_id),
        user,
    )
    return dict(db.session.execute(stmt).all())


def role_or_404(role_id, user) -> SystemRole:
    return get_scoped_or_404(SystemRole, role_id, user, options=(joinedload(SystemRole.system),))


def grant_or_404(grant_id, user) -> AccessGrant:
    """One grant the reader may read (another municipality's, or for a unit manager
    another unit's, answers 404)."""
    stmt = grants_visible(select(AccessGrant).where(AccessGrant.id == id_or_404(grant_id)), user)
    grant = db.session.scalars(with_details(stmt)).first()
    if grant is None:
        abort(404)
    return grant


def units_for_register(user) -> list[Unit]:
    """The units the reader may filter the register by."""
    stmt = (
        select(Unit)
        .where(Unit.municipality_id.in_(municipality_ids(user)))
        .options(joinedload(Unit.municipality))
        .order_by(Unit.municipality_id, func.lower(Unit.name))
    )
    if not reads_every_grant(user):
        stmt = stmt.where(Unit.id.in_(own_unit_ids(user)))
    return list(db.session.scalars(stmt))


def roles_of(system: ItSystem) -> list[SystemRole]:
    return list(
        db.session.scalars(
            select(SystemRole)
            .where(SystemRole.system_id == system.id)
            .order_by(SystemRole.is_active.desc(), func.lower(SystemRole.name))
        )
    )


@dataclass
class GrantFilter:
    system_id: int | None = None
    role_id: int | None = None
    unit_id: int | None = None
    municipality_id: int | None = None
    holder: str | None = None  # part of a name or account name
    at: date | None = None  # who had access on that day (default: today)
    ended: bool = False  # with ended (and not yet started) grants too


def grants_statement(user, f: GrantFilter, today: date) -> Select:
    stmt = grants_visible(select(AccessGrant), user)
    if f.system_id is not None:
        stmt = stmt.where(AccessGrant.system_id == f.system_id)
    if f.role_id is not None:
        stmt = stmt.where(AccessGrant.role_id == f.role_id)
    if f.unit_id is not None:
        stmt = stmt.where(AccessGrant.unit_id == f.unit_id)
    if f.municipality_id is not None:
        stmt = stmt.where(AccessGrant.municipality_id == f.municipality_id)
    if not f.ended:
        stmt = stmt.where(active_on(f.at or today))
    if f.holder:
        needle = f.holder.casefold()
        users = select(User.id).where(func.lower(User.full_name).contains(needle, autoescape=True))
        names = func.lower(AccessGrant.person_name).contains(needle, autoescape=True)
        if not user.can(RECIPIENTS_VIEW):  # relatives' names are not theirs to search
            names = and_(names, AccessGrant.holder_kind == HolderKind.PERSON)
        stmt = stmt.where(
            or_(
                names,
                func.lower(AccessGrant.account_name).contains(needle, autoescape=True),
                and_(AccessGrant.holder_kind == HolderKind.USER, AccessGrant.user_id.in_(users)),
            )
        )
    return stmt


def with_details(stmt: Select) -> Select:
    return stmt.options(
        joinedload(AccessGrant.system),
        joinedload(AccessGrant.role),
        joinedload(AccessGrant.unit),
        joinedload(AccessGrant.municipality),
        joinedload(AccessGrant.user),
        joinedload(AccessGrant.recipient),
    )


def grants_page(user, f: GrantFilter, today: date, *, page: int = 1, size: int = PAGE_SIZE):
    """(grants on the page, total)."""
    stmt = grants_statement(user, f, today)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(
        with_details(stmt)
        .order_by(AccessGrant.starts_on.desc(), AccessGrant.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return list(rows), total


def who_had_access_statement(system: ItSystem, day: date, user) -> Select:
    """Everyone with access to `system` on `day` that the reader may read, by role."""
    stmt = grants_visible(
        select(AccessGrant).where(AccessGrant.system_id == system.id, active_on(day)), user
    )
    return with_details(stmt).order_by(AccessGrant.role_id, AccessGrant.id)


def who_had_access(system: ItSystem, day: date, user) -> list[AccessGrant]:
    return list(db.session.scalars(who_had_access_statement(system, day, user)))


def history_of(grant: AccessGrant, user) -> list[AccessGrant]:
    """The holder's grants in the same system, oldest first: what they have had there."""
    stmt = grants_visible(
        select(AccessGrant).where(
            AccessGrant.system_id == grant.system_id,
            AccessGrant.holder_key == grant.holder_key,
        ),
        user,
    )
    return list(db.session.scalars(with_details(stmt).order_by(AccessGrant.starts_on)))
