"""Grants: giving access, ending it, and changing a role (which ends one grant and starts
another). A grant is never changed otherwise, and never deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from vftops.access.models import AccessGrant, HolderKind
from vftops.auth.models import User
from vftops.core import audit
from vftops.core.db import check_version, operation, take_write_lock
from vftops.core.errors import ConflictError, PermissionDeniedError, ValidationError
from vftops.core.models import local_today, utcnow
from vftops.core.validation import text_or_none
from vftops.equipment.models import Recipient
from vftops.equipment.permissions import RECIPIENTS_VIEW
from vftops.extensions import db
from vftops.org.models import Membership, Municipality, Unit
from vftops.systems.models import ItSystem, SystemRole, SystemStatus

GRANT_FIELDS = (
    "system_id",
    "role_id",
    "municipality_id",
    "unit_id",
    "holder_kind",
    "user_id",
    "recipient_id",
    "account_name",
    "starts_on",
    "ends_on",
    "ordered_by_id",
    "replaces_id",
)
NAME_LENGTH = 120
# How far back a grant may be registered as starting (the register is brought up to
# date from older lists) and how far ahead it may start or end.
PAST_DAYS = 366 * 30
FUTURE_DAYS = 366 * 2


@dataclass(frozen=True)
class Holder:
    """Who holds a grant: a vftops user, a named person (with employer), a relative (by
    name and relation, with the recipient) or a recipient."""

    kind: str
    user: User | None = None
    recipient: Recipient | None = None
    name: str | None = None
    detail: str | None = None  # employer, or the relative's relation

    @classmethod
    def of_user(cls, user: User) -> Holder:
        return cls(HolderKind.USER, user=user)

    @classmethod
    def person(cls, name: str, employer: str | None = None) -> Holder:
        return cls(HolderKind.PERSON, name=name, detail=employer)

    @classmethod
    def relative(cls, recipient: Recipient, name: str, relation: str | None = None) -> Holder:
        return cls(HolderKind.RELATIVE, recipient=recipient, name=name, detail=relation)

    @classmethod
    def of_recipient(cls, recipient: Recipient) -> Holder:
        return cls(HolderKind.RECIPIENT, recipient=recipient)


def _refuse(field: str, message) -> ValidationError:
    return ValidationError(message, fields={field: [message]})


def _short(value, field: str, required_message=None) -> str | None:
    text = text_or_none(value) if isinstance(value, str) or value is None else None
    if text is None and value not in (None, ""):
        raise _refuse(field, _l("Write it as text."))
    if text is None and required_message is not None:
        raise _refuse(field, required_message)
    if text is not None and len(text) > NAME_LENGTH:
        raise _refuse(field, _l("At most %(n)d characters.", n=NAME_LENGTH))
    return text


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def holder_key(holder: Holder) -> str:
    """One string for who holds a grant: the database refuses two open grants of one role
    to the same key."""
    match holder.kind:
        case HolderKind.USER:
            return f"user:{holder.user.id}"
        case HolderKind.RECIPIENT:
            return f"recipient:{holder.recipient.id}"
        case HolderKind.RELATIVE:
            return f"relative:{holder.recipient.id}:{_fold(holder.name)}"
    return f"person:{_fold(holder.name)}|{_fold(holder.detail or '')}"


def check_holder(actor, holder: Holder, municipality: Municipality) -> Holder:
    """The holder, named and in the grant's municipality. Only those who may see
    recipients name a recipient or a relative of one."""
    if holder.kind in (HolderKind.RELATIVE, HolderKind.RECIPIENT) and not (
        actor is None or actor.can(RECIPIENTS_VIEW)
    ):
        message = _l(
            "Only those who may see recipients register access for recipients and relatives."
        )
        raise _refuse("holder_kind", message)
    if holder.kind == HolderKind.USER:
        if holder.user is None:
            raise _refuse("user_id", _l("Choose the person."))
        if not holder.user.is_active_user:
            message = _l(
                "%(name)s can no longer log in: access is not given to someone who has left.",
                name=holder.user.full_name,
            )
            raise _refuse("user_id", message)
        works_there = db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == holder.user.id,
                Membership.municipality_id == municipality.id,
            )
        )
        if works_there is None:
            message = _l(
                "%(name)s does not work in %(municipality)s.",
                name=holder.user.full_name,
                municipality=municipality.name,
            )
            raise _refuse("user_id", message)
        return holder
    if holder.kind in (HolderKind.RELATIVE, HolderKind.RECIPIENT):
        if holder.recipient is None or holder.recipient.municipality_id != municipality.id:
            raise _refuse("recipient_id", _l("Choose a recipient of the municipality."))
        if holder.kind == HolderKind.RECIPIENT:
            return holder
        name = _short(holder.name, "person_name", _l("Enter the relative's name."))
        return Holder(
            holder.kind,
            recipient=holder.recipient,
            name=name,
            detail=_short(holder.detail, "person_detail"),
        )
    if holder.kind == HolderKind.PERSON:
        name = _short(holder.name, "person_name", _l("Enter the person's name."))
        return Holder(holder.kind, name=name, detail=_short(holder.detail, "person_detail"))
    raise _refuse("holder_kind", _l("Choose who gets access."))


def check_day(value, field: str) -> date:
    """A date from the form or body, within the register's reach (the field named)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date):
        raise _refuse(field, _l("Give the date as YYYY-MM-DD."))
    today = local_today()
    first, last = today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)
    if not first <= value <= last:
        message = _l(
            "Give a date from %(first)s to %(last)s.",
            first=first.strftime("%d.%m.%Y"),
            last=last.strftime("%d.%m.%Y"),
        )
        raise _refuse(field, message)
    return value


def overlapping(
    system_id: int, role_id: int, key: str, municipality_id: int, starts_on: date, ends_on
):
    stmt = select(AccessGrant).where(
        AccessGrant.system_id == system_id,
        AccessGrant.role_id == role_id,
        AccessGrant.holder_key == key,
        AccessGrant.municipality_id == municipality_id,
        AccessGrant.withdrawn_at.is_(None),
        or_(AccessGrant.ends_on.is_(None), AccessGrant.ends_on >= starts_on),
    )
    if ends_on is not None:
        stmt = stmt.where(AccessGrant.starts_on <= ends_on)
    return db.session.scalars(stmt.limit(1)).first()


def _grant_state(grant: AccessGrant) -> dict[str, Any]:
    return audit.snapshot(grant, GRANT_FIELDS)


@operation
def grant_access(
    actor,
    system: ItSystem,
    role: SystemRole,
    holder: Holder,
    *,
    municipality: Municipality,
    unit: Unit | None = None,
    account_name: str | None = None,
    starts_on=None,
    ends_on=None,
    reason: str | None = None,
    ordered_by: User | None = None,
    replaces: AccessGrant | None = None,
    by_vftops: bool = False,
) -> AccessGrant:
    """Register that `holder` has `role` in `system` from `starts_on` (today if not given)
    to `ends_on` (open if not given). Refused when the holder already has that role in
    that time. vftops's own grants follow its users (`by_vftops`), never a hand."""
    _not_by_hand(system, by_vftops)
    if system.status == SystemStatus.RETIRED:
        raise _refuse("system_id", _l("The system is retired: access to it is not given."))
    if role.system_id != system.id or not role.is_active:
        raise _refuse("role_id", _l("Choose an active role of the system."))
    if municipality.id not in system.served_municipality_ids:
        message = _l(
            "%(system)s does not serve %(municipality)s.",
            system=system.name,
            municipality=municipality.name,
        )
        raise _refuse("municipality_id", message)
    if unit is not None and unit.municipality_id != municipality.id:
        raise _refuse("unit_id", _l("Choose a unit of the municipality."))
    holder = check_holder(actor, holder, municipality)
    starts_on = local_today() if starts_on in (None, "") else check_day(starts_on, "starts_on")
    ends_on = None if ends_on in (None, "") else check_day(ends_on, "ends_on")
    if ends_on is not None and ends_on < starts_on:
        raise _refuse("ends_on", _l("Access cannot end before it starts."))
    reason = text_or_none(reason) if isinstance(reason, str) else None
    if reason is None:
        raise _refuse("reason", _l("Say why the person needs this access."))
    # One writer at a time per system: two people granting the same role at once see
    # each other's grant (the open-grant index catches the rest).
    take_write_lock(ItSystem, system.id)
    key = holder_key(holder)
    clash = overlapping(system.id, role.id, key, municipality.id, starts_on, ends_on)
    if clash is not None and clash is not replaces:
        message = _l(
            "%(name)s already has the role %(role)s in %(system)s from %(start)s.",
            name=holder.name or (holder.user.full_name if holder.user else "–"),
            role=role.name,
            system=system.name,
            start=clash.starts_on.strftime("%d.%m.%Y"),
        )
        raise ConflictError(message, fields={"role_id": [message]})
    grant = AccessGrant(
        system_id=system.id,
        role_id=role.id,
        municipality_id=municipality.id,
        unit_id=unit.id if unit is not None else None,
        holder_kind=holder.kind,
        holder_key=key,
        user_id=holder.user.id if holder.user is not None else None,
        recipient_id=holder.recipient.id if holder.recipient is not None else None,
        person_name=holder.name
        if holder.kind in (HolderKind.PERSON, HolderKind.RELATIVE)
        else None,
        person_detail=holder.detail,
        account_name=_short(account_name, "account_name"),
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        ordered_by_id=ordered_by.id if ordered_by is not None else None,
        granted_by_id=actor.id if actor is not None else None,
        replaces_id=replaces.id if replaces is not None else None,
    )
    db.session.add(grant)
    audit.record(
        actor,
        "access_grant.create",
        grant,
        f"Tilgang til {system.name} ({role.name}) gitt",
        changes=audit.diff({}, _grant_state(grant)),
        municipality_id=municipality.id,
    )
    return grant


def _not_by_hand(system: ItSystem, by_vftops: bool) -> None:
    if system.is_vftops and not by_vftops:
        message = _l(
            "Access to vftops follows the user's roles and municipalities: change them on "
            "the user's page."
        )
        raise PermissionDeniedError(message)


def end_open(
    actor, grant: AccessGrant, ends_on: date, reason: str | None, *, correcting: bool = False
) -> None:
    """End a grant (the caller has checked the reason): `ends_on` is its last day. A grant
    that has not started by then is withdrawn (it never gave access), as is one corrected
    on its first day (`correcting`); a planned last day may be brought earlier, not later.
    A grant is ended once."""
    if grant.ended_at is not None:
        if grant.withdrawn_at is not None:
            message = _l("This access was withdrawn before it started.")
        else:
            message = _l(
                "This access was ended already (last day %(day)s).",
                day=grant.ends_on.strftime("%d.%m.%Y"),
            )
        raise ConflictError(message, details={"ends_on": grant.ends_on.isoformat()})
    before = _grant_state(grant)
    now = utcnow()
    withdrawn_at = None
    if ends_on < grant.starts_on:
        if grant.starts_on <= local_today() and not correcting:
            raise _refuse("ends_on", _l("Access cannot end before it starts."))
        # Closed, with an empty period: it never gave access on any day.
        ends_on, withdrawn_at = grant.starts_on - timedelta(days=1), now
    elif grant.ends_on is not None and ends_on > grant.ends_on:
        message = _l(
            "It ends %(day)s already: an end can be brought earlier, not later.",
            day=grant.ends_on.strftime("%d.%m.%Y"),
        )
        raise _refuse("ends_on", message)
    ended_by_id = actor.id if actor is not None else None
    # The end in one write: the database lets a grant's end be written once.
    with db.session.no_autoflush:
        grant.ends_on = ends_on
        grant.withdrawn_at = withdrawn_at
        grant.ended_at = now
        grant.ended_by_id = ended_by_id
        grant.end_reason = reason
    withdrawn = grant.withdrawn_at is not None
    audit.record(
        actor,
        "access_grant.withdraw" if withdrawn else "access_grant.end",
        grant,
        f"Tilgang til {grant.system.name} {'trukket tilbake' if withdrawn else 'avsluttet'}",
        changes=audit.diff(before, _grant_state(grant)),
        municipality_id=grant.municipality_id,
    )


@operation
def end_grant(
    actor, grant: AccessGrant, *, ends_on=None, reason: str | None = None, expected_version=None
) -> AccessGrant:
    """End access: `ends_on` is the last day (today if not given). A grant is ended once:
    whoever comes second is told it was ended, and when."""
    _not_by_hand(grant.system, False)
    take_write_lock(AccessGrant, grant.id)
    db.session.refresh(grant)
    if grant.ended_at is None:
        check_version(grant, expected_version)
    day = local_today() if ends_on in (None, "") else check_day(ends_on, "ends_on")
    reason = text_or_none(reason) if isinstance(reason, str) else None
    if reason is None:
        raise _refuse("end_reason", _l("Say why the access ends."))
    end_open(actor, grant, day, reason)
    return grant


@operation
def change_role(
    actor,
    grant: AccessGrant,
    role: SystemRole,
    *,
    on=None,
    reason: str | None = None,
    expected_version=None,
) -> AccessGrant:
    """Give the holder `role` instead from `on` (today if not given): the old grant ends the
    day before, and a new one starts, continuing it. On the old grant's first day the old
    one is withdrawn instead (a role given by mistake is corrected the same day)."""
    _not_by_hand(grant.system, False)
    check_version(grant, expected_version)
    take_write_lock(AccessGrant, grant.id)
    db.session.refresh(grant)
    check_version(grant, expected_version)
    if role.id == grant.role_id:
        raise _refuse("role_id", _l("Choose another role than the one the person has."))
    day = local_today() if on in (None, "") else check_day(on, "starts_on")
    reason = text_or_none(reason) if isinstance(reason, str) else None
    if reason is None:
        raise _refuse("reason", _l("Say why the role changes."))
    if day < grant.starts_on:
        raise _refuse("starts_on", _l("The new role starts after the old one began."))
    end_open(actor, grant, day - timedelta(days=1), reason, correcting=day == grant.starts_on)
    holder = Holder(
        grant.holder_kind,
        user=grant.user,
        recipient=grant.recipient,
        name=grant.person_name,
        detail=grant.person_detail,
    )
    return grant_access(
        actor,
        grant.system,
        role,
        holder,
        municipality=grant.municipality,
        unit=grant.unit,
        account_name=grant.account_name,
        starts_on=day,
        reason=reason,
        replaces=grant,
    )
