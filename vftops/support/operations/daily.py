"""The daily sweep: reopened clocks, breaches and automatic closing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from vftops.core import audit
from vftops.core.db import operation, take_write_lock
from vftops.core.errors import ConflictError
from vftops.core.models import utcnow
from vftops.extensions import db
from vftops.support.models import (
    WAITING_STATUSES,
    EntryKind,
    Ticket,
)
from vftops.support.queries import is_open_clause

from .common import S, log_line
from .lifecycle import acknowledge, already_acknowledged
from .settings import settings_for

# --- the daily sweep ----------------------------------------------------------------


@operation
def sweep(now: datetime | None = None) -> dict[str, int]:
    """Record passed deadlines as breaches; close tickets resolved long enough ago."""
    from datetime import timedelta

    now = now or utcnow()
    acknowledged = db.session.execute(
        update(Ticket)
        .where(
            Ticket.acknowledged_at.is_(None),
            Ticket.acknowledge_breached_at.is_(None),
            Ticket.acknowledge_due_at < now,
            is_open_clause(),
        )
        .values(acknowledge_breached_at=Ticket.acknowledge_due_at, version=Ticket.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    resolved = db.session.execute(
        update(Ticket)
        .where(
            Ticket.resolve_breached_at.is_(None),
            Ticket.resolve_due_at < now,
            is_open_clause(),
            Ticket.status.not_in([s.value for s in WAITING_STATUSES]),
        )
        .values(resolve_breached_at=Ticket.resolve_due_at, version=Ticket.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    closed = 0
    municipalities = db.session.scalars(
        select(Ticket.municipality_id).where(Ticket.status == S.RESOLVED).distinct()
    ).all()
    for municipality_id in municipalities:
        days = settings_for(municipality_id)["auto_close_days"]
        tickets = db.session.scalars(
            select(Ticket).where(
                Ticket.municipality_id == municipality_id,
                Ticket.status == S.RESOLVED,
                Ticket.resolved_at < now - timedelta(days=days),
            )
        ).all()
        for ticket in tickets:
            ticket.status = S.CLOSED.value
            ticket.closed_at = now
            log_line(
                None,
                ticket,
                EntryKind.EVENT,
                f"Lukket automatisk etter {days} dager",
                at=now,
                event="closed_automatically",
                params={"days": days},
            )
            audit.record(
                None,
                "ticket.closed",
                ticket,
                f"Sak #{ticket.id} lukket automatisk",
                changes={"status": {"before": S.RESOLVED.value, "after": S.CLOSED.value}},
                municipality_id=municipality_id,
            )
            closed += 1
    if acknowledged or resolved:
        audit.record(
            None,
            "ticket.sla_sweep",
            None,
            f"SLA-brudd registrert: {acknowledged} kvittering, {resolved} løsning",
            object_type="tickets",
        )
    db.session.expire_all()
    return {"acknowledge_breaches": acknowledged, "resolve_breaches": resolved, "closed": closed}


def acknowledge_or_explain(actor, ticket_id: int, *, at: datetime | None = None) -> Ticket:
    """Acknowledge; when someone else was faster, say who, whichever way the race was lost.

    On PostgreSQL the loser's conditional UPDATE waits for the winner and then matches
    no row. On SQLite the loser's write is refused at once, possibly before the
    winner has committed: the request's transaction is ended, a new one waits for the
    write lock (so for the winner's commit) and the acknowledgement is tried again on
    fresh data, which then names the person who owns the ticket.
    """
    for attempt in range(3):
        ticket = db.session.get(Ticket, ticket_id)
        try:
            return acknowledge(actor, ticket, at=at)
        except ConflictError:
            db.session.rollback()
            take_write_lock(Ticket, ticket_id)
            ticket = db.session.get(Ticket, ticket_id)
            if ticket is not None and ticket.acknowledged_at is not None:
                raise already_acknowledged(ticket) from None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
