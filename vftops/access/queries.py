"""Reads of the systems register and the authorisation register, limited to the reader's
municipalities (and, for a unit manager, to the grants of their own units)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from vftops.access.models import (
    AccessGrant,
    AccessOrder,
    AccessReview,
    AccessReviewItem,
    AccessTask,
    AccountList,
    HolderKind,
    ReviewStatus,
    TaskStatus,
    review_systems,
)
from vftops.access.permissions import ACCESS_MANAGE, ACCESS_REVIEW, ACCESS_VIEW
from vftops.auth.models import User
from vftops.core.models import local_day
from vftops.core.scope import get_scoped_or_404, id_or_404, municipality_ids, scoped
from vftops.equipment.permissions import RECIPIENTS_VIEW
from vftops.extensions import db
from vftops.org.models import Municipality, Unit, UnitMembership
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


# --- orders and tasks ---------------------------------------------------------------------


def orderable_units(user) -> list[Unit]:
    """The units the user orders access for: their own, or, for those who keep the
    register, every active unit of their municipalities."""
    stmt = (
        select(Unit)
        .where(Unit.municipality_id.in_(municipality_ids(user)), Unit.is_active.is_(True))
        .options(joinedload(Unit.municipality))
        .order_by(Unit.municipality_id, func.lower(Unit.name))
    )
    if not user.can(ACCESS_MANAGE):
        stmt = stmt.where(Unit.id.in_(own_unit_ids(user)))
    return list(db.session.scalars(stmt))


def people_of_units(unit_ids: list[int], *, with_closed: bool = False) -> list[tuple[User, int]]:
    """(user, unit id) of the users who work in the units (those whose login is closed
    too, `with_closed`: a leaver may have been closed already), by name."""
    if not unit_ids:
        return []
    stmt = (
        select(User, UnitMembership.unit_id)
        .join(UnitMembership, UnitMembership.user_id == User.id)
        .where(UnitMembership.unit_id.in_(unit_ids))
        .order_by(func.lower(User.full_name), User.id)
    )
    if not with_closed:
        stmt = stmt.where(User.is_active_user.is_(True))
    return [(u, unit_id) for u, unit_id in db.session.execute(stmt)]


def orderable_roles(municipality_ids_: set[int]) -> list[SystemRole]:
    """Active roles of the systems in use (not vftops: its roles follow the logins) that
    serve these municipalities, by system and role."""
    if not municipality_ids_:
        return []
    systems = select(ItSystem.id).where(
        ItSystem.scope_clause(municipality_ids_),
        ItSystem.status != "retired",
        ItSystem.kind != "vftops",
    )
    stmt = (
        select(SystemRole)
        .join(ItSystem, ItSystem.id == SystemRole.system_id)
        .where(SystemRole.system_id.in_(systems), SystemRole.is_active.is_(True))
        .options(joinedload(SystemRole.system).selectinload(ItSystem.shared_with))
        .order_by(func.lower(ItSystem.name), func.lower(SystemRole.name))
    )
    return list(db.session.scalars(stmt).unique())


def orders_visible(stmt: Select, user) -> Select:
    """Orders the user may read: those of their municipalities for the register's keepers;
    a unit manager's own units' and their own."""
    mine = municipality_ids(user)
    if user.can(ACCESS_MANAGE):
        # Also the orders of people elsewhere for the systems run here: their tasks are
        # done here.
        run_here = select(ItSystem.id).where(ItSystem.municipality_id.in_(mine))
        for_here = select(AccessTask.order_id).where(
            AccessTask.order_id.is_not(None), AccessTask.system_id.in_(run_here)
        )
        return stmt.where(or_(AccessOrder.municipality_id.in_(mine), AccessOrder.id.in_(for_here)))
    stmt = stmt.where(AccessOrder.municipality_id.in_(mine))
    if not reads_every_grant(user):
        stmt = stmt.where(
            or_(AccessOrder.unit_id.in_(own_unit_ids(user)), AccessOrder.ordered_by_id == user.id)
        )
    return stmt


def orders_statement(user, *, open_only: bool = False) -> Select:
    stmt = orders_visible(select(AccessOrder), user).options(
        joinedload(AccessOrder.unit),
        joinedload(AccessOrder.user),
        joinedload(AccessOrder.ordered_by),
        selectinload(AccessOrder.tasks).joinedload(AccessTask.system),
    )
    if open_only:
        stmt = stmt.where(AccessOrder.closed_at.is_(None))
    return stmt


def order_or_404(order_id, user) -> AccessOrder:
    stmt = orders_visible(
        select(AccessOrder).where(AccessOrder.id == id_or_404(order_id)), user
    ).options(
        joinedload(AccessOrder.unit),
        joinedload(AccessOrder.municipality),
        joinedload(AccessOrder.user),
        joinedload(AccessOrder.ordered_by),
        selectinload(AccessOrder.tasks).options(
            joinedload(AccessTask.system),
            joinedload(AccessTask.role),
            joinedload(AccessTask.grant),
            joinedload(AccessTask.made_grant),
            joinedload(AccessTask.ticket),
            joinedload(AccessTask.done_by),
        ),
    )
    order = db.session.scalars(stmt).first()
    if order is None:
        abort(404)
    return order


def tasks_visible(stmt: Select, user) -> Select:
    """Tasks an administrator may do: those of their municipalities' people, or of the
    systems their municipalities run."""
    ids = municipality_ids(user)
    run_here = select(ItSystem.id).where(ItSystem.municipality_id.in_(ids))
    return stmt.where(or_(AccessTask.municipality_id.in_(ids), AccessTask.system_id.in_(run_here)))


def open_tasks(user, *, limit: int = 200) -> list[AccessTask]:
    """The open tasks, oldest first (what the administrators have to do)."""
    stmt = (
        tasks_visible(select(AccessTask), user)
        .where(AccessTask.status == TaskStatus.OPEN)
        .options(
            joinedload(AccessTask.system),
            joinedload(AccessTask.role),
            joinedload(AccessTask.ticket),
            joinedload(AccessTask.order).joinedload(AccessOrder.user),
            joinedload(AccessTask.order).joinedload(AccessOrder.unit),
            # The holder's name only: not their roles.
            joinedload(AccessTask.grant).joinedload(AccessGrant.user).lazyload(User.role_rows),
            joinedload(AccessTask.grant).joinedload(AccessGrant.recipient),
        )
        .order_by(AccessTask.created_at, AccessTask.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def task_or_404(task_id, user) -> AccessTask:
    stmt = tasks_visible(select(AccessTask).where(AccessTask.id == id_or_404(task_id)), user)
    task = db.session.scalars(
        stmt.options(
            joinedload(AccessTask.order),
            joinedload(AccessTask.system),
            joinedload(AccessTask.role),
            joinedload(AccessTask.ticket),
            joinedload(AccessTask.grant).joinedload(AccessGrant.unit),
            joinedload(AccessTask.done_by),
        )
    ).first()
    if task is None:
        abort(404)
    return task


def review_item_of(task: AccessTask) -> AccessReviewItem | None:
    """The review item whose decision made the task, if one did."""
    if task.review_id is None:
        return None
    return db.session.scalars(
        select(AccessReviewItem)
        .where(AccessReviewItem.task_id == task.id)
        .options(joinedload(AccessReviewItem.review))
    ).first()


# --- access reviews -----------------------------------------------------------------------


def reviews_statement(user) -> Select:
    return (
        scoped(select(AccessReview), AccessReview, user)
        .options(
            joinedload(AccessReview.owner),
            selectinload(AccessReview.systems),
            selectinload(AccessReview.municipalities),
        )
        .order_by(AccessReview.starts_on.desc(), AccessReview.id.desc())
    )


def reviews_for(user) -> list[AccessReview]:
    return list(db.session.scalars(reviews_statement(user)))


def review_or_404(review_id, user) -> AccessReview:
    return get_scoped_or_404(
        AccessReview,
        review_id,
        user,
        options=(
            joinedload(AccessReview.owner),
            joinedload(AccessReview.fallback_reviewer),
            joinedload(AccessReview.approver),
            selectinload(AccessReview.systems),
            selectinload(AccessReview.municipalities),
        ),
    )


def reviews_with_items_for(user) -> list[tuple[AccessReview, int, int]]:
    """(running review, my open items, my items) for a reviewer: what waits for them."""
    stmt = (
        select(
            AccessReview,
            func.count(AccessReviewItem.id).filter(AccessReviewItem.decision.is_(None)),
            func.count(AccessReviewItem.id),
        )
        .join(AccessReviewItem, AccessReviewItem.review_id == AccessReview.id)
        .where(
            AccessReviewItem.reviewer_id == user.id,
            AccessReview.status == ReviewStatus.RUNNING,
        )
        .group_by(AccessReview.id)
        .order_by(AccessReview.due_on)
    )
    return [(r, left, total) for r, left, total in db.session.execute(stmt)]


def my_open_reviews(user, _now) -> list[tuple[AccessReview, int, int]]:
    """The start page of a reviewer: the running reviews with access left for them."""
    if not user.can(ACCESS_REVIEW):
        return []
    return [row for row in reviews_with_items_for(user) if row[1]]


def my_items(review: AccessReview, user) -> list[AccessReviewItem]:
    """The reviewer's items with what the page shows, by unit and person."""
    stmt = (
        select(AccessReviewItem)
        .where(AccessReviewItem.review_id == review.id, AccessReviewItem.reviewer_id == user.id)
        .options(
            joinedload(AccessReviewItem.grant).joinedload(AccessGrant.user),
            joinedload(AccessReviewItem.grant).joinedload(AccessGrant.role),
            joinedload(AccessReviewItem.system),
            joinedload(AccessReviewItem.unit),
            joinedload(AccessReviewItem.new_role),
        )
        .order_by(AccessReviewItem.unit_id, AccessReviewItem.holder_key, AccessReviewItem.system_id)
    )
    return list(db.session.scalars(stmt))


def my_item_or_404(review: AccessReview, item_id, user) -> AccessReviewItem:
    """One of the reviewer's items (another's answers 404)."""
    item = db.session.scalars(
        select(AccessReviewItem)
        .where(
            AccessReviewItem.id == id_or_404(item_id),
            AccessReviewItem.review_id == review.id,
            AccessReviewItem.reviewer_id == user.id,
        )
        .options(joinedload(AccessReviewItem.review), joinedload(AccessReviewItem.grant))
    ).first()
    if item is None:
        abort(404)
    return item


def roles_by_system(system_ids: set[int]) -> dict[int, list[SystemRole]]:
    """Active roles per system (a reviewer's «change role» choices), one query."""
    if not system_ids:
        return {}
    found: dict[int, list[SystemRole]] = {}
    for role in db.session.scalars(
        select(SystemRole)
        .where(SystemRole.system_id.in_(system_ids), SystemRole.is_active.is_(True))
        .order_by(func.lower(SystemRole.name))
    ):
        found.setdefault(role.system_id, []).append(role)
    return found


@dataclass
class Progress:
    total: int = 0
    decided: int = 0
    sent: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.decided / self.total) if self.total else 100

    def add(self, total: int, decided: int, sent: int) -> None:
        self.total += total
        self.decided += decided
        self.sent += sent


def review_progress(review: AccessReview) -> dict:
    """Progress in all, per municipality, unit and reviewer: one grouped read."""
    rows = db.session.execute(
        select(
            AccessReviewItem.municipality_id,
            AccessReviewItem.unit_id,
            AccessReviewItem.reviewer_id,
            func.count(AccessReviewItem.id),
            func.count(AccessReviewItem.decision),
            func.count(AccessReviewItem.submitted_at),
        )
        .where(AccessReviewItem.review_id == review.id)
        .group_by(
            AccessReviewItem.municipality_id,
            AccessReviewItem.unit_id,
            AccessReviewItem.reviewer_id,
        )
    ).all()
    total = Progress()
    by: dict[str, dict] = {"municipality": {}, "unit": {}, "reviewer": {}}
    for municipality_id, unit_id, reviewer_id, n, decided, sent in rows:
        total.add(n, decided, sent)
        for key, value in (
            ("municipality", municipality_id),
            ("unit", unit_id),
            ("reviewer", reviewer_id),
        ):
            by[key].setdefault(value, Progress()).add(n, decided, sent)
    names = {
        "municipality": _names(Municipality, Municipality.name, by["municipality"]),
        "unit": _names(Unit, Unit.name, by["unit"]),
        "reviewer": _names(User, User.full_name, by["reviewer"]),
    }

    def ordered(key):
        # Those furthest behind first.
        return sorted(
            ((names[key].get(k, "–"), k, p) for k, p in by[key].items()),
            key=lambda row: (row[2].percent, row[0]),
        )

    return {
        "total": total,
        "municipalities": ordered("municipality"),
        "units": ordered("unit"),
        "reviewers": ordered("reviewer"),
    }


def _names(model, column, ids) -> dict:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(db.session.execute(select(model.id, column).where(model.id.in_(wanted))).all())


# --- the schedule -----------------------------------------------------------------------------


@dataclass
class DueReview:
    system: ItSystem
    last: date | None  # the start of its last review (None: never reviewed)
    due: date  # the next review is due (its interval after the last, or now)
    overdue: bool


def _months_after(day: date, months: int) -> date:
    years, month = divmod(day.month - 1 + months, 12)
    year = day.year + years
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def reviews_due(user, now, *, within_days: int = 30) -> list[DueReview]:
    """The start page of those who run access reviews: each active system whose next review
    (its review interval after the start of its last started review) is due within 30 days
    or overdue, overdue first. Two queries."""
    if not user.can(ACCESS_MANAGE):
        return []
    today = local_day(now)
    systems = db.session.scalars(
        scoped(select(ItSystem), ItSystem, user).where(ItSystem.status == "active")
    ).all()
    if not systems:
        return []
    last = dict(
        db.session.execute(
            select(review_systems.c.system_id, func.max(AccessReview.starts_on))
            .join(AccessReview, AccessReview.id == review_systems.c.review_id)
            .where(
                review_systems.c.system_id.in_([s.id for s in systems]),
                AccessReview.status != ReviewStatus.DRAFT,
            )
            .group_by(review_systems.c.system_id)
        ).all()
    )
    due = []
    for system in systems:
        before = last.get(system.id)
        next_due = (
            _months_after(before, system.review_interval_months)
            if before
            else system.created_at.date()
        )
        if (next_due - today).days <= within_days:
            due.append(DueReview(system, before, next_due, next_due < today))
    return sorted(due, key=lambda d: (d.due, d.system.name))


# --- reconciliation ---------------------------------------------------------------------------


def account_lists_of(system: ItSystem, limit: int = 10) -> list[AccountList]:
    return list(
        db.session.scalars(
            select(AccountList)
            .where(AccountList.system_id == system.id)
            .options(joinedload(AccountList.uploaded_by), joinedload(AccountList.applied_by))
            .order_by(AccountList.id.desc())
            .limit(limit)
        )
    )


def account_list_or_404(list_id, user) -> AccountList:
    """A list of a system the reader's municipalities run or use."""
    listing = db.session.scalars(
        select(AccountList)
        .where(
            AccountList.id == id_or_404(list_id),
            AccountList.system_id.in_(
                select(ItSystem.id).where(ItSystem.scope_clause(municipality_ids(user)))
            ),
        )
        .options(joinedload(AccountList.system), joinedload(AccountList.uploaded_by))
    ).first()
    if listing is None:
        abort(404)
    return listing


def awaiting_owner(review: AccessReview, user) -> list[AccessReviewItem]:
    """The privileged roles kept in the review's systems that `user` owns, waiting for
    them to confirm (second stage)."""
    if not review.second_stage:
        return []
    owned = select(ItSystem.id).where(ItSystem.owner_id == user.id)
    return list(
        db.session.scalars(
            select(AccessReviewItem)
            .where(
                AccessReviewItem.review_id == review.id,
                AccessReviewItem.system_id.in_(owned),
                AccessReviewItem.is_privileged.is_(True),
                AccessReviewItem.decision == "keep",
                AccessReviewItem.submitted_at.is_not(None),
                AccessReviewItem.confirmed_at.is_(None),
                AccessReviewItem.unanswered.is_(False),
            )
            .options(
                joinedload(AccessReviewItem.grant).joinedload(AccessGrant.user),
                joinedload(AccessReviewItem.grant).joinedload(AccessGrant.role),
                joinedload(AccessReviewItem.system),
                joinedload(AccessReviewItem.unit),
                joinedload(AccessReviewItem.decided_by),
            )
            .order_by(AccessReviewItem.system_id, AccessReviewItem.id)
        )
    )


def owned_item_or_404(review: AccessReview, item_id, user) -> AccessReviewItem:
    item = db.session.scalars(
        select(AccessReviewItem)
        .join(ItSystem, ItSystem.id == AccessReviewItem.system_id)
        .where(
            AccessReviewItem.id == id_or_404(item_id),
            AccessReviewItem.review_id == review.id,
            ItSystem.owner_id == user.id,
        )
        .options(joinedload(AccessReviewItem.review), joinedload(AccessReviewItem.system))
    ).first()
    if item is None:
        abort(404)
    return item
