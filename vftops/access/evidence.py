"""The evidence of an access review for the auditor: every item with its reviewer,
decision, time, reason and when the removal was confirmed, with the totals, as a print
page, CSV and XLSX. The CSV is the same bytes each time it is read for the same reader, so
its SHA-256 on the printed page lets a copy be checked. Names of recipients and their
relatives only for readers who may see recipients; formula-like cells neutralised."""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Iterator
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from vftops.access.models import AccessGrant, AccessReview, AccessReviewItem, Decision
from vftops.auth.models import User
from vftops.core.db import stream_rows
from vftops.core.models import OSLO
from vftops.core.spreadsheet import csv_stream, neutralise, xlsx_stream
from vftops.equipment.models import Recipient
from vftops.equipment.permissions import RECIPIENTS_VIEW
from vftops.extensions import db
from vftops.org.models import Municipality, Unit
from vftops.systems.models import ItSystem, SystemRole


def headers() -> list[str]:
    return [
        _("Item"),
        _("System"),
        _("Role"),
        _("Person"),
        _("Account"),
        _("Unit"),
        _("Municipality"),
        _("Reviewer"),
        _("Decision"),
        _("New role"),
        _("Why"),
        _("Decided"),
        _("Unanswered"),
        _("Removal confirmed"),
        _("Confirmed by the system owner"),
    ]


def _statement(review: AccessReview):
    holder_user = aliased(User)
    reviewer = aliased(User)
    new_role = aliased(SystemRole)
    return (
        select(
            AccessReviewItem.id,
            ItSystem.name,
            SystemRole.name,
            AccessGrant.holder_kind,
            holder_user.full_name,
            AccessGrant.person_name,
            AccessGrant.recipient_id,
            Recipient.name,
            AccessGrant.account_name,
            Unit.name,
            Municipality.name,
            reviewer.full_name,
            AccessReviewItem.decision,
            new_role.name,
            AccessReviewItem.reason,
            AccessReviewItem.decided_at,
            AccessReviewItem.unanswered,
            AccessReviewItem.removed_at,
            AccessReviewItem.confirmed_at,
        )
        .join(AccessGrant, AccessGrant.id == AccessReviewItem.grant_id)
        .join(ItSystem, ItSystem.id == AccessReviewItem.system_id)
        .join(SystemRole, SystemRole.id == AccessGrant.role_id)
        .join(Municipality, Municipality.id == AccessReviewItem.municipality_id)
        .outerjoin(Unit, Unit.id == AccessReviewItem.unit_id)
        .outerjoin(holder_user, holder_user.id == AccessGrant.user_id)
        .outerjoin(Recipient, Recipient.id == AccessGrant.recipient_id)
        .outerjoin(reviewer, reviewer.id == AccessReviewItem.reviewer_id)
        .outerjoin(new_role, new_role.id == AccessReviewItem.new_role_id)
        .where(AccessReviewItem.review_id == review.id)
        .order_by(AccessReviewItem.id)
    )


def _when(value: datetime | None) -> str:
    return value.astimezone(OSLO).strftime("%d.%m.%Y %H:%M") if value else ""


def _person(kind, user_name, person_name, recipient_id, recipient_name, sees) -> str:
    if kind == "user":
        return user_name or ""
    if kind == "person":
        return person_name or ""
    if kind == "recipient":
        return recipient_name if sees else _("Recipient %(id)s", id=recipient_id)
    if sees:
        return _("%(name)s (relative of %(recipient)s)", name=person_name, recipient=recipient_name)
    return _("Relative of recipient %(id)s", id=recipient_id)


def _cells(row, sees: bool, words: dict) -> list[str]:
    (
        item_id,
        system,
        role,
        kind,
        user_name,
        person_name,
        recipient_id,
        recipient_name,
        account,
        unit,
        municipality,
        reviewer,
        decision,
        new_role,
        reason,
        decided_at,
        unanswered,
        removed_at,
        confirmed_at,
    ) = row
    values = [
        str(item_id),
        system,
        role,
        _person(kind, user_name, person_name, recipient_id, recipient_name, sees),
        account or "",
        unit or "",
        municipality,
        reviewer or "",
        words.get(decision, "") if decision else "",
        new_role or "",
        reason or "",
        _when(decided_at),
        words["yes"] if unanswered else "",
        _when(removed_at),
        _when(confirmed_at),
    ]
    return [neutralise(v) for v in values]


def _words() -> dict:
    return {
        Decision.KEEP.value: _("Keep"),
        Decision.END.value: _("End"),
        Decision.CHANGE.value: _("Change role"),
        "yes": _("Yes"),
    }


def rows(review: AccessReview, reader) -> Iterator[list[str]]:
    """The rows, read in the request's session (the print page)."""
    sees, words = reader.can(RECIPIENTS_VIEW), _words()
    for row in db.session.execute(_statement(review)):
        yield _cells(row, sees, words)


def _streamed(statement, sees: bool, words: dict) -> Iterator[list[str]]:
    """The rows, read in batches on a connection of their own (a download, written after
    the request's session has ended: what it needs of the reader is read before)."""
    for row in stream_rows(statement):
        yield _cells(row, sees, words)


def csv_chunks(review: AccessReview, reader) -> Iterator[bytes]:
    rows_ = _streamed(_statement(review), reader.can(RECIPIENTS_VIEW), _words())
    return csv_stream(headers(), rows_)


def xlsx_chunks(review: AccessReview, reader) -> Iterator[bytes]:
    rows_ = _streamed(_statement(review), reader.can(RECIPIENTS_VIEW), _words())
    return xlsx_stream(_("Access review"), headers(), rows_)


def sha256(review: AccessReview, reader) -> str:
    """The SHA-256 of the CSV as this reader downloads it."""
    digest = hashlib.sha256()
    for chunk in csv_stream(headers(), rows(review, reader)):
        digest.update(chunk)
    return digest.hexdigest()


def filename(review: AccessReview, extension: str) -> str:
    return f"tilgangskontroll-{review.id}-{review.starts_on.isoformat()}.{extension}"


def totals(review: AccessReview) -> dict:
    """Items, kept, ended, changed, unanswered, and the median days from a decision to its
    confirmed removal."""
    counts = dict(
        db.session.execute(
            select(AccessReviewItem.decision, func.count(AccessReviewItem.id))
            .where(AccessReviewItem.review_id == review.id)
            .group_by(AccessReviewItem.decision)
        ).all()
    )
    unanswered = db.session.scalar(
        select(func.count(AccessReviewItem.id)).where(
            AccessReviewItem.review_id == review.id, AccessReviewItem.unanswered.is_(True)
        )
    )
    spans = [
        max(0.0, (removed - decided).total_seconds() / 86400)
        for decided, removed in db.session.execute(
            select(AccessReviewItem.decided_at, AccessReviewItem.removed_at).where(
                AccessReviewItem.review_id == review.id,
                AccessReviewItem.removed_at.is_not(None),
                AccessReviewItem.decided_at.is_not(None),
            )
        )
    ]
    return {
        "items": sum(counts.values()),
        "kept": counts.get(Decision.KEEP.value, 0),
        "ended": counts.get(Decision.END.value, 0),
        "changed": counts.get(Decision.CHANGE.value, 0),
        "undecided": counts.get(None, 0),
        "unanswered": unanswered or 0,
        "removed": len(spans),
        "median_days": round(statistics.median(spans), 1) if spans else None,
    }
