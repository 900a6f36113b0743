"""The benchmark's municipality (`flask vftops bench`)."""

from __future__ import annotations

from sqlalchemy import select

from vftops.core.modules import BenchPart
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.org.operations import create_municipality

NUMBER = "9999"


def build(world: dict) -> dict:
    municipality = create_municipality(None, name="Benchmark", number=NUMBER)
    db.session.commit()
    return {"municipality_id": municipality.id}


def find(world: dict) -> dict | None:
    found = db.session.scalar(select(Municipality.id).where(Municipality.number == NUMBER))
    return None if found is None else {"municipality_id": found}


PART = BenchPart(build=build, find=find)
