"""The benchmark's suppliers (`flask vftops bench`)."""

from __future__ import annotations

from sqlalchemy import insert, select

from vftops.core.modules import BenchPart
from vftops.extensions import db
from vftops.suppliers.models import Supplier

SUPPLIERS = 20


def build(world: dict) -> dict:
    db.session.execute(
        insert(Supplier),
        [
            {"name": f"Leverandør {i:02d}", "lead_time_days": 7 + 7 * (i % 4), "version": 1}
            for i in range(SUPPLIERS)
        ],
    )
    db.session.commit()
    return {"supplier_ids": _supplier_ids()}


def _supplier_ids() -> list[int]:
    return list(
        db.session.scalars(
            select(Supplier.id).where(Supplier.name.like("Leverandør %")).order_by(Supplier.name)
        )
    )


PART = BenchPart(build=build)
