"""The organisation's part of the permission matrix's world: a municipality and a unit."""

from vftops.extensions import db


def municipality(name: str, number: str):
    from vftops.org.operations import create_municipality

    return create_municipality(None, name=name, number=number)


def build(key, m, w, made) -> None:
    from vftops.org.operations import create_unit

    unit = create_unit(None, m, name=f"Sone {key}", kind="sone")
    db.session.flush()
    made["unit"] = unit
    w.municipality, w.municipality_number, w.unit = m.id, m.number, unit.id
