"""How municipalities and units read in the audit log: object kinds, actions,
fields and coded values."""

from flask_babel import lazy_gettext as _l

from vftops.core.audit import names_from
from vftops.core.modules import AuditObject, AuditTexts
from vftops.org.forms import UNIT_KIND_LABELS
from vftops.org.models import Municipality, Unit

ACTIONS = {
    "municipality.create": _l("Municipality registered"),
    "municipality.update": _l("Municipality changed"),
    "unit.create": _l("Unit created"),
    "unit.update": _l("Unit changed"),
}

TEXTS = AuditTexts(
    objects={
        "municipalities": AuditObject(
            _l("Municipality"),
            names_from(Municipality, Municipality.name),
            "org.municipality_detail",
            "municipality_id",
            "org.view",
        ),
        "units": AuditObject(_l("Unit"), names_from(Unit, Unit.name)),
    },
    actions=ACTIONS,
    fields={
        "name": _l("Name"),
        "number": _l("Municipality number"),
        "is_active": _l("Active"),
        "kind": _l("Kind"),
        "parent_id": _l("Part of"),
        "shared_with": _l("Shared with"),
    },
    values={"units.kind": {str(k): v for k, v in UNIT_KIND_LABELS.items()}},
    references={"parent_id": "units", "shared_with": "municipalities"},
)
