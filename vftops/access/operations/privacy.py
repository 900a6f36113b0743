"""When a recipient is anonymised, their access and their relatives' end, and the
relatives' names leave the register (the grants stay, as «anonymised»)."""

from __future__ import annotations

from sqlalchemy import select

from vftops.access.models import AccessGrant, HolderKind
from vftops.core.models import local_today
from vftops.equipment.operations import recipient_anonymised
from vftops.extensions import db

from .grants import end_open

ENDED = "Tjenestemottakeren er anonymisert"


@recipient_anonymised.connect
def _forget_in_register(recipient, **_extra) -> None:
    today = local_today()
    grants = db.session.scalars(
        select(AccessGrant).where(AccessGrant.recipient_id == recipient.id)
    ).all()
    for grant in grants:
        if grant.ended_at is None:
            end_open(None, grant, today, ENDED)
        if grant.holder_kind == HolderKind.RELATIVE:
            grant.person_name = "Anonymisert"
            grant.person_detail = None
            grant.holder_key = f"anonymised:{grant.id}"
    db.session.flush()
