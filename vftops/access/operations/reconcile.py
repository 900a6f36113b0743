"""Reconciliation: a system's exported account list (CSV or XLSX) read against the
register. A dry run first shows what was found; applying it then stores each account's
last login on its grant, ends the access whose account is gone from the system, and
checks the removals marked done: an account still in the list reopens its task, flagged
«not removed»; one gone verifies it. Accounts the register does not know, people whose
login is closed but whose account is still there, and roles that differ are listed to be
dealt with one by one. The file is read whole or not at all, bad rows named by number."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update

from vftops.access.models import (
    AccessGrant,
    AccessReviewItem,
    AccessTask,
    AccountList,
    AccountMapping,
    TaskAction,
    TaskStatus,
)
from vftops.auth.models import User
from vftops.core import audit, tabular
from vftops.core.db import check_version, operation, take_write_lock
from vftops.core.errors import ConflictError, Problems, ValidationError
from vftops.core.models import OSLO, utcnow
from vftops.core.validation import text_or_none
from vftops.extensions import db
from vftops.support import operations as support_ops
from vftops.support.models import OPEN_STATUSES, TicketKind
from vftops.systems.models import ItSystem

from .grants import end_open

FIELDS = ("account", "display_name", "role", "last_login")
# Headers read as each field when no mapping is kept for the system (lower case).
GUESSES = {
    "account": ("account", "account name", "konto", "kontonavn", "brukernavn", "username", "login"),
    "display_name": ("display name", "name", "navn", "fullt navn", "visningsnavn"),
    "role": ("role", "rolle", "roles", "roller", "tilgang"),
    "last_login": ("last login", "sist innlogget", "siste innlogging", "last logon", "lastlogin"),
}
LISTED = 200  # accounts kept in a summary's lists (the counts are whole)


def _refuse(field_: str, message) -> ValidationError:
    return ValidationError(message, fields={field_: [message]})


def _key(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text).replace("\ufeff", "")).strip().casefold()


@dataclass
class Account:
    row: int
    name: str
    display_name: str | None
    role: str | None
    last_login: datetime | None


@dataclass
class Findings:
    """What a list says against the register."""

    rows: int = 0
    matched: int = 0
    unknown: list[Account] = field(default_factory=list)
    gone: list[AccessGrant] = field(default_factory=list)  # open grants whose account is gone
    leavers: list[tuple[AccessGrant, Account]] = field(default_factory=list)
    role_mismatch: list[tuple[AccessGrant, Account]] = field(default_factory=list)
    not_removed: list[AccessTask] = field(default_factory=list)
    verified: list[AccessTask] = field(default_factory=list)
    without_account_name: int = 0
    seen: list[tuple[int, datetime | None]] = field(default_factory=list)  # grant, login

    def summary(self) -> dict:
        def grant_line(grant, account=None):
            line = {
                "grant_id": grant.id,
                "holder": grant.holder_name if grant.holder_kind in ("user", "person") else None,
                "account": grant.account_name,
                "role": grant.role.name,
            }
            if account is not None:
                line["listed_role"] = account.role
            return line

        return {
            "rows": self.rows,
            "matched": self.matched,
            "unknown": len(self.unknown),
            "unknown_accounts": [
                {"row": a.row, "account": a.name, "display_name": a.display_name, "role": a.role}
                for a in self.unknown[:LISTED]
            ],
            "gone": len(self.gone),
            "gone_grants": [grant_line(g) for g in self.gone[:LISTED]],
            "leavers": len(self.leavers),
            "leaver_grants": [grant_line(g, a) for g, a in self.leavers[:LISTED]],
            "role_mismatch": len(self.role_mismatch),
            "mismatched": [grant_line(g, a) for g, a in self.role_mismatch[:LISTED]],
            "not_removed": len(self.not_removed),
            "verified": len(self.verified),
            "without_account_name": self.without_account_name,
        }


def guess_mapping(headers: list[str]) -> dict[str, str | None]:
    keys = {_key(h): h for h in headers}
    out: dict[str, str | None] = {}
    for name, guesses in GUESSES.items():
        out[name] = next((keys[g] for g in guesses if g in keys), None)
    return out


def mapping_for(system: ItSystem) -> dict[str, str | None] | None:
    kept = db.session.get(AccountMapping, system.id)
    if kept is None:
        return None
    return {name: getattr(kept, name) for name in FIELDS}


def headers_of(filename: str, data: bytes) -> list[str]:
    """The header row (the file checked and read within bounds)."""
    records = tabular.read_rows(filename or "", data)
    if not records:
        raise _refuse("file", _l("The file is empty."))
    return [str(h) for h in records[0][1]]


def _login(value, row: int, problems: Problems, column: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=OSLO)).astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=OSLO).astimezone(UTC)
    text = str(value).strip()
    for pattern in (
        "%d.%m.%Y %H:%M",
        "%d.%m.%Y",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
    ):
        try:
            parsed = datetime.strptime(text, pattern)  # noqa: DTZ007 - local time, below
        except ValueError:
            continue
        return parsed.replace(tzinfo=OSLO).astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        problems.add(
            row,
            lambda: _l(
                "Row %(row)d, %(column)s: not a date and time (write 31.12.2026 14:30).",
                row=row,
                column=column,
            ),
        )
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=OSLO)).astimezone(UTC)


def parse(filename: str, data: bytes, mapping: dict[str, Any]) -> list[Account]:
    """The accounts of the file, or a ValidationError naming every bad row (the first
    ones, and how many more): all or nothing."""
    records = tabular.read_rows(filename or "", data)
    if not records:
        raise _refuse("file", _l("The file is empty."))
    header_row, header = records[0]
    positions = {_key(h): i for i, h in enumerate(header)}
    columns: dict[str, int] = {}
    for name in FIELDS:
        wanted = text_or_none(mapping.get(name)) if isinstance(mapping.get(name), str) else None
        if wanted is None:
            if name == "account":
                raise _refuse("account", _l("Choose the column that holds the account name."))
            continue
        if _key(wanted) not in positions:
            message = _l(
                "The header row (row %(row)d) has no column «%(column)s».",
                row=header_row,
                column=wanted,
            )
            raise _refuse(name, message)
        columns[name] = positions[_key(wanted)]
    if len(records) < 2:
        raise _refuse("file", _l("The file has a header row but no accounts."))
    problems = Problems()
    accounts: list[Account] = []
    first_row: dict[str, int] = {}

    def cell(values, name):
        index = columns.get(name)
        if index is None or index >= len(values):
            return None
        value = values[index]
        return value if value != "" else None

    for row, values in records[1:]:
        name = cell(values, "account")
        text = _key(name) if name is not None else ""
        if not text:
            problems.add(row, lambda row=row: _l("Row %(row)d: no account name.", row=row))
            continue
        if text in first_row:
            earlier = first_row[text]
            problems.add(
                row,
                lambda row=row, earlier=earlier, name=name: _l(
                    "Row %(row)d: the account %(account)s is listed already in row %(first)d.",
                    row=row,
                    account=name,
                    first=earlier,
                ),
            )
            continue
        first_row[text] = row
        accounts.append(
            Account(
                row=row,
                name=str(name).strip(),
                display_name=str(cell(values, "display_name") or "").strip() or None,
                role=str(cell(values, "role") or "").strip() or None,
                last_login=_login(
                    cell(values, "last_login"), row, problems, mapping.get("last_login") or ""
                ),
            )
        )
    if problems:
        message = _l("Nothing was read: the file has rows in error.")
        raise ValidationError(message, fields={"file": problems.messages()})
    return accounts


def find(system: ItSystem, accounts: list[Account]) -> Findings:
    """What the accounts say against the register (reads only)."""
    found = Findings(rows=len(accounts))
    by_name = {_key(a.name): a for a in accounts}
    grants = db.session.scalars(
        select(AccessGrant).where(
            AccessGrant.system_id == system.id, AccessGrant.ended_at.is_(None)
        )
    ).all()
    held = set()
    closed = {
        uid
        for (uid,) in db.session.execute(
            select(User.id).where(
                User.id.in_({g.user_id for g in grants if g.user_id}),
                User.is_active_user.is_(False),
            )
        )
    }
    for grant in grants:
        if not grant.account_name:
            found.without_account_name += 1
            continue
        account = by_name.get(_key(grant.account_name))
        if account is None:
            found.gone.append(grant)
            continue
        held.add(_key(grant.account_name))
        found.matched += 1
        found.seen.append((grant.id, account.last_login))
        if grant.user_id in closed:
            found.leavers.append((grant, account))
        if account.role and _key(account.role) != _key(grant.role.name):
            found.role_mismatch.append((grant, account))
    found.unknown = [a for a in accounts if _key(a.name) not in held]
    done = db.session.scalars(
        select(AccessTask)
        .join(AccessGrant, AccessGrant.id == AccessTask.grant_id)
        .where(
            AccessTask.system_id == system.id,
            AccessTask.status == TaskStatus.DONE,
            AccessTask.action.in_([TaskAction.END, TaskAction.CHANGE]),
            AccessTask.verified_at.is_(None),
            AccessGrant.account_name.is_not(None),
        )
    ).all()
    for task in done:
        if _key(task.grant.account_name) in by_name:
            # Still there: unless a grant now holds the account again (a change of role).
            if _key(task.grant.account_name) in held and task.action == TaskAction.CHANGE:
                found.verified.append(task)
            else:
                found.not_removed.append(task)
        else:
            found.verified.append(task)
    found.unknown.sort(key=lambda a: a.row)
    return found


@operation
def read_account_list(
    actor, system: ItSystem, filename: str, data: bytes, mapping: dict
) -> AccountList:
    """The dry run: read the list, keep the mapping for the system, and say what applying
    it would do. Nothing in the register changes."""
    accounts = parse(filename, data, mapping)
    kept = db.session.get(AccountMapping, system.id) or AccountMapping(system_id=system.id)
    for name in FIELDS:
        value = mapping.get(name)
        setattr(kept, name, text_or_none(value) if isinstance(value, str) else None)
    db.session.add(kept)
    findings = find(system, accounts)
    listing = AccountList(
        system_id=system.id,
        uploaded_by_id=actor.id if actor is not None else None,
        filename=(filename or "konto.csv")[:200],
        content=data,
        mapping={name: getattr(kept, name) for name in FIELDS},
        rows=len(accounts),
        summary=findings.summary(),
    )
    db.session.add(listing)
    audit.record(
        actor,
        "account_list.read",
        listing,
        f"Kontoliste for {system.name} lest ({len(accounts)} kontoer)",
        municipality_id=system.municipality_id,
    )
    return listing


@operation
def apply_account_list(actor, listing: AccountList, *, expected_version=None) -> AccountList:
    """Apply a list read in a dry run (read again now: the register may have changed)."""
    check_version(listing, expected_version)
    take_write_lock(AccountList, listing.id)
    db.session.refresh(listing)
    if listing.applied_at is not None:
        raise ConflictError(_l("This account list is applied already."))
    if listing.content is None:
        raise ConflictError(_l("The file is gone: read the list again."))
    system = listing.system
    accounts = parse(listing.filename, listing.content, listing.mapping)
    findings = find(system, accounts)
    now = utcnow()
    if findings.seen:
        db.session.execute(
            update(AccessGrant.__table__)
            .where(AccessGrant.__table__.c.id == bindparam("grant_id"))
            .values(last_login_at=bindparam("login"), account_seen_at=now),
            [{"grant_id": gid, "login": login} for gid, login in findings.seen],
        )
    reason = f"Kontoen finnes ikke i kontolisten fra {system.name} ({listing.filename})"
    for grant in findings.gone:
        end_open(actor, grant, now.astimezone(OSLO).date(), reason[:500])
    for task in findings.verified:
        task.verified_at = now
    for task in findings.not_removed:
        _reopen(actor, task, now)
    listing.summary = findings.summary()
    listing.applied_at = now
    listing.applied_by_id = actor.id if actor is not None else None
    listing.content = None  # the accounts' names and logins are not kept beyond this
    audit.record(
        actor,
        "account_list.apply",
        listing,
        f"Kontoliste for {system.name} brukt: {findings.matched} funnet, "
        f"{len(findings.gone)} avsluttet, {len(findings.not_removed)} ikke fjernet",
        municipality_id=system.municipality_id,
    )
    return listing


def _reopen(actor, task: AccessTask, now) -> None:
    """A removal marked done whose account is still in the system: open again."""
    task.status = TaskStatus.OPEN
    task.done_at = None
    task.done_by_id = None
    task.not_removed_at = now
    task.outcome = "Ikke fjernet: kontoen finnes fortsatt i systemets kontoliste"
    db.session.execute(
        update(AccessReviewItem)
        .where(AccessReviewItem.task_id == task.id)
        .values(removed_at=None)
        .execution_options(synchronize_session=False)
    )
    ticket = task.ticket
    if ticket is not None and ticket.status not in OPEN_STATUSES:
        support_ops.change_status(
            actor,
            ticket,
            "in_progress",
            note="Ikke fjernet: kontoen finnes fortsatt i systemets kontoliste",
        )
    audit.record(
        actor,
        "access_task.reopen",
        task,
        f"Tilgangsoppgave #{task.id}: ikke fjernet, åpnet igjen",
        municipality_id=task.municipality_id,
    )


@operation
def order_account_removal(actor, system: ItSystem, account: str, *, reason=None) -> AccessTask:
    """An account the register does not know: its removal ordered from the system's access
    administrator (an access ticket)."""
    name = text_or_none(account) if isinstance(account, str) else None
    if not name or len(name) > 120:
        raise _refuse("account", _l("Name the account to remove."))
    why = text_or_none(reason) if isinstance(reason, str) else None
    task = AccessTask(
        municipality_id=system.municipality_id,
        system_id=system.id,
        action=TaskAction.REMOVE,
        account_name=name,
    )
    task.system = system
    db.session.add(task)
    db.session.flush()
    task.ticket = support_ops.create_ticket(
        actor,
        system.municipality_id,
        title=f"Ukjent konto: fjern {name} i {system.name}"[:200],
        kind=TicketKind.ACCESS.value,
        channel="web",
        reporter_kind="employee",
        reporter_name=actor.full_name if actor is not None else None,
        description="\n".join(
            [
                f"Kontoen {name} finnes i kontolisten fra {system.name},"
                " men ikke i autorisasjonsregisteret.",
                f"Hvorfor: {why or 'ukjent konto'}",
            ]
        ),
        system=system,
        urgency="high",
        impact="medium",
    )
    audit.record(
        actor,
        "access_task.remove_account",
        task,
        f"Fjerning av ukjent konto i {system.name} bestilt",
        municipality_id=system.municipality_id,
    )
    return task
