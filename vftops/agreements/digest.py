"""Agreements' part of the daily digest (`flask vftops notify`): each deadline not yet
handled — the last day to give notice, to decide an option, the end — is told to the
agreement's owner, the one who follows it up and the procurement contact 90, 30 and 7
days before, the day after it passed, and every week after that until it is handled.
Before the e-mails, agreements past the end of their last term are marked ended."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from vftops.agreements.models import Agreement, DeadlineKind
from vftops.agreements.queries import DueRow, open_deadlines
from vftops.agreements.terms import REMIND_DAYS
from vftops.core.i18n import format_d
from vftops.core.models import local_today
from vftops.extensions import db


@dataclass(frozen=True)
class Line:
    text: str
    endpoint: str
    values: dict
    overdue: bool


@dataclass
class DeadlineSection:
    lines: list[Line] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def topics(self) -> list[str]:
        return [_("agreement deadlines")]

    @property
    def reason(self) -> str:
        return _("You own, follow up or buy for an agreement in vftops.")

    def __bool__(self) -> bool:
        return bool(self.lines)


def reminds(days_left: int) -> bool:
    """90, 30 and 7 days before, the day after it passed, then weekly."""
    if days_left in REMIND_DAYS:
        return True
    return days_left < 0 and (-days_left - 1) % 7 == 0


def _what(row: DueRow) -> str:
    d = row.deadline
    when = format_d(d.due_on)
    if d.kind == DeadlineKind.NOTICE:
        text = _("give notice by %(date)s", date=when)
    elif d.kind == DeadlineKind.OPTION:
        text = _("decide option %(n)d by %(date)s", n=d.option.position, date=when)
    else:
        text = _("ends %(date)s", date=when)
    if row.overdue:
        late = ngettext("%(num)d day ago", "%(num)d days ago", -row.days_left)
        return _(
            "%(agreement)s: %(what)s (passed, %(late)s)",
            agreement=d.agreement.title,
            what=text,
            late=late,
        )
    left = ngettext("in %(num)d day", "in %(num)d days", row.days_left)
    return _(
        "%(agreement)s: %(what)s (%(left)s)", agreement=d.agreement.title, what=text, left=left
    )


@dataclass
class AgreementDigestData:
    day: date
    rows_of: dict[int, list[DueRow]]
    notes: list[str] = field(default_factory=list)

    @property
    def people(self) -> set[int]:
        return set(self.rows_of)

    def for_person(self, person, municipality_ids) -> DeadlineSection | None:
        section = DeadlineSection()
        for row in self.rows_of.get(person.id, []):
            agreement = row.deadline.agreement
            if not agreement.served_municipality_ids & set(municipality_ids):
                continue
            section.lines.append(
                Line(_what(row), "agreement.detail", {"agreement_id": agreement.id}, row.overdue)
            )
        return section or None


def collect(day: date, now: datetime) -> AgreementDigestData:
    """The deadlines that remind today, per person to tell: a fixed number of queries."""
    rows = open_deadlines(select(Agreement), day, horizon_days=max(REMIND_DAYS), shares=True)
    rows_of: dict[int, list[DueRow]] = defaultdict(list)
    for row in rows:
        if not reminds(row.days_left):
            continue
        a = row.deadline.agreement
        for person in {a.owner_id, a.follow_up_id, a.procurement_id} - {None}:
            rows_of[person].append(row)
    return AgreementDigestData(day=day, rows_of=dict(rows_of))


def end_run_out() -> list[tuple[str, bool]]:
    """Before the e-mails: agreements past the end of their last term are ended."""
    from vftops.agreements.operations import end_run_out as run

    ended = run(local_today())
    db.session.commit()
    return [(f"agreements: {len(ended)} ended at the end of their term", False)] if ended else []


def subject(count: int, day: date) -> str:
    return ngettext(
        "vftops: %(num)d agreement deadline, %(date)s",
        "vftops: %(num)d agreement deadlines, %(date)s",
        count,
        date=format_d(day),
    )
