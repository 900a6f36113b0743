"""The daily digest: what each person should hear about today, in one e-mail.

`run_notify()` is what `flask vftops notify` runs from cron. Each module declares its
part of the digest (`DigestPart` in its `module.py`): the stores a person is responsible
for (stock); the tickets of their teams or assigned to them that are breached or
breaching soon, and the overdue function tests of their municipalities (support). The
run first does what the parts ask to be done before (the support sweep records SLA
breaches and closes old resolved tickets; orders whose e-mail to the supplier did not
leave are tried again). Then each part reads for everyone at once, in a fixed number of
queries whatever the number of stores, tickets and people; the people are read in one
query more, and each gets one e-mail in their language with their section of every
part. The SMTP plumbing is shared with other e-mails (`vftops.core.mail`).

A person gets the digest at most once a day. The `DigestLog` row (person, day) is
written and flushed *before* the e-mail is sent; its unique constraint decides when
two runs race, and the row is committed only after the SMTP server accepted the
mail. A failed send rolls the row back, so the next run tries that person again.

The daily run brings the modules together, so it lives above them, beside `demo.py`
and `bench.py`; it names none of them.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from vftops.auth.models import DigestLog, User
from vftops.core.i18n import format_d
from vftops.core.mail import (
    SMTP_TIMEOUT_SECONDS,
    Mailer,
    MailNotConfigured,
    ServerDown,
    describe,
    render,
)
from vftops.core.mail import message as mail_message
from vftops.core.models import local_today, utcnow
from vftops.core.modules import DigestPart, digest_parts
from vftops.core.urls import url_builder
from vftops.extensions import db
from vftops.org.models import Membership

log = logging.getLogger(__name__)

__all__ = [
    "SMTP_TIMEOUT_SECONDS",
    "MailNotConfigured",
    "NotifyResult",
    "run_notify",
]


# --- one e-mail per person ------------------------------------------------------------


@dataclass
class Outgoing:
    """A digest ready to go: everything the sending step needs, no database objects."""

    user_id: int
    name: str
    email: str
    items: int
    subject: str
    message: EmailMessage

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass
class PersonNote:
    name: str
    username: str
    topics: list[str]
    items: int


@dataclass
class NotifyResult:
    day: date
    dry_run: bool = False
    sent: list[Outgoing] = field(default_factory=list)  # in a dry run: would be sent
    skipped_already_sent: list[str] = field(default_factory=list)
    people_without_email: list[PersonNote] = field(default_factory=list)
    nothing_to_report: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    elapsed: float = 0.0
    # What the parts did before the digest was built: [(line, is_problem)].
    before: list[tuple[str, bool]] = field(default_factory=list)
    # What the parts noted while reading, e.g. a store with nobody to tell.
    notes: list[str] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(o.items for o in self.sent)

    @property
    def ok(self) -> bool:
        return not self.failed


def _subject(sections: list[tuple[DigestPart, object]], count: int, day: date) -> str:
    if len(sections) == 1 and sections[0][0].subject is not None:
        return sections[0][0].subject(count, day)
    return ngettext(
        "vftops: %(num)d alert for %(date)s",
        "vftops: %(num)d alerts for %(date)s",
        count,
        date=format_d(day),
    )


def _message(person, sections: list[tuple[DigestPart, object]], day: date, build) -> Outgoing:
    count = sum(section.count for _part, section in sections)
    subject = _subject(sections, count, day)
    context = {
        "person": person,
        "sections": sections,
        "day": day,
        "count": count,
        "url": lambda endpoint, **values: build(endpoint, values),
        "link": lambda item: build(item.endpoint, item.values),
        "subject": subject,
    }
    message = mail_message(
        to_name=person.full_name,
        to_address=person.email,
        subject=subject,
        text=render("core/email/digest.txt", **context),
        html=render("core/email/digest.html", **context),
        kind="digest",
    )
    return Outgoing(
        user_id=person.id,
        name=person.full_name,
        email=person.email.strip(),
        items=count,
        subject=subject,
        message=message,
    )


def _prepare(day: date, result: NotifyResult) -> list[Outgoing]:
    """Read everything and write every e-mail, with a fixed number of queries."""
    now = utcnow()
    found = [(part, part.collect(day, now)) for part in digest_parts()]
    for _part, data in found:
        result.notes.extend(data.notes)
    everyone = set().union(*(data.people for _part, data in found))
    if not everyone:
        return []
    people = db.session.scalars(select(User).where(User.id.in_(everyone))).all()
    member_of: dict[int, set[int]] = defaultdict(set)
    for user_id, municipality_id in db.session.execute(
        select(Membership.user_id, Membership.municipality_id).where(
            Membership.user_id.in_(everyone)
        )
    ):
        member_of[user_id].add(municipality_id)
    already = set(
        db.session.scalars(
            select(DigestLog.user_id).where(DigestLog.day == day, DigestLog.user_id.in_(everyone))
        )
    )

    build = url_builder()
    outgoing = []
    for person in sorted(people, key=lambda p: (p.full_name.lower(), p.id)):
        if not person.is_active_user:
            continue
        with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            sections = []
            for part, data in found:
                if person.id in data.people:
                    section = data.for_person(person, member_of[person.id])
                    if section:
                        sections.append((part, section))
            if not sections:
                result.nothing_to_report += 1
                continue
            has_email = bool((person.email or "").strip())
            if has_email and person.id in already:
                result.skipped_already_sent.append(f"{person.full_name} <{person.email}>")
                continue
            if not has_email:
                result.people_without_email.append(
                    PersonNote(
                        name=person.full_name,
                        username=person.username,
                        topics=[str(t) for _p, s in sections for t in s.topics],
                        items=sum(s.count for _p, s in sections),
                    )
                )
                continue
            try:
                outgoing.append(_message(person, sections, day, build))
            except (ValueError, IndexError) as error:  # an address the mail library refuses
                result.failed.append((f"{person.full_name} <{person.email}>", str(error)))
    return outgoing


def _send_all(outgoing: list[Outgoing], day: date, result: NotifyResult) -> None:
    mailer = Mailer(current_app.config)
    server_down: str | None = None
    try:
        for mail in outgoing:
            if server_down is not None:
                result.failed.append((mail.label, server_down))
                continue
            # The log row first: the unique (person, day) decides between two runs.
            db.session.add(DigestLog(user_id=mail.user_id, day=day, items=mail.items))
            try:
                db.session.flush()
            except IntegrityError:
                db.session.rollback()
                result.skipped_already_sent.append(mail.label)
                continue
            except OperationalError as error:
                db.session.rollback()
                if "locked" not in str(error.orig).lower():
                    raise
                result.failed.append((mail.label, "another notify run is sending right now"))
                continue
            try:
                mailer.send(mail.message)
            except ServerDown as error:
                db.session.rollback()
                server_down = error.reason  # the others would fail the same way
                result.failed.append((mail.label, server_down))
                continue
            except smtplib.SMTPException as error:  # refused this one e-mail
                db.session.rollback()
                result.failed.append((mail.label, describe(error)))
                continue
            db.session.commit()
            result.sent.append(mail)
    finally:
        mailer.close()


def _before(result: NotifyResult) -> None:
    """What the parts ask to be done before the digest, each committed on its own."""
    for part in digest_parts():
        if part.before is not None:
            result.before.extend(part.before())
            db.session.rollback()


def run_notify(day: date | None = None, *, dry_run: bool = False) -> NotifyResult:
    """Send the day's digest once a day to each person with something to hear about.

    First what the parts ask to be done before (e.g. the support sweep); then each
    person hears their section of every part that has something for them.

    With `dry_run` nothing is done before, sent or recorded: `result.sent` lists what
    would go.
    """
    started = time.monotonic()
    if not dry_run and not current_app.config.get("MAIL_SERVER"):
        raise MailNotConfigured(
            "MAIL_SERVER is not set, so no e-mail can be sent. Set MAIL_SERVER "
            "(and MAIL_PORT, MAIL_USE_TLS, MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM), "
            "or use --dry-run to see what would be sent."
        )
    day = day or local_today()
    result = NotifyResult(day=day, dry_run=dry_run)
    if not dry_run:
        _before(result)
    outgoing = _prepare(day, result)
    # Only reads so far: end that transaction, so each person's log row is a short
    # transaction of its own (SQLite lets one writer in at a time).
    db.session.rollback()
    if dry_run:
        result.sent = outgoing
    else:
        _send_all(outgoing, day, result)
    result.elapsed = time.monotonic() - started
    return result
