"""The stock part of the daily digest: each store's alerts as sentences with links.

The daily run (`vftops.notify`) e-mails them to each store's responsible person, and
the in-app alert page (`views/notify.py`) shows the same items, so the e-mail and the
page always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from vftops.core.alerts import Item
from vftops.core.i18n import format_d
from vftops.equipment.models import Store
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.stock import queries

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
