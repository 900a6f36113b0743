"""Forgetting citizens: `flask vftops purge` anonymises those whose service is long over.

A recipient is due when nothing has happened with them for the retention period
(`PURGE_RETENTION_MONTHS`, 12 by default): no device out, the last device back
and the service ended before the cut-off, no job planned, the record untouched
since. A recipient who never had a device and whose service never ended is in
the queue for one, and is kept.

The devices' history, the tickets and the statistics stay, with «Anonymisert
tjenestemottaker» where the name was. The run is audited per municipality with
how many, never who.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import exists, func, or_, select

from vftops.core import audit
from vftops.core.db import operation, take_write_lock
from vftops.core.errors import DomainError
from vftops.core.models import local_today
from vftops.equipment.models import Placement, Recipient, Visit, VisitStatus
from vftops.equipment.operations import anonymise_recipient
from vftops.extensions import db
from vftops.org.models import Municipality

log = logging.getLogger(__name__)

# Other modules say what counts as something happening with a recipient (an open or
# recent ticket, consumables given out): each a function of the cut-off moment that
# answers a select of recipient ids active since then. Registered by the module itself.
RECENT_ACTIVITY: list[Callable[[datetime], object]] = []


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day if shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def due_recipients(cutoff: date):
    """A select of the recipients to anonymise when everything before `cutoff` is old."""
    cutoff_at = datetime.combine(cutoff, time.min, tzinfo=UTC)
    placement_open = exists().where(
        Placement.recipient_id == Recipient.id, Placement.returned_at.is_(None)
    )
    last_return = (
        select(func.max(Placement.returned_at))
        .where(Placement.recipient_id == Recipient.id)
        .scalar_subquery()
    )
    recent_visit = exists().where(
        Visit.recipient_id == Recipient.id,
        or_(Visit.status == VisitStatus.PLANNED.value, Visit.planned_on >= cutoff),
    )
    elsewhere = [Recipient.id.not_in(active(cutoff_at)) for active in RECENT_ACTIVITY]
    return select(Recipient).where(
        Recipient.anonymised_at.is_(None),
        ~placement_open,
        ~recent_visit,
        *elsewhere,
        Recipient.updated_at < cutoff_at,
        or_(last_return.is_(None), last_return < cutoff_at),
        or_(Recipient.service_ended_on.is_(None), Recipient.service_ended_on < cutoff),
        # Something ended: a device came back or the service was ended.
        or_(last_return.is_not(None), Recipient.service_ended_on.is_not(None)),
    )


@dataclass
class PurgeResult:
    cutoff: date
    months: int
    dry_run: bool
    # (municipality name, recipient id, last activity) for the dry run's list: no names,
    # the list goes to a terminal or a cron mail.
    due: list[tuple[str, int, date | None]] = field(default_factory=list)
    per_municipality: dict[str, int] = field(default_factory=dict)
    # (recipient id, why) for those that could not be anonymised; the rest were.
    failed: list[tuple[int, str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(self.per_municipality.values())


def _last_activity(recipient: Recipient) -> date | None:
    last = db.session.scalar(
        select(func.max(Placement.returned_at)).where(Placement.recipient_id == recipient.id)
    )
    days = [d for d in (last.date() if last else None, recipient.service_ended_on) if d]
    return max(days) if days else None


def run_purge(*, months: int, dry_run: bool = False, today: date | None = None) -> PurgeResult:
    """Anonymise every recipient due, in one transaction (the caller commits)."""
    if months < 1:
        raise ValueError("The retention period is at least one month.")
    cutoff = months_before(today or local_today(), months)
    result = PurgeResult(cutoff=cutoff, months=months, dry_run=dry_run)
    if not dry_run:
        # Write first: on SQLite a transaction that has read cannot write once a
        # request has committed since (the web keeps writing during the run).
        take_write_lock(Municipality, 0)
    municipalities = db.session.scalars(select(Municipality).order_by(Municipality.name)).all()
    due = {
        m.id: db.session.scalars(
            due_recipients(cutoff).where(Recipient.municipality_id == m.id).order_by(Recipient.id)
        ).all()
        for m in municipalities
    }
    if dry_run:
        for municipality in municipalities:
            for recipient in due[municipality.id]:
                result.due.append((municipality.name, recipient.id, _last_activity(recipient)))
                result.per_municipality[municipality.name] = len(due[municipality.id])
        return result
    if not any(due.values()):
        return result
    with audit.append_only_lifted():
        for municipality in municipalities:
            done = 0
            for recipient in due[municipality.id]:
                try:
                    anonymise_recipient(None, recipient)  # its own savepoint
                except DomainError as exc:
                    # One who cannot be forgotten tonight (a device just given out) does
                    # not keep the others: they are done, this one is named and retried.
                    result.failed.append((recipient.id, str(exc.message)))
                    log.warning("purge: recipient %s not anonymised: %s", recipient.id, exc)
                else:
                    done += 1
            if done:
                _record_run(municipality, done, months)
                result.per_municipality[municipality.name] = done
    return result


@operation
def _record_run(municipality: Municipality, count: int, months: int) -> None:
    audit.record(
        None,
        "recipient.purge",
        None,
        f"{count} tjenestemottaker(e) anonymisert: ingen aktivitet på {months} måneder",
        changes={"anonymised": {"before": None, "after": count}},
        municipality_id=municipality.id,
        object_type="recipients",
    )
