"""Deadlines handled: what was decided about giving notice, an option, or the end."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.agreements.models import (
    Agreement,
    AgreementStatus,
    DeadlineDecision,
    DeadlineKind,
    Decision,
    OptionDecision,
)
from vftops.agreements.operations.agreements import check_manages
from vftops.agreements.operations.checks import choice, day, record, refuse, text
from vftops.agreements.terms import deadlines_of, extend_term, term_end, term_months
from vftops.core import audit
from vftops.core.db import operation, take_write_lock
from vftops.core.errors import ConflictError
from vftops.core.models import local_today, utcnow
from vftops.extensions import db

DECISION_FIELDS = ("kind", "due_on", "option_id", "decision", "note")
# The audit log's summaries are written in Norwegian, as the log is kept.
_SAID = {
    "extend": "forlenge",
    "renegotiate": "reforhandle",
    "end": "avslutte",
    "tender": "ny anskaffelse",
}


@operation
def decide_deadline(
    actor,
    agreement: Agreement,
    *,
    kind,
    due_on,
    decision,
    note=None,
    decided_on=None,
    today: date | None = None,
) -> DeadlineDecision:
    """Mark a deadline handled with what was decided (extend, renegotiate, end, tender
    anew). Exercising an option moves the end; ending gives notice."""
    check_manages(actor, agreement)
    today = today or local_today()
    kind = choice(kind, DeadlineKind, "kind", _l("Choose the deadline."))
    due_on = day(due_on, "due_on", required=_l("Choose the deadline."))
    decision = choice(decision, Decision, "decision", _l("Choose what was decided."))
    note = text(note, "note")
    decided_on = day(decided_on, "decided_on") or today
    if decided_on > today:
        raise refuse("decided_on", _l("A decision cannot be dated in the future."))
    take_write_lock(Agreement, agreement.id)
    db.session.refresh(agreement)
    done = db.session.scalars(
        select(DeadlineDecision).where(
            DeadlineDecision.agreement_id == agreement.id,
            DeadlineDecision.kind == kind,
            DeadlineDecision.due_on == due_on,
        )
    ).first()
    if done is not None:
        message = _l(
            "This deadline was handled already: %(decision)s by %(who)s.",
            decision=done.decision_label,
            who=done.decided_by.full_name if done.decided_by else "vftops",
        )
        raise ConflictError(message, details={"decision": done.decision})
    deadline = next(
        (d for d in deadlines_of(agreement, today) if d.kind == kind and d.due_on == due_on),
        None,
    )
    if deadline is None:
        message = _l("The agreement has no such deadline (any more): open it again.")
        raise ConflictError(message, fields={"due_on": [message]})
    if kind == DeadlineKind.NOTICE and decision == Decision.EXTEND and note is None:
        pass  # letting it renew is a decision too, and needs no words
    before = audit.snapshot(agreement, ("status", "ends_on"))
    option = deadline.option
    if option is not None:
        if decision == Decision.EXTEND:
            if decided_on > option.decide_by:
                message = _l(
                    "The option had to be decided by %(date)s: it can no longer be exercised.",
                    date=option.decide_by.strftime("%d.%m.%Y"),
                )
                raise refuse("decided_on", message)
            end = term_end(agreement, today) or agreement.ends_on
            agreement.ends_on = extend_term(end, option.months)
            option.decision, option.decided_on = OptionDecision.EXERCISED, decided_on
        else:
            option.decision, option.decided_on = OptionDecision.DECLINED, decided_on
    elif kind == DeadlineKind.NOTICE and decision in (Decision.END, Decision.TENDER):
        # Notice given: the agreement runs to the end of its term and stops there. Given
        # after the last day for it, the term has renewed already: it ends with the next.
        end = term_end(agreement, today)
        if decided_on > due_on and agreement.renews_automatically:
            end = extend_term(end, agreement.renewal_months or term_months(agreement))
        agreement.ends_on = end
        agreement.status = AgreementStatus.NOTICE
    elif kind == DeadlineKind.NOTICE:
        agreement.ends_on = term_end(agreement, today)  # the term it renews from is kept
    made = DeadlineDecision(
        agreement_id=agreement.id,
        kind=kind,
        due_on=due_on,
        option_id=option.id if option is not None else None,
        decision=decision,
        note=note,
        decided_by_id=actor.id if actor is not None else None,
        decided_at=utcnow(),
    )
    db.session.add(made)
    agreement.updated_at = utcnow()
    db.session.flush()
    after = audit.snapshot(agreement, ("status", "ends_on"))
    changes = audit.diff({}, audit.snapshot(made, DECISION_FIELDS)) | audit.diff(before, after)
    record(
        actor,
        "agreement.deadline_decided",
        agreement,
        f"Frist {due_on.strftime('%d.%m.%Y')} for avtale {agreement.title} behandlet: "
        f"{_SAID[decision]}",
        changes,
    )
    return made


@operation
def end_run_out(today: date | None = None) -> list[Agreement]:
    """Agreements past the end of their last term are ended (the daily run does it)."""
    today = today or local_today()
    candidates = db.session.scalars(
        select(Agreement).where(
            Agreement.status.in_((AgreementStatus.ACTIVE, AgreementStatus.NOTICE)),
            Agreement.ends_on < today,
        )
    ).all()
    ended = []
    for agreement in candidates:
        if agreement.status == AgreementStatus.ACTIVE and agreement.renews_automatically:
            continue  # it rolled into a new term
        if agreement.status == AgreementStatus.ACTIVE and any(
            o.decision is None and o.decide_by >= today for o in agreement.options
        ):
            continue
        was = agreement.status
        agreement.status = AgreementStatus.ENDED
        record(
            None,
            "agreement.ended",
            agreement,
            f"Avtale {agreement.title} utløp {agreement.ends_on.strftime('%d.%m.%Y')}",
            {"status": {"before": was, "after": AgreementStatus.ENDED.value}},
        )
        ended.append(agreement)
    return ended
