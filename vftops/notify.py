"""The daily digest: what each person should hear about today, in one e-mail.

`run_notify()` is what `flask vftops notify` runs from cron. It first runs the
support sweep (SLA breaches recorded, old resolved tickets closed). Then it builds
the digest of every active store at once (`queries.digests`: a fixed number of
aggregate queries, whatever the number of stores) and the support items for
everyone at once (`vftops.support.digest.collect`), groups them by person and
sends each person one e-mail in their language: the stores they are responsible
for; the tickets of their teams or assigned to them that are breached or breaching
soon; and, for those who record function tests, the overdue tests of their
municipalities. The SMTP plumbing is shared with other e-mails (`vftops.core.mail`).

A person gets the digest at most once a day. The `DigestLog` row (person, day) is
written and flushed *before* the e-mail is sent; its unique constraint decides when
two runs race, and the row is committed only after the SMTP server accepted the
mail. A failed send rolls the row back, so the next run tries that person again.

The items come from the modules' own digest code (`vftops.stock.digest`,
`vftops.support.digest`), which the in-app alert page shows too. The daily run
brings the modules together, so it lives above them, beside `demo.py` and
`bench.py`.
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
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.errors import ConflictError
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
from vftops.core.urls import url_builder
from vftops.equipment.models import Store
from vftops.extensions import db
from vftops.org.models import Membership
from vftops.stock import queries
from vftops.stock.digest import StoreItems, sections, store_label
from vftops.stock.models import DigestLog, PurchaseOrder
from vftops.support import digest as support_digest

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
    stores: list[str]
    items: int


@dataclass
class NotifyResult:
    day: date
    dry_run: bool = False
    sent: list[Outgoing] = field(default_factory=list)  # in a dry run: would be sent
    skipped_already_sent: list[str] = field(default_factory=list)
    people_without_email: list[PersonNote] = field(default_factory=list)
    stores_without_responsible: list[str] = field(default_factory=list)
    nothing_to_report: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    elapsed: float = 0.0
    # What the support sweep recorded before the digest was built (None: not run).
    sweep: dict[str, int] | None = None
    # Purchase orders whose e-mail to the supplier had not left: tried again first.
    orders_mailed: list[str] = field(default_factory=list)
    orders_not_mailed: list[str] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(o.items for o in self.sent)

    @property
    def ok(self) -> bool:
        return not self.failed


def _message(
    person,
    stores: list[StoreItems],
    day: date,
    link,
    support: support_digest.SupportItems | None = None,
) -> Outgoing:
    support = support or support_digest.SupportItems()
    stock_count = sum(s.count for s in stores)
    count = stock_count + support.count
    if not support:
        subject = ngettext(
            "vftops: %(num)d stock alert for %(date)s",
            "vftops: %(num)d stock alerts for %(date)s",
            count,
            date=format_d(day),
        )
    else:
        subject = ngettext(
            "vftops: %(num)d alert for %(date)s",
            "vftops: %(num)d alerts for %(date)s",
            count,
            date=format_d(day),
        )
    context = {
        "person": person,
        "stores": stores,
        "support": support,
        "day": day,
        "count": count,
        "link": lambda item: link(item.endpoint, item.values),
        "store_link": lambda store: link("stock.store_detail", {"store_id": store.id}),
        "list_link": link("stock.notifications"),
        "queue_link": link("support.queue", {"queue": "soon"}),
        "warn_days": current_app.config["STOCK_RESET_WARN_DAYS"],
        "subject": subject,
    }
    message = mail_message(
        to_name=person.full_name,
        to_address=person.email,
        subject=subject,
        text=render("stock/email/digest.txt", **context),
        html=render("stock/email/digest.html", **context),
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


def _support_people(support: support_digest.SupportData, known: set[int]) -> list:
    """The people the support part names who are not store responsibles (one query, and
    one for their roles)."""
    from vftops.auth.models import User

    missing = support.people - known
    if not missing:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(missing))))


def _prepare(day: date, result: NotifyResult) -> list[Outgoing]:
    """Read everything and write every e-mail, with a fixed number of queries."""
    stores = db.session.scalars(
        select(Store)
        .where(Store.is_active.is_(True))
        .options(
            joinedload(Store.municipality),
            joinedload(Store.responsible),
            selectinload(Store.shared_with),
        )
        .order_by(Store.name, Store.id)
    ).all()
    found = queries.digests(select(Store.id).where(Store.is_active.is_(True)), today=day)
    support = support_digest.collect(utcnow(), day)
    responsible_ids = {s.responsible_id for s in stores if s.responsible_id is not None}
    people: dict[int, object] = {
        user.id: user for user in _support_people(support, responsible_ids)
    }
    everyone = responsible_ids | set(people)
    member_of: dict[int, set[int]] = defaultdict(set)
    already: set[int] = set()
    if everyone:
        for user_id, municipality_id in db.session.execute(
            select(Membership.user_id, Membership.municipality_id).where(
                Membership.user_id.in_(everyone)
            )
        ):
            member_of[user_id].add(municipality_id)
        already = set(
            db.session.scalars(
                select(DigestLog.user_id).where(
                    DigestLog.day == day, DigestLog.user_id.in_(everyone)
                )
            )
        )

    # Whose stores: a person receives a store's digest only while they still work
    # in a municipality the store serves.
    digests_of: dict[int, dict[int, queries.StoreDigest]] = defaultdict(dict)
    unattended: dict[int, queries.StoreDigest] = {}
    for store in stores:
        person = store.responsible
        digest = found.get(store.id)
        if (
            person is None
            or not person.is_active_user
            or not store.served_municipality_ids & member_of[person.id]
        ):
            if digest is not None and digest.count:
                unattended[store.id] = digest
            continue
        people[person.id] = person
        if digest is not None and digest.count:
            digests_of[person.id][store.id] = digest
    result.stores_without_responsible = [
        store_label(d.store) for d in sorted(unattended.values(), key=lambda d: d.store.name)
    ]

    names = {s.municipality_id: s.municipality.name for s in stores}
    link = url_builder()
    outgoing = []
    for person in sorted(people.values(), key=lambda p: (p.full_name.lower(), p.id)):
        if not person.is_active_user:
            continue
        mine = digests_of.get(person.id)
        with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            theirs = support_digest.items_for(person, member_of[person.id], support)
            if not mine and not theirs:
                result.nothing_to_report += 1
                continue
            has_email = bool((person.email or "").strip())
            if has_email and person.id in already:
                result.skipped_already_sent.append(f"{person.full_name} <{person.email}>")
                continue
            stores_items = sections(mine, day, names=names) if mine else []
            if not has_email:
                labels = [s.label for s in stores_items]
                if theirs.ticket_count:
                    labels.append("support tickets")
                if theirs.test_count:
                    labels.append("function tests")
                result.people_without_email.append(
                    PersonNote(
                        name=person.full_name,
                        username=person.username,
                        stores=labels,
                        items=sum(s.count for s in stores_items) + theirs.count,
                    )
                )
                continue
            try:
                outgoing.append(_message(person, stores_items, day, link, theirs))
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


def _retry_orders(result: NotifyResult) -> None:
    """Orders marked sent whose e-mail to the supplier could not leave: try again."""
    from vftops.stock import order_mail

    waiting = order_mail.unsent()
    db.session.rollback()  # each order's outcome is a transaction of its own
    if not waiting:
        return
    mailer = Mailer(current_app.config)
    try:
        for order_id in waiting:
            number = db.session.scalar(
                select(PurchaseOrder.number).where(PurchaseOrder.id == order_id)
            )
            db.session.rollback()
            if order_mail.deliver(order_id, mailer=mailer):
                result.orders_mailed.append(number)
            else:
                result.orders_not_mailed.append(number)
    finally:
        mailer.close()


def _sweep(result: NotifyResult) -> None:
    """Record SLA breaches and close tickets resolved long enough ago, before the digest."""
    from vftops.support.operations import sweep

    try:
        result.sweep = sweep()
        db.session.commit()
    except ConflictError:  # another run sweeps right now: it does the same
        db.session.rollback()
        log.info("the support sweep was left to another run")


def run_notify(day: date | None = None, *, dry_run: bool = False) -> NotifyResult:
    """Send the day's digest once a day to each person with something to hear about.

    First the support sweep records SLA breaches and closes old resolved tickets.
    Then: store responsibles hear about their stores; members of support teams and
    people with tickets assigned hear about tickets breached or breaching soon, and
    those who record function tests about overdue tests in their municipalities.

    With `dry_run` nothing is swept, sent or recorded: `result.sent` lists what would go.
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
        _sweep(result)
        _retry_orders(result)
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
