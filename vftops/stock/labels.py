"""Names of the stock's codes in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from vftops.stock.models import CountStatus, OrderStatus, TransferStatus

ORDER_STATUS_LABELS = {
    OrderStatus.DRAFT.value: _l("Draft"),
    OrderStatus.SENT.value: _l("Sent"),
    OrderStatus.PARTLY_RECEIVED.value: _l("Partly received"),
    OrderStatus.RECEIVED.value: _l("Received"),
    OrderStatus.CANCELLED.value: _l("Cancelled"),
}

TRANSFER_STATUS_LABELS = {
    TransferStatus.SENT.value: _l("In transit"),
    TransferStatus.RECEIVED.value: _l("Received"),
    TransferStatus.CANCELLED.value: _l("Called back"),
}

COUNT_STATUS_LABELS = {
    CountStatus.OPEN.value: _l("Under way"),
    CountStatus.CONFIRMED.value: _l("Confirmed"),
    CountStatus.CANCELLED.value: _l("Stopped without changes"),
}
