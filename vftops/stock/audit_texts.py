"""How stores, stock, transfers, orders and counts read in the audit log: object kinds, actions,
fields and coded values."""

from flask_babel import lazy_gettext as _l

from vftops.core.audit import names_from
from vftops.core.modules import AuditObject, AuditTexts
from vftops.equipment.models import Store
from vftops.stock.forms import STORE_KIND_LABELS
from vftops.stock.labels import (
    COUNT_STATUS_LABELS,
    ORDER_STATUS_LABELS,
    TRANSFER_STATUS_LABELS,
)
from vftops.stock.models import PurchaseOrder

ACTIONS = {
    "store.create": _l("Store created"),
    "store.update": _l("Store changed"),
    "store.archive": _l("Store archived"),
    "stock.receive": _l("Consumables received"),
    "stock.issue": _l("Consumables issued"),
    "stock.adjust": _l("Consumables adjusted"),
    "stock_minimum.set": _l("Stock minimum set"),
    "stock_minimum.accept": _l("Suggested stock minimum accepted"),
    "stock_minimum.delete": _l("Stock minimum removed"),
    "transfer.send": _l("Transfer sent"),
    "transfer.receive": _l("Transfer received"),
    "transfer.cancel": _l("Transfer cancelled"),
    "order.create": _l("Purchase order created"),
    "order.update": _l("Purchase order changed"),
    "order.send": _l("Purchase order sent"),
    "order.mailed": _l("Purchase order e-mailed to the supplier"),
    "order.cancel": _l("Purchase order cancelled"),
    "order.receive": _l("Delivery received"),
    "stock_count.start": _l("Stock count started"),
    "stock_count.confirm": _l("Stock count confirmed"),
    "stock_count.cancel": _l("Stock count cancelled"),
}

TEXTS = AuditTexts(
    objects={
        "stores": AuditObject(
            _l("Store"),
            names_from(Store, Store.name),
            "stock.store_detail",
            "store_id",
            "stock.view",
        ),
        "stock_movements": AuditObject(_l("Consumables")),
        "stock_minimums": AuditObject(_l("Stock minimum")),
        "transfers": AuditObject(
            _l("Transfer"), None, "stock.transfer_detail", "transfer_id", "stock.view"
        ),
        "purchase_orders": AuditObject(
            _l("Purchase order"),
            names_from(PurchaseOrder, PurchaseOrder.number),
            "stock.order_detail",
            "order_id",
            "stock.view",
        ),
        "stock_counts": AuditObject(
            _l("Stock count"),
            None,
            "stock.count_detail",
            "count_id",
            "stock.view",
        ),
    },
    actions=ACTIONS,
    fields={
        "responsible_id": _l("Responsible"),
        "note": _l("Note"),
        "quantity": _l("Quantity"),
        "lines": _l("Lines"),
        "minimum": _l("Minimum"),
        "reorder_target": _l("Order up to"),
        "inputs": _l("Figures used"),
        "expected_on": _l("Expected"),
        "agreement_ref": _l("Agreement reference"),
        "received": _l("Received"),
        "mailed_to": _l("E-mailed to"),
    },
    values={
        "stores.kind": {str(k): v for k, v in STORE_KIND_LABELS.items()},
        "purchase_orders.status": ORDER_STATUS_LABELS,
        "transfers.status": TRANSFER_STATUS_LABELS,
        "stock_counts.status": COUNT_STATUS_LABELS,
    },
    references={"responsible_id": "users"},
)
