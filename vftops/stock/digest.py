"""The stock part of the daily digest: each store's alerts as sentences with links.

The daily run (`vftops.notify`) e-mails them to each store's responsible person (the
part is declared in `module.py`: `collect`, `retry_order_mails` and the templates
`stock/email/digest_part.*`), and the in-app alert page (`views/notify.py`) shows the
same items, so the e-mail and the page always say the same thing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.alerts import Item
from vftops.core.i18n import format_d
from vftops.core.mail import Mailer
from vftops.equipment.models import Store
from vftops.extensions import db
from vftops.org.models import Membership, Municipality
from vftops.stock import order_mail, queries
from vftops.stock.models import PurchaseOrder

SHORTFALL = "shortfall"
OVERDUE = "overdue"
WAITING = "waiting"

# --- the items, in the reader's language ----------------------------------------------


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


# --- the part of the daily e-mail ------------------------------------------------------


@dataclass
class StockSection:
    """The stores a person is responsible for that have something to report."""

    stores: list[StoreItems]
    warn_days: int

    @property
    def count(self) -> int:
        return sum(s.count for s in self.stores)

    @property
    def topics(self) -> list[str]:
        return [s.label for s in self.stores]

    @property
    def reason(self) -> str:
        return _("You are responsible for these stores in vftops.")

    def __bool__(self) -> bool:
        return bool(self.count)


@dataclass
class StockDigestData:
    day: date
    # person → their stores with something to report (none: nothing for them today)
    digests_of: dict[int, dict[int, queries.StoreDigest]]
    names: dict[int, str]  # municipality names
    notes: list[str]

    @property
    def people(self) -> set[int]:
        return set(self.digests_of)

    def for_person(self, person, municipality_ids) -> StockSection | None:
        mine = self.digests_of.get(person.id)
        if not mine:
            return None
        return StockSection(
            stores=sections(mine, self.day, names=self.names),
            warn_days=current_app.config["STOCK_RESET_WARN_DAYS"],
        )


def collect(day: date, now: datetime) -> StockDigestData:
    """Every active store's digest (`queries.digests`: a fixed number of aggregate queries,
    whatever the number of stores), each given to its responsible person while they still
    work in a municipality the store serves. A store with something to report and nobody
    to tell is noted for the command's output."""
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
    responsible = {s.responsible_id for s in stores if s.responsible_id is not None}
    member_of: dict[int, set[int]] = defaultdict(set)
    if responsible:
        for user_id, municipality_id in db.session.execute(
            select(Membership.user_id, Membership.municipality_id).where(
                Membership.user_id.in_(responsible)
            )
        ):
            member_of[user_id].add(municipality_id)
    digests_of: dict[int, dict[int, queries.StoreDigest]] = defaultdict(dict)
    unattended: list[Store] = []
    for store in stores:
        digest = found.get(store.id)
        reports = digest is not None and digest.count
        person = store.responsible
        if (
            person is None
            or not person.is_active_user
            or not store.served_municipality_ids & member_of[person.id]
        ):
            if reports:
                unattended.append(store)
            continue
        mine = digests_of[person.id]  # a responsible with nothing to report is counted
        if reports:
            mine[store.id] = digest
    return StockDigestData(
        day=day,
        digests_of=dict(digests_of),
        names={s.municipality_id: s.municipality.name for s in stores},
        notes=[f"no responsible person to tell: {store_label(s)}" for s in unattended],
    )


def subject(count: int, day: date) -> str:
    return ngettext(
        "vftops: %(num)d stock alert for %(date)s",
        "vftops: %(num)d stock alerts for %(date)s",
        count,
        date=format_d(day),
    )


def retry_order_mails() -> list[tuple[str, bool]]:
    """Orders marked sent whose e-mail to the supplier could not leave: try again, each
    in a transaction of its own."""
    waiting = order_mail.unsent()
    db.session.rollback()
    if not waiting:
        return []
    lines = []
    mailer = Mailer(current_app.config)
    try:
        for order_id in waiting:
            number = db.session.scalar(
                select(PurchaseOrder.number).where(PurchaseOrder.id == order_id)
            )
            db.session.rollback()
            if order_mail.deliver(order_id, mailer=mailer):
                lines.append((f"Order {number}: e-mailed to the supplier (tried again)", False))
            else:
                lines.append(
                    (f"Order {number}: the e-mail to the supplier still could not go", True)
                )
    finally:
        mailer.close()
    return lines
