"""Orders and leavers: a unit manager orders access for someone in their unit, or the end
of all of a leaver's access on their last day; the system's access administrator does
each task and marks it done (which writes the grant or its end), or refuses it with why.

Each task is an access ticket in support, in the municipality that runs the system,
routed to its access administrator by the routing (a team's rule, see `systems.py`) or
given to the person who grants access, so it has the SLA of every ticket. The orderer
hears by e-mail when a task is done or refused."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from vftops.access.models import (
    AccessGrant,
    AccessOrder,
    AccessTask,
    HolderKind,
    OrderKind,
    TaskAction,
    TaskStatus,
)
from vftops.auth.models import User
from vftops.core import audit
from vftops.core.db import check_version, operation, take_write_lock
from vftops.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from vftops.core.models import OSLO, utcnow
from vftops.core.validation import text_or_none
from vftops.extensions import db
from vftops.org.models import Membership, Unit, UnitMembership
from vftops.support import operations as support_ops
from vftops.support.mail import notify_assignment_after_commit
from vftops.support.models import OPEN_STATUSES, TicketKind
from vftops.systems.models import AdminKind, ItSystem, SystemRole, SystemStatus

from .grants import (
    Holder,
    change_role,
    check_day,
    check_holder,
    end_grant,
    grant_access,
    holder_key,
    overlapping,
)

TITLE = 200
ORDER_FIELDS = ("kind", "unit_id", "effective_on", "holder_kind", "user_id")
TASK_FIELDS = ("status", "account_name", "made_grant_id")


def _refuse(field: str, message) -> ValidationError:
    return ValidationError(message, fields={field: [message]})


def _reason(value, message) -> str:
    reason = text_or_none(value) if isinstance(value, str) else None
    if reason is None:
        raise _refuse("reason", message)
    return reason


def _holder_of_order(order: AccessOrder) -> Holder:
    if order.holder_kind == HolderKind.USER:
        return Holder.of_user(order.user)
    return Holder.person(order.person_name, order.person_detail)


def _ticket_for(actor, order: AccessOrder, task: AccessTask, title: str, lines: list[str]):
    """The task's access ticket, in the municipality that runs the system: routed to the
    team that grants access, or given to the person who does."""
    system = task.system
    assignee = None
    if system.admin_kind == AdminKind.USER and system.admin_user_id is not None:
        candidate = db.session.get(User, system.admin_user_id)
        works_there = db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == system.admin_user_id,
                Membership.municipality_id == system.municipality_id,
            )
        )
        if candidate is not None and candidate.is_active_user and works_there is not None:
            assignee = candidate
    leaver = order.kind == OrderKind.LEAVER
    orderer = order.ordered_by
    ticket = support_ops.create_ticket(
        actor,
        system.municipality_id,
        title=title[:TITLE],
        kind=TicketKind.ACCESS.value,
        channel="web",
        reporter_kind="employee",
        reporter_name=orderer.full_name or orderer.username,
        reporter_contact=orderer.email,
        description="\n".join(lines),
        system=system,
        # A leaver's access ends on their last day: sooner than new access is given.
        urgency="high" if leaver else "medium",
        impact="medium" if leaver else "low",
        assignee=assignee,
    )
    if assignee is not None:
        notify_assignment_after_commit(ticket, assignee, actor)
    return ticket


def orderable_unit(actor, unit: Unit | None) -> Unit:
    """A unit the actor may order for: their own (a unit manager's), or, for those who keep
    the register, any unit of their municipalities."""
    if unit is None:
        raise _refuse("unit_id", _l("Choose the unit the person works in."))
    if actor is None or keeps_register(actor, unit):
        return unit
    own = db.session.scalar(
        select(UnitMembership.unit_id).where(
            UnitMembership.user_id == actor.id, UnitMembership.unit_id == unit.id
        )
    )
    if own is None:  # another unit is one the manager cannot see
        raise NotFoundError(_l("No such unit among yours."))
    return unit


def keeps_register(actor, unit: Unit) -> bool:
    from vftops.access.permissions import ACCESS_MANAGE
    from vftops.core.scope import municipality_ids

    return actor.can(ACCESS_MANAGE) and unit.municipality_id in municipality_ids(actor)


def _check_order_holder(actor, holder: Holder, unit: Unit) -> Holder:
    """An employee of the unit (a unit manager orders for their own people), by login or
    by name."""
    if holder.kind not in (HolderKind.USER, HolderKind.PERSON):
        raise _refuse("holder_kind", _l("Order access for an employee, by login or by name."))
    _in_unit_or_404(actor, holder, unit)
    return check_holder(actor, holder, unit.municipality)


def _in_unit_or_404(actor, holder: Holder, unit: Unit) -> None:
    if (
        holder.kind == HolderKind.USER
        and holder.user is not None
        and actor is not None
        and not keeps_register(actor, unit)
    ):
        works_here = db.session.scalar(
            select(UnitMembership.unit_id).where(
                UnitMembership.user_id == holder.user.id, UnitMembership.unit_id == unit.id
            )
        )
        if works_here is None:
            raise NotFoundError(_l("No such person in the unit."))


def _new_order(actor, kind: str, unit: Unit, holder: Holder, on: date, reason: str):
    order = AccessOrder(
        municipality_id=unit.municipality_id,
        unit_id=unit.id,
        kind=kind,
        holder_kind=holder.kind,
        holder_key=holder_key(holder),
        user_id=holder.user.id if holder.user is not None else None,
        person_name=holder.name if holder.kind == HolderKind.PERSON else None,
        person_detail=holder.detail if holder.kind == HolderKind.PERSON else None,
        effective_on=on,
        reason=reason,
        ordered_by_id=actor.id,
    )
    db.session.add(order)
    db.session.flush()
    return order


def _record_order(actor, order: AccessOrder, summary: str) -> None:
    audit.record(
        actor,
        "access_order.create",
        order,
        summary,
        changes=audit.diff({}, audit.snapshot(order, ORDER_FIELDS)),
        municipality_id=order.municipality_id,
    )


@operation
def order_access(
    actor,
    *,
    unit: Unit | None,
    holder: Holder,
    system: ItSystem | None,
    role: SystemRole | None,
    starts_on=None,
    reason=None,
) -> AccessOrder:
    """Order `role` in `system` for `holder`, who works in `unit`, from `starts_on`."""
    if actor is None:
        raise PermissionDeniedError(_l("An order has an orderer."))
    unit = orderable_unit(actor, unit)
    holder = _check_order_holder(actor, holder, unit)
    if role is None:
        raise _refuse("role_id", _l("Choose the system and the role."))
    if system is None or unit.municipality_id not in system.served_municipality_ids:
        raise _refuse("system_id", _l("Choose a system the unit's municipality uses."))
    if system.status == SystemStatus.RETIRED:
        raise _refuse("system_id", _l("The system is retired: access to it is not given."))
    if system.is_vftops:
        message = _l(
            "Access to vftops follows the user's roles: an administrator gives them on the "
            "user's page."
        )
        raise _refuse("system_id", message)
    if role is None or role.system_id != system.id or not role.is_active:
        raise _refuse("role_id", _l("Choose an active role of the system."))
    starts_on = check_day(starts_on, "starts_on") if starts_on not in (None, "") else None
    if starts_on is None:
        raise _refuse("starts_on", _l("Give the day the access is needed from."))
    reason = _reason(reason, _l("Say why the person needs this access."))
    key = holder_key(holder)
    take_write_lock(ItSystem, system.id)
    # Access that has run out (or ends before the day ordered from) may be ordered again.
    has = overlapping(system.id, role.id, key, unit.municipality_id, starts_on, None)
    if has is not None:
        message = _l(
            "%(name)s has this role in %(system)s already.",
            name=holder.name or holder.user.full_name,
            system=system.name,
        )
        raise ConflictError(message, fields={"role_id": [message]})
    ordered = db.session.scalar(
        select(AccessTask.order_id)
        .join(AccessOrder, AccessOrder.id == AccessTask.order_id)
        .where(
            AccessTask.status == TaskStatus.OPEN,
            AccessTask.action == TaskAction.GRANT,
            AccessTask.system_id == system.id,
            AccessTask.role_id == role.id,
            AccessOrder.holder_key == key,
            AccessOrder.municipality_id == unit.municipality_id,
        )
    )
    if ordered is not None:
        message = _l(
            "This access is ordered already (order #%(id)d) and not yet given.", id=ordered
        )
        raise ConflictError(message, fields={"role_id": [message]})
    order = _new_order(actor, OrderKind.ACCESS, unit, holder, starts_on, reason)
    task = AccessTask(
        municipality_id=unit.municipality_id,
        order_id=order.id,
        system_id=system.id,
        role_id=role.id,
        action=TaskAction.GRANT,
    )
    task.system = system
    db.session.add(task)
    name = holder.name or holder.user.full_name
    task.ticket = _ticket_for(
        actor,
        order,
        task,
        f"Tilgang: {system.name} – {role.name} for {name}",
        [
            f"Bestilling #{order.id}: {name} ({unit.name}) trenger rollen {role.name}"
            f" i {system.name} fra {starts_on:%d.%m.%Y}.",
            f"Hvorfor: {reason}",
            "Marker oppgaven som utført under Tilganger → Bestillinger når kontoen er laget.",
        ],
    )
    _record_order(actor, order, f"Tilgang til {system.name} ({role.name}) bestilt")
    return order


def leaver_grants(
    holder: Holder, municipality_id: int, last_day: date, unit_ids: set[int] | None = None
) -> list[AccessGrant]:
    """The person's access in the municipality that lasts past their last day, every system
    but vftops (its access follows the login, which an administrator closes). `unit_ids`:
    only grants of these units (a unit manager naming someone without a login)."""
    stmt = (
        select(AccessGrant)
        .join(ItSystem, ItSystem.id == AccessGrant.system_id)
        .where(
            AccessGrant.holder_key == holder_key(holder),
            AccessGrant.municipality_id == municipality_id,
            AccessGrant.withdrawn_at.is_(None),
            or_(AccessGrant.ends_on.is_(None), AccessGrant.ends_on > last_day),
            ItSystem.kind != "vftops",
        )
        .options(joinedload(AccessGrant.system), joinedload(AccessGrant.role))
        .order_by(ItSystem.name, AccessGrant.id)
    )
    if unit_ids is not None:
        stmt = stmt.where(AccessGrant.unit_id.in_(unit_ids))
    return list(db.session.scalars(stmt))


def leaver_preview(actor, *, unit: Unit | None, holder: Holder, last_day) -> list[AccessGrant]:
    """What a leaver order would end, with the order's own checks (the unit is the
    manager's, the person theirs): the form shows it before it is sent."""
    unit, holder, last_day = _leaver_checks(actor, unit, holder, last_day)
    return leaver_grants(holder, unit.municipality_id, last_day, _unit_limit(actor, holder, unit))


def _unit_limit(actor, holder: Holder, unit: Unit) -> set[int] | None:
    """Someone named without a login is known to be the manager's only by their access in
    the manager's units."""
    if holder.kind != HolderKind.PERSON or actor is None or keeps_register(actor, unit):
        return None
    return set(
        db.session.scalars(select(UnitMembership.unit_id).where(UnitMembership.user_id == actor.id))
    )


def _leaver_checks(actor, unit, holder: Holder, last_day):
    if actor is None:
        raise PermissionDeniedError(_l("An order has an orderer."))
    unit = orderable_unit(actor, unit)
    if holder.kind == HolderKind.USER and holder.user is None:
        raise _refuse("user_id", _l("Choose the person."))
    if holder.kind == HolderKind.USER and not holder.user.is_active_user:
        # Their login may be closed already: their access elsewhere still ends.
        _in_unit_or_404(actor, holder, unit)
    else:
        holder = _check_order_holder(actor, holder, unit)
    last_day = check_day(last_day, "ends_on") if last_day not in (None, "") else None
    if last_day is None:
        raise _refuse("ends_on", _l("Give the person's last working day."))
    return unit, holder, last_day


@operation
def order_leaver(actor, *, unit: Unit | None, holder: Holder, last_day=None, reason=None):
    """Order the end of all of `holder`'s access on `last_day`: one task per grant, each
    confirmed separately by its system's administrator."""
    unit, holder, last_day = _leaver_checks(actor, unit, holder, last_day)
    reason = _reason(reason, _l("Say why the access ends."))
    grants = leaver_grants(holder, unit.municipality_id, last_day, _unit_limit(actor, holder, unit))
    if not grants:
        raise _refuse("user_id", _l("The person has no access in the register to end."))
    open_tasks = set(
        db.session.scalars(
            select(AccessTask.grant_id).where(
                AccessTask.grant_id.in_([g.id for g in grants]),
                AccessTask.status == TaskStatus.OPEN,
            )
        )
    )
    grants = [g for g in grants if g.id not in open_tasks]
    if not grants:
        raise ConflictError(
            _l("The end of all of this person's access is ordered already."),
            fields={"user_id": []},
        )
    order = _new_order(actor, OrderKind.LEAVER, unit, holder, last_day, reason)
    name = holder.name or holder.user.full_name
    for grant in grants:
        task = AccessTask(
            municipality_id=unit.municipality_id,
            order_id=order.id,
            system_id=grant.system_id,
            role_id=grant.role_id,
            action=TaskAction.END,
            grant_id=grant.id,
        )
        task.system = grant.system
        db.session.add(task)
        account = f" (konto {grant.account_name})" if grant.account_name else ""
        task.ticket = _ticket_for(
            actor,
            order,
            task,
            f"Slutter: avslutt {name} i {grant.system.name}",
            [
                f"Bestilling #{order.id}: {name} ({unit.name}) slutter."
                f" Siste dag er {last_day:%d.%m.%Y}.",
                f"Avslutt rollen {grant.role.name} i {grant.system.name}{account}.",
                f"Hvorfor: {reason}",
            ],
        )
    _record_order(actor, order, f"Avslutning av {len(grants)} tilgang(er) bestilt")
    return order


# --- the administrator's side ----------------------------------------------------------


def _already(task: AccessTask) -> ConflictError:
    who = task.done_by.full_name if task.done_by is not None else "vftops"
    if task.status == TaskStatus.REFUSED:
        message = _l(
            "%(who)s refused this task %(at)s.",
            who=who,
            at=task.done_at.astimezone(OSLO).strftime("%d.%m.%Y %H:%M"),
        )
    else:
        message = _l(
            "%(who)s marked this task done %(at)s.",
            who=who,
            at=task.done_at.astimezone(OSLO).strftime("%d.%m.%Y %H:%M"),
        )
    return ConflictError(message, details={"status": task.status, "done_by": who})


def _close(actor, task: AccessTask, status: str, outcome: str | None, note: str) -> None:
    before = audit.snapshot(task, TASK_FIELDS)
    now = utcnow()
    task.status = status
    task.done_at = now
    task.done_by_id = actor.id if actor is not None else None
    task.outcome = outcome
    ticket = task.ticket
    if ticket is not None and ticket.status in OPEN_STATUSES:
        support_ops.change_status(actor, ticket, "resolved", note=note)
    order = task.order
    if order is not None and all(t.status != TaskStatus.OPEN for t in order.tasks):
        order.closed_at = now
    if status == TaskStatus.DONE and task.review_id is not None:
        from .reviews import mark_removed

        mark_removed(task, now)
    audit.record(
        actor,
        "access_task.done" if status == TaskStatus.DONE else "access_task.refuse",
        task,
        f"Tilgangsoppgave #{task.id} i {task.system.name}: {note}"[:200],
        changes=audit.diff(before, audit.snapshot(task, TASK_FIELDS)),
        municipality_id=task.municipality_id,
    )
    from vftops.access.mail import tell_orderer_after_commit

    db.session.flush()
    tell_orderer_after_commit(task, actor)


def _lock(task: AccessTask, expected_version) -> None:
    """One administrator at a time: whoever comes second is told who did it, and when."""
    take_write_lock(AccessTask, task.id)
    db.session.refresh(task)
    if task.status != TaskStatus.OPEN:
        raise _already(task)
    check_version(task, expected_version)


@operation
def complete_task(
    actor, task: AccessTask, *, account_name=None, note=None, expected_version=None
) -> AccessTask:
    """The administrator did it: the grant is written (given, ended or changed)."""
    _lock(task, expected_version)
    order = task.order
    note = text_or_none(note) if isinstance(note, str) else None
    if task.action == TaskAction.GRANT:
        if order is None:
            raise _refuse("account_name", _l("This task has nothing to give."))
        account = text_or_none(account_name) if isinstance(account_name, str) else None
        if account is None:
            raise _refuse("account_name", _l("Write the account name the person got."))
        grant = grant_access(
            actor,
            task.system,
            task.role,
            _holder_of_order(order),
            municipality=order.municipality,
            unit=order.unit,
            account_name=account,
            starts_on=order.effective_on,
            reason=order.reason,
            ordered_by=order.ordered_by,
        )
        db.session.flush()
        task.made_grant_id = grant.id
        task.account_name = account
        summary = f"Tilgang gitt, konto {account}"
    elif task.action == TaskAction.REMOVE:
        summary = f"Kontoen {task.account_name} er fjernet"
    elif task.action == TaskAction.CHANGE:
        grant = change_role(
            actor, task.grant, task.role, reason=note or "Endret etter tilgangskontroll"
        )
        db.session.flush()
        task.made_grant_id = grant.id
        summary = f"Rolle endret til {task.role.name}"
    else:
        grant = task.grant
        summary = "Tilgang avsluttet"
        if grant.ended_at is None:
            day = order.effective_on if order is not None else None
            if day is not None and grant.ends_on is not None and grant.ends_on < day:
                day = grant.ends_on  # planned to end before the last day: it stays so
            reason = f"Sluttet: {order.reason}" if order is not None else (note or "Avsluttet")
            end_grant(actor, grant, ends_on=day, reason=reason)
        elif order is not None and grant.ends_on and grant.ends_on > order.effective_on:
            # Its end was written before (an end is written once): the account is closed
            # in the system by the last day, the register keeps the day it was given.
            summary = f"Kontoen stengt; registeret har siste dag {grant.ends_on:%d.%m.%Y}"
    _close(actor, task, TaskStatus.DONE, note, summary + (f"\n{note}" if note else ""))
    return task


@operation
def refuse_task(actor, task: AccessTask, *, reason=None, expected_version=None) -> AccessTask:
    """The administrator will not do it, and says why: the orderer is told."""
    _lock(task, expected_version)
    reason = _reason(reason, _l("Say why the task is refused: the orderer is told."))
    _close(actor, task, TaskStatus.REFUSED, reason, f"Avslått: {reason}")
    return task
