"""The daily stock digest: what each store's responsible person should hear about today.

`run_notify()` is what `flask vftops notify` runs from cron. It builds the digest of
every active store at once (`queries.digests`: a fixed number of aggregate queries,
whatever the number of stores), groups the stores by their responsible person and
sends each person one e-mail covering all their stores, in the person's language.

A person gets the digest at most once a day. The `DigestLog` row (person, day) is
written and flushed *before* the e-mail is sent; its unique constraint decides when
two runs race, and the row is committed only after the SMTP server accepted the
mail. A failed send rolls the row back, so the next run tries that person again.

The in-app notification list (`views_notify`) shows the same items through
`store_items()`, so the e-mail and the page always say the same thing.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.i18n import format_d
from vftops.core.models import local_today, utcnow
from vftops.extensions import db
from vftops.org.models import Membership, Municipality
from vftops.stock import queries
from vftops.stock.models import DigestLog, Store

SHORTFALL = "shortfall"
OVERDUE = "overdue"
WAITING = "waiting"

SMTP_TIMEOUT_SECONDS = 30


class MailNotConfigured(RuntimeError):
    """There is no SMTP server to send through."""


# --- the items, in the reader's language ----------------------------------------------


@dataclass(frozen=True)
class Item:
    """One line of the digest: what to say and which page it points to."""

    kind: str
    text: str
    endpoint: str
    values: dict


@dataclass
class StoreItems:
    store: Store
    label: str
    shortfalls: list[Item] = field(default_factory=list)
    overdue: list[Item] = field(default_factory=list)
    waiting: list[Item] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.shortfalls) + len(self.overdue) + len(self.waiting)

    @property
    def items(self) -> list[Item]:
        return [*self.shortfalls, *self.overdue, *self.waiting]


def store_label(store: Store) -> str:
    return f"{store.name} ({store.municipality.name})"


def store_items(
    digest: queries.StoreDigest, today: date, *, label: str | None = None
) -> StoreItems:
    """The digest of one store as sentences in the current language, each with its link."""
    store = digest.store
    page = ("stock.store_detail", {"store_id": store.id})
    out = StoreItems(store=store, label=label or store_label(store))
    for level in digest.shortfalls:
        coming = level.on_order + level.incoming
        values = {
            "product": level.product.name,
            "available": level.available,
            "minimum": level.minimum,
            "short": level.shortfall,
        }
        if coming:
            text = _(
                "%(product)s: %(available)d available, minimum %(minimum)d – %(short)d short "
                "(%(coming)d on order or on the way)",
                coming=coming,
                **values,
            )
        else:
            text = _(
                "%(product)s: %(available)d available, minimum %(minimum)d – %(short)d short",
                **values,
            )
        out.shortfalls.append(Item(SHORTFALL, text, *page))
    for order in digest.overdue_orders:
        late = (today - order.expected_on).days
        text = ngettext(
            "Order %(number)s from %(supplier)s, expected %(date)s: %(num)d day overdue",
            "Order %(number)s from %(supplier)s, expected %(date)s: %(num)d days overdue",
            late,
            number=order.number,
            supplier=order.supplier.name,
            date=format_d(order.expected_on),
        )
        out.overdue.append(Item(OVERDUE, text, "stock.order_detail", {"order_id": order.id}))
    for product, n, oldest in sorted(digest.waiting_reset, key=lambda w: (w[2], w[0].name)):
        text = ngettext(
            "%(num)d × %(product)s awaiting reset since %(date)s",
            "%(num)d × %(product)s awaiting reset, the oldest since %(date)s",
            n,
            product=product.name,
            date=format_d(oldest),
        )
        out.waiting.append(Item(WAITING, text, *page))
    return out


def sections(
    found: dict[int, queries.StoreDigest], today: date, *, names: dict[int, str] | None = None
) -> list[StoreItems]:
    """Every store with something to report, by store name, in the current language.

    `names`: municipality names by id, when the caller has them already.
    """
    found = {k: d for k, d in found.items() if d.count}
    if not found:
        return []
    if names is None:
        names = dict(
            db.session.execute(
                select(Municipality.id, Municipality.name).where(
                    Municipality.id.in_({d.store.municipality_id for d in found.values()})
                )
            ).all()
        )
    out = [
        store_items(d, today, label=f"{d.store.name} ({names[d.store.municipality_id]})")
        for d in found.values()
    ]
    out.sort(key=lambda s: (s.store.name.lower(), s.label))
    return out


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

    @property
    def items(self) -> int:
        return sum(o.items for o in self.sent)

    @property
    def ok(self) -> bool:
        return not self.failed


def _url_builder():
    """Absolute links to the app's pages under BASE_URL, outside any request."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc or "localhost",
        script_name=base.path.rstrip("/") or "/",
        url_scheme=base.scheme or "https",
    )

    def build(endpoint: str, values: dict | None = None) -> str:
        return adapter.build(endpoint, values or {}, force_external=True)

    return build


def _render(name: str, **context) -> str:
    # Straight from the Jinja environment: the request's context processors
    # (navigation, current user) mean nothing in an e-mail sent from cron.
    return current_app.jinja_env.get_template(name).render(**context)


def _message(person, stores: list[StoreItems], day: date, link, domain: str) -> Outgoing:
    count = sum(s.count for s in stores)
    subject = ngettext(
        "vftops: %(num)d stock alert for %(date)s",
        "vftops: %(num)d stock alerts for %(date)s",
        count,
        date=format_d(day),
    )
    context = {
        "person": person,
        "stores": stores,
        "day": day,
        "count": count,
        "link": lambda item: link(item.endpoint, item.values),
        "store_link": lambda store: link("stock.store_detail", {"store_id": store.id}),
        "list_link": link("stock.notifications"),
        "warn_days": current_app.config["STOCK_RESET_WARN_DAYS"],
        "subject": subject,
    }
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = Address(display_name=person.full_name, addr_spec=person.email.strip())
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid("digest", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_render("stock/email/digest.txt", **context))
    message.add_alternative(_render("stock/email/digest.html", **context), subtype="html")
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
    responsible_ids = {s.responsible_id for s in stores if s.responsible_id is not None}
    member_of: dict[int, set[int]] = defaultdict(set)
    already: set[int] = set()
    if responsible_ids:
        for user_id, municipality_id in db.session.execute(
            select(Membership.user_id, Membership.municipality_id).where(
                Membership.user_id.in_(responsible_ids)
            )
        ):
            member_of[user_id].add(municipality_id)
        already = set(
            db.session.scalars(
                select(DigestLog.user_id).where(
                    DigestLog.day == day, DigestLog.user_id.in_(responsible_ids)
                )
            )
        )

    # Whose stores: a person receives a store's digest only while they still work
    # in a municipality the store serves.
    people: dict[int, object] = {}
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
    link = _url_builder()
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    outgoing = []
    for person in sorted(people.values(), key=lambda p: (p.full_name.lower(), p.id)):
        mine = digests_of.get(person.id)
        if not mine:
            result.nothing_to_report += 1
            continue
        has_email = bool((person.email or "").strip())
        if has_email and person.id in already:
            result.skipped_already_sent.append(f"{person.full_name} <{person.email}>")
            continue
        with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            stores_items = sections(mine, day, names=names)
            if not has_email:
                result.people_without_email.append(
                    PersonNote(
                        name=person.full_name,
                        username=person.username,
                        stores=[s.label for s in stores_items],
                        items=sum(s.count for s in stores_items),
                    )
                )
                continue
            try:
                outgoing.append(_message(person, stores_items, day, link, domain))
            except (ValueError, IndexError) as error:  # an address the mail library refuses
                result.failed.append((f"{person.full_name} <{person.email}>", str(error)))
    return outgoing


class _ServerDown(Exception):
    """The SMTP server cannot be reached or will not let us in: every e-mail would fail."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Mailer:
    """One SMTP connection for the whole run, opened on the first e-mail."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    @property
    def server(self) -> str:
        return f"{self.config['MAIL_SERVER']}:{self.config.get('MAIL_PORT') or 25}"

    def _connect(self) -> smtplib.SMTP:
        try:
            smtp = smtplib.SMTP(
                self.config["MAIL_SERVER"],
                int(self.config.get("MAIL_PORT") or 25),
                timeout=SMTP_TIMEOUT_SECONDS,
            )
        except (smtplib.SMTPException, OSError) as error:
            raise _ServerDown(f"could not reach the SMTP server {self.server}: {error}") from error
        try:
            if self.config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if self.config.get("MAIL_USERNAME"):
                smtp.login(self.config["MAIL_USERNAME"], self.config.get("MAIL_PASSWORD") or "")
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            raise _ServerDown(
                f"the SMTP server {self.server} refused the connection: {_describe(error)}"
            ) from error
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send one e-mail; _ServerDown when no e-mail can go, SMTPException for this one."""
        for attempt in (1, 2):
            if self.smtp is None:
                self.smtp = self._connect()
            try:
                self.smtp.send_message(message)
                return
            except smtplib.SMTPServerDisconnected as error:
                self._drop()
                if attempt == 2:
                    raise _ServerDown(
                        f"lost the connection to the SMTP server {self.server}: {error}"
                    ) from error
                # The server hung up between two e-mails (idle timeout): once more, fresh.
            except smtplib.SMTPException:
                raise  # refused this e-mail (SMTPException is an OSError: keep it first)
            except OSError as error:
                self._drop()
                raise _ServerDown(
                    f"lost the connection to the SMTP server {self.server}: {error}"
                ) from error

    def _drop(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except OSError:  # SMTPException too
                self.smtp.close()
            self.smtp = None


def _describe(error: smtplib.SMTPException | OSError) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "the SMTP server refused the address: " + "; ".join(
            f"{code} {_text(msg)}" for code, msg in error.recipients.values()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the SMTP server answered {error.smtp_code} {_text(error.smtp_error)}"
    return str(error) or error.__class__.__name__


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _send_all(outgoing: list[Outgoing], day: date, result: NotifyResult) -> None:
    mailer = _Mailer(current_app.config)
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
            except _ServerDown as error:
                db.session.rollback()
                server_down = error.reason  # the others would fail the same way
                result.failed.append((mail.label, server_down))
                continue
            except smtplib.SMTPException as error:  # refused this one e-mail
                db.session.rollback()
                result.failed.append((mail.label, _describe(error)))
                continue
            db.session.commit()
            result.sent.append(mail)
    finally:
        mailer.close()


def run_notify(day: date | None = None, *, dry_run: bool = False) -> NotifyResult:
    """Send the day's stock digest to every store's responsible person, once a day.

    With `dry_run` nothing is sent or recorded: `result.sent` lists what would go.
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
