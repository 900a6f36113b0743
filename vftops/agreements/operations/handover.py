"""The handover protocol: what the procurement hands over to the line, item by item, each
confirmed by the one who takes it over."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from vftops.agreements.models import Agreement, HandoverItem, HandoverSection
from vftops.agreements.operations.checks import choice, record, text
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, PermissionDeniedError
from vftops.core.models import utcnow
from vftops.core.scope import municipality_ids
from vftops.extensions import db


@operation
def add_handover_item(actor, agreement: Agreement, **data) -> HandoverItem:
    section = choice(
        data.get("section"), HandoverSection, "section", _l("Choose the part of the protocol.")
    )
    what = text(data.get("text"), "text", required=_l("Write what is handed over."), limit=4000)
    item = HandoverItem(agreement_id=agreement.id, section=section, text=what)
    db.session.add(item)
    db.session.flush()
    record(
        actor,
        "agreement.handover_add",
        agreement,
        f"Overlevering, {section}: {what[:120]}",
        {
            "handover_section": {"before": None, "after": section},
            "agreements.text": {"before": None, "after": what},
        },
    )
    return item


@operation
def confirm_handover_item(actor, item: HandoverItem, *, expected_version=None) -> HandoverItem:
    """The one who takes it over confirms it: someone of a municipality the agreement
    covers, once."""
    check_version(item, expected_version)
    agreement = item.agreement
    if actor is None or not agreement.served_municipality_ids & municipality_ids(actor):
        raise PermissionDeniedError(_l("Only someone where the agreement applies confirms it."))
    if item.confirmed_at is not None:
        who = item.confirmed_by.full_name if item.confirmed_by else "–"
        raise ConflictError(_l("%(who)s confirmed it already.", who=who))
    item.confirmed_at = utcnow()
    item.confirmed_by_id = actor.id
    record(
        actor,
        "agreement.handover_confirm",
        agreement,
        f"Overlevering bekreftet: {item.text[:120]}",
        {"confirmed": {"before": False, "after": True}},
    )
    return item


@operation
def remove_handover_item(actor, item: HandoverItem) -> None:
    if item.confirmed_at is not None:
        raise ConflictError(_l("A confirmed item stays in the protocol."))
    agreement = item.agreement
    record(
        actor,
        "agreement.handover_remove",
        agreement,
        f"Fjernet fra overleveringen: {item.text[:120]}",
        {"agreements.text": {"before": item.text, "after": None}},
    )
    db.session.delete(item)
