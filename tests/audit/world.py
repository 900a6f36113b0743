"""The audit log's part of the permission matrix's world: an event of the municipality,
and a line of the device ledger."""

from sqlalchemy import select

from vftops.extensions import db


def build(key, m, w, made) -> None:
    from vftops.core.audit import AuditEvent
    from vftops.equipment.models import Movement

    w.event = db.session.scalars(
        select(AuditEvent.id).where(AuditEvent.municipality_id == m.id)
    ).first()
    w.movement = db.session.scalars(
        select(Movement.id).where(Movement.device_id == made["in_stock"].id)
    ).first()
