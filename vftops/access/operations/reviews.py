"""Access reviews: a campaign takes a snapshot of the active grants in its scope as items;
each goes to the manager of the grant's unit (or the fallback reviewer), who keeps, ends
or changes it; submitting a unit sends every «end» and «change» to the system's access
administrator as a removal task (for vftops itself the change is made at once); closing
the campaign decides what nobody answered by its rule and makes it read-only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from vftops.access.models import (
    AccessGrant,
    AccessReview,
    AccessReviewItem,
    AccessTask,
    AccountList,
    Decision,
    HolderKind,
    ReviewStatus,
    ReviewWarning,
    TaskAction,
    Unanswered,
)
from vftops.auth.models import User, UserRole
from vftops.core import audit
from vftops.core.db import check_version, operation, take_write_lock
from vftops.core.errors import ConflictError, DomainError, NotFoundError, ValidationError
from vftops.core.models import local_today, utcnow
from vftops.core.scope import municipality_ids
from vftops.core.validation import text_or_none
from vftops.extensions import db
from vftops.org.models import Membership, Municipality, UnitMembership
from vftops.support import operations as support_ops
from vftops.support.models import TicketKind
from vftops.systems.models import ItSystem, SystemRole

from .grants import check_day

REVIEW_FIELDS = ("name", "status", "starts_on", "due_on", "escalate_on", "unanswered")
# vftops's roles and the jobs they are: a role outside them is pointed out.
JOBS_OF_ROLE = {
    "admin": {"it"},
    "it": {"it"},
    "servicedesk": {"servicedesk"},
    "technician": {"technician"},
    "manager": {"unit_manager"},
}


def _refuse(field: str, message) -> ValidationError:
    return ValidationError(message, fields={field: [message]})


def _member(user_id, allowed: set[int], field: str, message) -> User:
    try:
        wanted = int(user_id)
    except (TypeError, ValueError):
        raise _refuse(field, message) from None
    found = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.id == wanted,
            User.is_active_user.is_(True),
            Membership.municipality_id.in_(allowed),
        )
        .limit(1)
    )
    if found is None:
        raise _refuse(field, message)
    return found


@operation
def create_review(actor, municipality: Municipality, **data: Any) -> AccessReview:
    """A campaign in draft: its scope, dates, reminders and rule for what nobody answers."""
    name = text_or_none(data.get("name")) if isinstance(data.get("name"), str) else None
    if not name:
        raise _refuse("name", _l("Give the review a name, e.g. «Tilgangskontroll høst 2026»."))
    if len(name) > 120:
        raise _refuse("name", _l("A name has at most %(n)d characters.", n=120))
    mine = municipality_ids(actor) if actor is not None else {municipality.id}
    try:
        wanted = {int(i) for i in data.get("municipality_ids") or [municipality.id]}
    except (TypeError, ValueError):
        wanted = {-1}
    municipalities = db.session.scalars(
        select(Municipality).where(Municipality.id.in_(wanted & mine))
    ).all()
    if len(municipalities) != len(wanted):
        raise _refuse("municipality_ids", _l("Choose municipalities you work in."))
    try:
        system_ids = {int(i) for i in data.get("system_ids") or []}
    except (TypeError, ValueError):
        system_ids = {-1}
    systems = db.session.scalars(
        select(ItSystem).where(
            ItSystem.id.in_(system_ids), ItSystem.scope_clause({m.id for m in municipalities})
        )
    ).all()
    if not system_ids or len(systems) != len(system_ids):
        raise _refuse("system_ids", _l("Choose the systems to review."))
    starts_on = check_day(data.get("starts_on") or local_today(), "starts_on")
    due_on = check_day(data.get("due_on"), "due_on") if data.get("due_on") else None
    if due_on is None or due_on < starts_on:
        raise _refuse("due_on", _l("The due date is on or after the start."))
    escalate_on = (
        check_day(data.get("escalate_on"), "escalate_on")
        if data.get("escalate_on")
        else due_on + timedelta(days=7)
    )
    if escalate_on < due_on:
        raise _refuse("escalate_on", _l("Escalation comes on or after the due date."))
    try:
        reminder_days = int(data.get("reminder_days") or 7)
    except (TypeError, ValueError):
        reminder_days = 0
    if not 1 <= reminder_days <= 60:
        raise _refuse("reminder_days", _l("Remind every 1 to 60 days."))
    unanswered = data.get("unanswered") or Unanswered.KEEP
    if unanswered not in {u.value for u in Unanswered}:
        raise _refuse("unanswered", _l("Choose what happens to what nobody answers."))
    scope = {m.id for m in municipalities}
    approver = None
    if unanswered == Unanswered.END:
        approver = _member(
            data.get("approver_id"),
            scope,
            "approver_id",
            _l("Ending what nobody answered needs a named approver."),
        )
    fallback = _member(
        data.get("fallback_reviewer_id"),
        scope,
        "fallback_reviewer_id",
        _l("Name the fallback reviewer: they get what has no manager to review it."),
    )
    review = AccessReview(
        municipality_id=municipality.id,
        name=name,
        starts_on=starts_on,
        due_on=due_on,
        escalate_on=escalate_on,
        reminder_days=reminder_days,
        unanswered=unanswered,
        approver_id=approver.id if approver is not None else None,
        fallback_reviewer_id=fallback.id,
        second_stage=bool(data.get("second_stage")),
        owner_id=actor.id if actor is not None else fallback.id,
    )
    review.systems = list(systems)
    review.municipalities = list(municipalities)
    db.session.add(review)
    audit.record(
        actor,
        "access_review.create",
        review,
        f"Tilgangskontroll {name} opprettet",
        changes=audit.diff({}, audit.snapshot(review, REVIEW_FIELDS)),
        municipality_id=municipality.id,
    )
    return review


def _managers_of(unit_ids: set[int]) -> dict[int, list[int]]:
    """{unit id: the active unit managers of it}, one query."""
    if not unit_ids:
        return {}
    rows = db.session.execute(
        select(UnitMembership.unit_id, User.id)
        .join(User, User.id == UnitMembership.user_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UnitMembership.unit_id.in_(unit_ids),
            User.is_active_user.is_(True),
            UserRole.role == "manager",
        )
        .order_by(User.id)
    )
    found: dict[int, list[int]] = {}
    for unit_id, user_id in rows:
        found.setdefault(unit_id, []).append(user_id)
    return found


def _jobs_of(user_ids: set[int]) -> dict[int, set[str]]:
    if not user_ids:
        return {}
    jobs: dict[int, set[str]] = {}
    for user_id, role in db.session.execute(
        select(UserRole.user_id, UserRole.role).where(UserRole.user_id.in_(user_ids))
    ):
        jobs.setdefault(user_id, set()).update(JOBS_OF_ROLE.get(role, set()))
    return jobs


def _warnings(
    grant: AccessGrant, role: SystemRole, active: dict, jobs: dict, listed: dict
) -> list[str]:
    out = []
    if grant.holder_kind == HolderKind.USER and not active.get(grant.user_id, True):
        out.append(ReviewWarning.DEACTIVATED.value)
    last_list = listed.get(grant.system_id)
    if last_list is not None and (
        grant.account_seen_at is None or grant.account_seen_at < last_list
    ):
        out.append(ReviewWarning.NOT_IN_LIST.value)
    held = set()
    if grant.holder_kind == HolderKind.USER:
        held = jobs.get(grant.user_id, set())
    elif grant.holder_kind in (HolderKind.RELATIVE, HolderKind.RECIPIENT):
        held = {grant.holder_kind}
    if role.job_functions and held and not held & set(role.job_functions):
        out.append(ReviewWarning.UNUSUAL_ROLE.value)
    if role.is_privileged:
        out.append(ReviewWarning.PRIVILEGED.value)
    return out


def _reviewer(grant: AccessGrant, managers: dict, review: AccessReview) -> int | None:
    """The unit's manager; else (no unit or manager, or the manager's own grant) the
    fallback reviewer; else the campaign's owner. Never the holder."""
    holder = grant.user_id if grant.holder_kind == HolderKind.USER else None
    for candidate in [*managers.get(grant.unit_id, []), review.fallback_reviewer_id]:
        if candidate != holder:
            return candidate
    return review.owner_id if review.owner_id != holder else None


@operation
def start_review(actor, review: AccessReview, *, expected_version=None) -> int:
    """Take the snapshot: every grant active today in the systems and municipalities of the
    campaign becomes an item for its reviewer. Returns the number of items."""
    check_version(review, expected_version)
    take_write_lock(AccessReview, review.id)
    db.session.refresh(review)
    if review.status != ReviewStatus.DRAFT:
        raise ConflictError(_l("The review is started already."))
    today = local_today()
    grants = db.session.execute(
        select(AccessGrant, SystemRole)
        .join(SystemRole, SystemRole.id == AccessGrant.role_id)
        .where(
            AccessGrant.system_id.in_([s.id for s in review.systems]),
            AccessGrant.municipality_id.in_([m.id for m in review.municipalities]),
            AccessGrant.starts_on <= today,
            (AccessGrant.ends_on.is_(None)) | (AccessGrant.ends_on >= today),
        )
        .order_by(AccessGrant.id)
    ).all()
    if not grants:
        raise ConflictError(_l("No one has access to these systems: there is nothing to review."))
    users = {g.user_id for g, _r in grants if g.user_id is not None}
    active = dict(
        db.session.execute(select(User.id, User.is_active_user).where(User.id.in_(users))).all()
    )
    jobs = _jobs_of(users)
    managers = _managers_of({g.unit_id for g, _r in grants if g.unit_id is not None})
    # When each system's last account list was applied: access not in it is pointed out.
    listed = dict(
        db.session.execute(
            select(AccountList.system_id, func.max(AccountList.applied_at))
            .where(
                AccountList.system_id.in_([s.id for s in review.systems]),
                AccountList.applied_at.is_not(None),
            )
            .group_by(AccountList.system_id)
        ).all()
    )
    rows = [
        {
            "review_id": review.id,
            "grant_id": grant.id,
            "system_id": grant.system_id,
            "municipality_id": grant.municipality_id,
            "unit_id": grant.unit_id,
            "holder_key": grant.holder_key,
            "holder_user_id": grant.user_id if grant.holder_kind == HolderKind.USER else None,
            "reviewer_id": _reviewer(grant, managers, review),
            "is_privileged": role.is_privileged,
            "warnings": _warnings(grant, role, active, jobs, listed),
            "unanswered": False,
            "version": 1,
        }
        for grant, role in grants
    ]
    db.session.execute(AccessReviewItem.__table__.insert(), rows)
    review.status = ReviewStatus.RUNNING
    review.started_at = utcnow()
    audit.record(
        actor,
        "access_review.start",
        review,
        f"Tilgangskontroll {review.name} startet med {len(rows)} tilganger",
        changes={"status": {"before": "draft", "after": "running"}},
        municipality_id=review.municipality_id,
    )
    return len(rows)


def _open_item_or_conflict(actor, item: AccessReviewItem) -> None:
    if actor is None or item.reviewer_id != actor.id:
        raise NotFoundError(_l("No such item among yours."))
    if item.review.status != ReviewStatus.RUNNING:
        raise ConflictError(_l("The review is closed: its decisions can no longer change."))
    if item.submitted_at is not None:
        raise ConflictError(_l("You have sent this unit's decisions: they can no longer change."))


def _decided_conflict(item: AccessReviewItem) -> ConflictError:
    who = item.decided_by.full_name if item.decided_by is not None else "–"
    message = _l(
        "%(who)s decided this %(at)s: %(decision)s.",
        who=who,
        at=item.decided_at.strftime("%d.%m.%Y %H:%M") if item.decided_at else "–",
        decision=item.decision or "–",
    )
    return ConflictError(
        message,
        details={"decision": item.decision, "decided_by": who, "current_version": item.version},
    )


def _apply_decision(actor, item: AccessReviewItem, decision, reason, new_role) -> None:
    if decision not in {d.value for d in Decision}:
        raise _refuse("decision", _l("Choose keep, end or change."))
    reason = text_or_none(reason) if isinstance(reason, str) else None
    if decision == Decision.KEEP and (item.is_privileged or item.warnings) and not reason:
        raise _refuse("reason", _l("Say why the access stays: it is privileged or has a warning."))
    if decision in (Decision.END, Decision.CHANGE) and not reason:
        raise _refuse("reason", _l("Say why: those who remove the access read it."))
    new_role_id = None
    if decision == Decision.CHANGE:
        if (
            new_role is None
            or new_role.system_id != item.system_id
            or not new_role.is_active
            or new_role.id == item.grant.role_id
        ):
            raise _refuse("new_role_id", _l("Choose another active role of the system."))
        new_role_id = new_role.id
    before = {"decision": item.decision}
    item.decision = decision
    item.reason = reason
    item.new_role_id = new_role_id
    item.decided_at = utcnow()
    item.decided_by_id = actor.id
    audit.record(
        actor,
        "access_review.decide",
        item,
        f"Tilgangskontroll: {decision}",
        changes={"decision": {"before": before["decision"], "after": decision}},
        municipality_id=item.municipality_id,
    )


@operation
def decide(
    actor, item: AccessReviewItem, *, decision, reason=None, new_role=None, expected_version=None
) -> AccessReviewItem:
    """Keep, end or change one item. Two reviewers (or two tabs) at once: the second, who
    decided on what they saw before, is told what was decided."""
    take_write_lock(AccessReviewItem, item.id)
    db.session.refresh(item)
    _open_item_or_conflict(actor, item)
    if expected_version is not None and item.version != expected_version:
        raise _decided_conflict(item)
    _apply_decision(actor, item, decision, reason, new_role)
    return item


@operation
def keep_unwarned(actor, review: AccessReview, holder_key: str) -> int:
    """«Keep all unwarned for this person»: the reviewer's undecided items of the person
    without a warning are kept. Returns how many."""
    items = db.session.scalars(
        select(AccessReviewItem).where(
            AccessReviewItem.review_id == review.id,
            AccessReviewItem.reviewer_id == actor.id,
            AccessReviewItem.holder_key == holder_key,
            AccessReviewItem.decision.is_(None),
            AccessReviewItem.submitted_at.is_(None),
        )
    ).all()
    kept = 0
    for item in items:
        if item.warnings or item.is_privileged:
            continue
        _open_item_or_conflict(actor, item)
        _apply_decision(actor, item, Decision.KEEP.value, None, None)
        kept += 1
    return kept


def _removal(actor, item: AccessReviewItem, now) -> None:
    """An «end» or «change»: a removal task for the system's access administrator (an
    access ticket); vftops's own access is changed at once."""
    grant = item.grant
    if grant.ended_at is not None:
        item.removed_at = grant.ended_at
        return
    if item.system.is_vftops and item.decision == Decision.END and _end_vftops_role(grant):
        item.removed_at = now
        return
    task = AccessTask(
        municipality_id=item.municipality_id,
        review_id=item.review_id,
        system_id=item.system_id,
        role_id=item.new_role_id if item.decision == Decision.CHANGE else None,
        action=TaskAction.CHANGE if item.decision == Decision.CHANGE else TaskAction.END,
        grant_id=grant.id,
    )
    task.system = item.system
    db.session.add(task)
    db.session.flush()
    what = (
        f"Endre rolle til {item.new_role.name}"
        if item.decision == Decision.CHANGE
        else "Avslutt tilgangen"
    )
    name = grant.holder_name if grant.holder_kind in ("user", "person") else "–"
    account = f" (konto {grant.account_name})" if grant.account_name else ""
    task.ticket = support_ops.create_ticket(
        actor,
        item.system.municipality_id,
        title=f"Tilgangskontroll: {what.lower()} i {item.system.name}"[:200],
        kind=TicketKind.ACCESS.value,
        channel="web",
        reporter_kind="employee",
        reporter_name=actor.full_name if actor is not None else None,
        description="\n".join(
            [
                f"{item.review.name}: {what} for {name}{account}, rolle {grant.role.name}.",
                f"Hvorfor: {item.reason or 'ikke besvart'}",
                "Marker oppgaven som utført under Tilganger → Bestillinger når det er gjort.",
            ]
        ),
        system=item.system,
        urgency="high" if item.is_privileged else "medium",
        impact="medium",
    )
    item.task_id = task.id


def _end_vftops_role(grant: AccessGrant) -> bool:
    """vftops: the role is taken from the user, and their grant ends with it. False when
    it cannot be (the last administrator): a task is made instead."""
    from vftops.access.operations.vftops_grants import ROLES
    from vftops.auth.operations import update_user

    code = next((c for c, spec in ROLES.items() if spec[0] == grant.role.name), None)
    user = grant.user
    if code is None or user is None:
        return False
    try:
        update_user(
            None,
            user,
            full_name=user.full_name,
            email=user.email,
            roles=[r.value for r in user.roles if r.value != code],
            municipality_ids=[m.municipality_id for m in user.memberships],
            unit_ids=[u.unit_id for u in user.unit_memberships],
        )
    except DomainError:
        return False
    return True


@operation
def submit_unit(actor, review: AccessReview, unit_id: int | None) -> int:
    """Send the reviewer's decisions for one unit: they can no longer change, and every
    «end» and «change» goes to those who remove access. Every item must be decided."""
    if review.status != ReviewStatus.RUNNING:
        raise ConflictError(_l("The review is closed: its decisions can no longer change."))
    unit_clause = (
        AccessReviewItem.unit_id.is_(None)
        if unit_id is None
        else AccessReviewItem.unit_id == unit_id
    )
    items = db.session.scalars(
        select(AccessReviewItem).where(
            AccessReviewItem.review_id == review.id,
            AccessReviewItem.reviewer_id == actor.id,
            AccessReviewItem.submitted_at.is_(None),
            unit_clause,
        )
    ).all()
    if not items:
        raise NotFoundError(_l("Nothing of this unit waits for you."))
    left = sum(1 for i in items if i.decision is None)
    if left:
        raise _refuse(
            "decision",
            _l("%(n)d of the unit's access is not decided yet.", n=left),
        )
    now = utcnow()
    for item in items:
        item.submitted_at = now
        if item.decision in (Decision.END, Decision.CHANGE):
            _removal(actor, item, now)
    audit.record(
        actor,
        "access_review.submit",
        review,
        f"Tilgangskontroll {review.name}: {len(items)} avgjørelser sendt",
        municipality_id=review.municipality_id,
    )
    return len(items)


@operation
def close_review(actor, review: AccessReview, *, expected_version=None) -> AccessReview:
    """Close the campaign: what nobody answered is decided by its rule (kept and reported,
    or ended on the approver's authority), and it becomes read-only."""
    check_version(review, expected_version)
    if review.status != ReviewStatus.RUNNING:
        raise ConflictError(_l("Only a running review is closed."))
    now = utcnow()
    open_items = db.session.scalars(
        select(AccessReviewItem).where(
            AccessReviewItem.review_id == review.id, AccessReviewItem.submitted_at.is_(None)
        )
    ).all()
    for item in open_items:
        if item.decision is None:
            item.unanswered = True
            item.decision = review.unanswered
            item.decided_at = now
            item.decided_by_id = review.approver_id if review.unanswered == Unanswered.END else None
            item.reason = "Ikke besvart"
        item.submitted_at = now
        if item.decision in (Decision.END, Decision.CHANGE):
            _removal(actor, item, now)
    review.status = ReviewStatus.CLOSED
    review.closed_at = now
    audit.record(
        actor,
        "access_review.close",
        review,
        f"Tilgangskontroll {review.name} avsluttet",
        changes={"status": {"before": "running", "after": "closed"}},
        municipality_id=review.municipality_id,
    )
    return review


def escalate_due(today: date) -> int:
    """Past a campaign's escalation date, what its reviewers have not sent goes to the
    fallback reviewer (once per campaign). Returns the items moved."""
    moved = 0
    reviews = db.session.scalars(
        select(AccessReview).where(
            AccessReview.status == ReviewStatus.RUNNING,
            AccessReview.escalate_on <= today,
            AccessReview.escalated_at.is_(None),
        )
    ).all()
    for review in reviews:
        result = db.session.execute(
            update(AccessReviewItem)
            .where(
                AccessReviewItem.review_id == review.id,
                AccessReviewItem.submitted_at.is_(None),
                AccessReviewItem.decision.is_(None),
                AccessReviewItem.reviewer_id != review.fallback_reviewer_id,
                (AccessReviewItem.holder_user_id.is_(None))
                | (AccessReviewItem.holder_user_id != review.fallback_reviewer_id),
            )
            .values(reviewer_id=review.fallback_reviewer_id, version=AccessReviewItem.version + 1)
            .execution_options(synchronize_session=False)
        )
        review.escalated_at = utcnow()
        moved += result.rowcount or 0
        audit.record(
            None,
            "access_review.escalate",
            review,
            f"Tilgangskontroll {review.name}: {result.rowcount} ubesvarte til reservekontrollør",
            municipality_id=review.municipality_id,
        )
    return moved


def mark_removed(task: AccessTask, when) -> None:
    """A removal task is done: its review item's removal is confirmed."""
    db.session.execute(
        update(AccessReviewItem)
        .where(AccessReviewItem.task_id == task.id)
        .values(removed_at=when)
        .execution_options(synchronize_session=False)
    )


def open_count(review_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(AccessReviewItem.id)).where(
                AccessReviewItem.review_id == review_id, AccessReviewItem.decision.is_(None)
            )
        )
        or 0
    )


__all__ = [
    "close_review",
    "create_review",
    "decide",
    "escalate_due",
    "keep_unwarned",
    "mark_removed",
    "start_review",
    "submit_unit",
]


# --- second stage: the system owner confirms what is kept of privileged roles -----------


def awaits_owner(item: AccessReviewItem) -> bool:
    """A privileged role kept, in a review with a second stage, sent and not yet confirmed."""
    return bool(
        item.review.second_stage
        and item.is_privileged
        and item.decision == Decision.KEEP
        and item.submitted_at is not None
        and item.confirmed_at is None
        and not item.unanswered
    )


@operation
def confirm_item(
    actor, item: AccessReviewItem, *, overrule: bool = False, reason=None, expected_version=None
) -> AccessReviewItem:
    """The system owner confirms that a privileged role stays, or overrules the manager:
    the access ends (a removal task), with why."""
    take_write_lock(AccessReviewItem, item.id)
    db.session.refresh(item)
    if actor is None or item.system.owner_id != actor.id:
        raise NotFoundError(_l("No such item among yours."))
    if item.review.status != ReviewStatus.RUNNING:
        raise ConflictError(_l("The review is closed: its decisions can no longer change."))
    if not awaits_owner(item):
        raise (
            _decided_conflict(item)
            if item.confirmed_at is None
            else ConflictError(
                _l("This is confirmed already."), details={"current_version": item.version}
            )
        )
    if expected_version is not None and item.version != expected_version:
        raise _decided_conflict(item)
    now = utcnow()
    if overrule:
        reason = text_or_none(reason) if isinstance(reason, str) else None
        if not reason:
            raise _refuse("reason", _l("Say why the access ends: the manager kept it."))
        item.decision = Decision.END.value
        item.reason = f"{item.reason or ''} / Systemeier: {reason}".strip(" /")
        _removal(actor, item, now)
    item.confirmed_at = now
    item.confirmed_by_id = actor.id
    audit.record(
        actor,
        "access_review.confirm",
        item,
        "Tilgangskontroll: systemeier " + ("overstyrte (avslutt)" if overrule else "bekreftet"),
        changes={"decision": {"before": "keep", "after": item.decision}} if overrule else None,
        municipality_id=item.municipality_id,
    )
    return item
