"""Demo data of the organisation: a shared service for Stjørdal and Meråker and their units."""

from __future__ import annotations

from vftops.extensions import db
from vftops.org import operations as ops
from vftops.org.models import UnitKind

# Municipality → [(unit, kind, parent)]
DEMO_UNITS = {
    ("Stjørdal", "5035"): [
        ("Helse og velferd", UnitKind.VIRKSOMHET, None),
        ("Hjemmetjenesten sone nord", UnitKind.SONE, "Helse og velferd"),
        ("Hjemmetjenesten sone sør", UnitKind.SONE, "Helse og velferd"),
        ("Kvislamarka bo- og aktivitetssenter", UnitKind.AVDELING, "Helse og velferd"),
        ("Hjelpemiddellageret", UnitKind.AVDELING, "Helse og velferd"),
    ],
    ("Meråker", "5034"): [
        ("Helse og omsorg", UnitKind.VIRKSOMHET, None),
        ("Hjemmetjenesten", UnitKind.SONE, "Helse og omsorg"),
        ("Meråker sykehjem", UnitKind.AVDELING, "Helse og omsorg"),
    ],
}


def load(world: dict) -> dict:
    """The municipalities (by number) and their units (by name)."""
    municipalities = {}
    units = {}
    for (name, number), unit_rows in DEMO_UNITS.items():
        municipality = ops.create_municipality(None, name=name, number=number)
        municipalities[number] = municipality
        for unit_name, kind, parent_name in unit_rows:
            parent = units.get(parent_name)
            unit = ops.create_unit(
                None,
                municipality,
                name=unit_name,
                kind=kind.value,
                parent_id=parent.id if parent else None,
            )
            db.session.flush()
            units[unit_name] = unit
    return {"municipalities": municipalities, "units": units}
