"""An agreement's dates: the end of its current term (an agreement that renews by itself
rolls on when nobody gave notice), and the deadlines that follow from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from vftops.agreements.models import (
    Agreement,
    AgreementStatus,
    DeadlineKind,
    ExtensionOption,
)
from vftops.support.function_tests import add_months

__all__ = [
    "Deadline",
    "add_months",
    "deadlines_of",
    "extend_term",
    "months_between",
    "term_end",
    "term_months",
]

# Reminders go out this many days before a deadline (and once it has passed).
REMIND_DAYS = (90, 30, 7)


def term_end(agreement: Agreement, today: date) -> date | None:
    """The last day of the term the agreement is in on `today`: its end date, or for one
    that renews by itself (and has not been given notice) the end of the renewal it has
    rolled into."""
    end = agreement.ends_on
    if end is None or not agreement.renews_automatically:
        return end
    if agreement.status != AgreementStatus.ACTIVE:
        return end
    step = agreement.renewal_months or term_months(agreement)
    renewals = 0
    while end < today:
        renewals += 1
        end = extend_term(agreement.ends_on, renewals * step)
    return end


def extend_term(end: date, months: int) -> date:
    """The last day of a term that ran to `end`, `months` longer: counted from the day
    after, so a term to 30 September runs three months more to 31 December."""
    return add_months(end + timedelta(days=1), months) - timedelta(days=1)


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to the day after `end` (a term 1.1–31.12 is 12)."""
    after = date.fromordinal(end.toordinal() + 1)
    months = (after.year - start.year) * 12 + after.month - start.month
    return months if add_months(start, months) <= after else months - 1


def term_months(agreement: Agreement) -> int:
    return max(1, months_between(agreement.starts_on, agreement.ends_on))


@dataclass(frozen=True)
class Deadline:
    agreement: Agreement
    kind: str  # DeadlineKind
    due_on: date
    option: ExtensionOption | None = None

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days

    @property
    def key(self) -> tuple[int, str, date]:
        return (self.agreement.id, self.kind, self.due_on)


def deadlines_of(agreement: Agreement, today: date) -> list[Deadline]:
    """Every deadline the agreement has now, handled or not: the last day to give notice
    (one that renews by itself), the last day to decide each open option, and its end."""
    if agreement.status not in (AgreementStatus.ACTIVE, AgreementStatus.NOTICE):
        return []
    found: list[Deadline] = []
    end = term_end(agreement, today)
    if (
        agreement.status == AgreementStatus.ACTIVE
        and agreement.renews_automatically
        and agreement.notice_months is not None
        and end is not None
    ):
        found.append(
            Deadline(agreement, DeadlineKind.NOTICE, add_months(end, -agreement.notice_months))
        )
    if agreement.status == AgreementStatus.ACTIVE:
        for option in agreement.options:
            if option.decision is None:
                found.append(Deadline(agreement, DeadlineKind.OPTION, option.decide_by, option))
    if end is not None and (
        not agreement.renews_automatically or agreement.status == AgreementStatus.NOTICE
    ):
        found.append(Deadline(agreement, DeadlineKind.END, end))
    return found
