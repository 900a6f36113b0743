"""Forgetting a recipient in the consumables they were given."""

from __future__ import annotations

from sqlalchemy import select

from vftops.core import audit
from vftops.equipment import operations as eq
from vftops.equipment.purge import RECENT_ACTIVITY
from vftops.stock.models import (
    StockMovement,
)

# --- forgetting a recipient (flask vftops purge) -------------------------------------------


@eq.recipient_anonymised.connect
def _forget_in_consumables(recipient, *, scrub, **_extra) -> None:
    """Consumables given to an anonymised recipient stay in the ledger; their name and
    numbers leave its reasons («Batteri til …»)."""
    if scrub is not None:
        audit.scrub_append_only(
            StockMovement.__table__, "reason", StockMovement.recipient_id == recipient.id, scrub
        )


def _consumables_given_since(moment):
    """Recipients given consumables since `moment`: not yet due for anonymising."""
    return select(StockMovement.recipient_id).where(
        StockMovement.recipient_id.is_not(None), StockMovement.at >= moment
    )


RECENT_ACTIVITY.append(_consumables_given_since)
