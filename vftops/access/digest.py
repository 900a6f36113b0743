"""Access control's part of the daily digest (`flask vftops notify`): reviewers with
access left to review (on the day a review starts, every reminder interval after, and
every day once it is past its date), the review's owner about reviewers who are late,
and — its work before the e-mails — what is left past the escalation date goes to the
fallback reviewer, who then hears of it with the rest of their items."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from vftops.access.models import AccessReview, AccessReviewItem, ReviewStatus
from vftops.auth.models import User
from vftops.core.i18n import format_d
from vftops.core.models import local_today
from vftops.extensions import db


@dataclass(frozen=True)
class Line:
    text: str
    endpoint: str
    values: dict


@dataclass
class ReviewSection:
    to_review: list[Line] = field(default_factory=list)
    late: list[Line] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.to_review) + len(self.late)

    @property
    def topics(self) -> list[str]:
        return [_("access review")]

    @property
    def reason(self) -> str:
        return _("You review access, or own an access review, in vftops.")

    def __bool__(self) -> bool:
        return bool(self.count)


def _reminds(review: AccessReview, day: date) -> bool:
    """The start, every reminder interval after it, and every day once late."""
    if day > review.due_on:
        return True
    since = (day - review.starts_on).days
    return since >= 0 and since % review.reminder_days == 0


@dataclass
class AccessDigestData:
    day: date
    # person → [(review, open items)] to review; owner → [(review, reviewer name, open)]
    open_of: dict[int, list[tuple[AccessReview, int]]]
    late_of: dict[int, list[tuple[AccessReview, str, int]]]
    notes: list[str] = field(default_factory=list)

    @property
    def people(self) -> set[int]:
        return set(self.open_of) | set(self.late_of)

    def for_person(self, person, municipality_ids) -> ReviewSection | None:
        section = ReviewSection()
        for review, left in self.open_of.get(person.id, []):
            due = _("answer by %(day)s", day=format_d(review.due_on))
            section.to_review.append(
                Line(
                    ngettext(
                        "%(review)s: %(num)d access to review, %(due)s",
                        "%(review)s: %(num)d accesses to review, %(due)s",
                        left,
                        review=review.name,
                        due=due,
                    ),
                    "access.review_mine",
                    {"review_id": review.id},
                )
            )
        for review, name, left in self.late_of.get(person.id, []):
            section.late.append(
                Line(
                    ngettext(
                        "%(review)s: %(name)s has %(num)d left, past %(day)s",
                        "%(review)s: %(name)s has %(num)d left, past %(day)s",
                        left,
                        review=review.name,
                        name=name,
                        day=format_d(review.due_on),
                    ),
                    "access.review_detail",
                    {"review_id": review.id},
                )
            )
        return section or None


def collect(day: date, now: datetime) -> AccessDigestData:
    """The running reviews and, per reviewer, what they have left: two queries."""
    reviews = {
        r.id: r
        for r in db.session.scalars(
            select(AccessReview).where(AccessReview.status == ReviewStatus.RUNNING)
        )
    }
    open_of: dict[int, list] = defaultdict(list)
    late_of: dict[int, list] = defaultdict(list)
    if reviews:
        rows = db.session.execute(
            select(
                AccessReviewItem.review_id,
                AccessReviewItem.reviewer_id,
                User.full_name,
                func.count(AccessReviewItem.id),
            )
            .join(User, User.id == AccessReviewItem.reviewer_id)
            .where(
                AccessReviewItem.review_id.in_(list(reviews)),
                AccessReviewItem.submitted_at.is_(None),
                User.is_active_user.is_(True),
            )
            .group_by(AccessReviewItem.review_id, AccessReviewItem.reviewer_id, User.full_name)
            .order_by(User.full_name)
        ).all()
        for review_id, reviewer_id, name, left in rows:
            review = reviews[review_id]
            if _reminds(review, day):
                open_of[reviewer_id].append((review, left))
            if day > review.due_on and reviewer_id != review.owner_id:
                late_of[review.owner_id].append((review, name, left))
    return AccessDigestData(day=day, open_of=dict(open_of), late_of=dict(late_of))


def escalate() -> list[tuple[str, bool]]:
    """Before the e-mails: past each review's escalation date, what is left goes to the
    fallback reviewer (once)."""
    from vftops.access.operations import escalate_due

    moved = escalate_due(local_today())
    db.session.commit()
    return (
        [(f"access reviews: {moved} item(s) moved to the fallback reviewer", False)]
        if moved
        else []
    )


def subject(count: int, day: date) -> str:
    return ngettext(
        "vftops: %(num)d access review to see to, %(date)s",
        "vftops: %(num)d access reviews to see to, %(date)s",
        count,
        date=format_d(day),
    )
