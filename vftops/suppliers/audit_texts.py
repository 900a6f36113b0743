"""How suppliers read in the audit log: object kinds, actions,
fields and coded values."""

from flask_babel import lazy_gettext as _l

from vftops.core.audit import names_from
from vftops.core.modules import AuditObject, AuditTexts
from vftops.suppliers.models import CONTACT_ROLE_LABELS, Supplier

ACTIONS = {
    "supplier.create": _l("Supplier registered"),
    "supplier.update": _l("Supplier changed"),
    "supplier.contact_add": _l("Supplier contact added"),
    "supplier.contact_update": _l("Supplier contact changed"),
    "supplier.contact_remove": _l("Supplier contact removed"),
}

TEXTS = AuditTexts(
    objects={
        "suppliers": AuditObject(
            _l("Supplier"),
            names_from(Supplier, Supplier.name),
            "supplier.page",
            "supplier_id",
            "suppliers.view",
        ),
    },
    actions=ACTIONS,
    fields={
        "org_number": _l("Organisation number"),
        "support_phone": _l("Support phone"),
        "support_email": _l("Support e-mail"),
        "order_email": _l("Order e-mail"),
        "support_hours": _l("Support opening hours"),
        "out_of_hours_note": _l("Outside opening hours"),
        "lead_time_days": _l("Lead time (days)"),
        "supplier_id": _l("Supplier"),
        "notes": _l("Notes"),
        "street_address": _l("Street address"),
        "postcode": _l("Postcode"),
        "city": _l("City"),
        "contact_role": _l("Contact about"),
        "email": _l("E-mail"),
        "phone": _l("Phone"),
        "note": _l("Note"),
    },
    values={"suppliers.contact_role": {str(k): v for k, v in CONTACT_ROLE_LABELS.items()}},
    references={"supplier_id": "suppliers"},
)
