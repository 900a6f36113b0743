"""Call-offs: a purchase order placed on an agreement (or taken off it)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from vftops.agreements.models import (
    Agreement,
    AgreementStatus,
    CallOff,
    CompetitionStatus,
    MiniCompetition,
)
from vftops.agreements.operations.checks import record, refuse
from vftops.core.db import operation, take_write_lock
from vftops.core.errors import ConflictError
from vftops.extensions import db
from vftops.stock.models import PurchaseOrder


@operation
def place_on_agreement(
    actor, order: PurchaseOrder, agreement: Agreement, competition: MiniCompetition | None = None
) -> CallOff:
    """Record that the order is a call-off on the agreement: same supplier, for a
    municipality the agreement covers, while it runs; after a mini-competition, the one
    this agreement's supplier won for the order's municipality."""
    if agreement.supplier_id != order.supplier_id:
        raise refuse("agreement_id", _l("The agreement is with another supplier."))
    if order.municipality_id not in agreement.served_municipality_ids:
        raise refuse("agreement_id", _l("The agreement does not cover the order's municipality."))
    if agreement.status not in (AgreementStatus.ACTIVE, AgreementStatus.NOTICE):
        raise refuse("agreement_id", _l("Only a running agreement takes call-offs."))
    if competition is not None:
        winner = competition.winner
        if (
            competition.status != CompetitionStatus.AWARDED
            or winner is None
            or winner.agreement_id != agreement.id
            or competition.municipality_id != order.municipality_id
        ):
            raise refuse(
                "competition_id",
                _l("Choose a competition this agreement's supplier won for the municipality."),
            )
    take_write_lock(PurchaseOrder, order.id)
    existing = db.session.get(CallOff, order.id)
    if existing is not None:
        if existing.agreement_id == agreement.id:
            wanted = competition.id if competition is not None else existing.competition_id
            if wanted != existing.competition_id:  # it names the competition it followed
                record(
                    actor,
                    "agreement.call_off",
                    agreement,
                    f"Bestilling {order.number} avropt etter fornyet konkurranse",
                    {"competition_id": {"before": existing.competition_id, "after": wanted}},
                )
                existing.competition_id = wanted
            return existing
        raise ConflictError(
            _l("The order is a call-off on %(title)s already.", title=existing.agreement.title),
            fields={"agreement_id": [_l("Take it off that agreement first.")]},
        )
    link = CallOff(
        purchase_order_id=order.id,
        agreement_id=agreement.id,
        competition_id=competition.id if competition is not None else None,
    )
    db.session.add(link)
    changes = {"order": {"before": None, "after": order.number}}
    if competition is not None:
        changes["competition_id"] = {"before": None, "after": competition.id}
    record(
        actor,
        "agreement.call_off",
        agreement,
        f"Bestilling {order.number} avropt på avtale {agreement.title}",
        changes,
    )
    return link


@operation
def take_off_agreement(actor, order: PurchaseOrder) -> None:
    link = db.session.get(CallOff, order.id)
    if link is None:
        raise ConflictError(_l("The order is not on an agreement."))
    agreement = link.agreement
    db.session.delete(link)
    record(
        actor,
        "agreement.call_off_remove",
        agreement,
        f"Bestilling {order.number} tatt av avtale {agreement.title}",
        {"order": {"before": order.number, "after": None}},
    )
