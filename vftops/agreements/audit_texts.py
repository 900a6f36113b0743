"""How agreements read in the audit log: object kinds, actions, fields and coded values."""

from flask_babel import lazy_gettext as _l

from vftops.agreements.models import (
    DECISION_LABELS,
    KIND_LABELS,
    METRIC_LABELS,
    STATUS_LABELS,
    Agreement,
)
from vftops.core.audit import names_from
from vftops.core.modules import AuditObject, AuditTexts

TEXTS = AuditTexts(
    objects={
        "agreements": AuditObject(
            _l("Agreement"),
            names_from(Agreement, Agreement.title),
            "agreement.detail",
            "agreement_id",
            "agreements.view",
        ),
    },
    actions={
        "agreement.create": _l("Agreement registered"),
        "agreement.update": _l("Agreement changed"),
        "agreement.option_add": _l("Option to extend added"),
        "agreement.option_remove": _l("Option to extend removed"),
        "agreement.price_add": _l("Price added"),
        "agreement.price_update": _l("Price changed"),
        "agreement.level_add": _l("Service level added"),
        "agreement.level_update": _l("Service level changed"),
        "agreement.level_remove": _l("Service level removed"),
        "agreement.deadline_decided": _l("Deadline handled"),
        "agreement.ended": _l("Agreement ended"),
    },
    fields={
        "title": _l("Title"),
        "reference": _l("Agreement number"),
        "parent_id": _l("Framework agreement"),
        "owner_id": _l("Agreement owner"),
        "follow_up_id": _l("Daily follow-up"),
        "procurement_id": _l("Procurement contact"),
        "starts_on": _l("Starts"),
        "ends_on": _l("Ends"),
        "notice_months": _l("Notice period (months)"),
        "renews_automatically": _l("Renews by itself"),
        "renewal_months": _l("Each renewal (months)"),
        "estimated_value": _l("Estimated total value"),
        "yearly_cost": _l("Yearly cost"),
        "units_paid": _l("Licences or units paid for"),
        "product_ids": _l("Products"),
        "system_ids": _l("Systems"),
        "position": _l("Option"),
        "months": _l("Months"),
        "decide_by": _l("Decide by"),
        "decided_on": _l("Decided on"),
        "service": _l("Service"),
        "unit_price": _l("Unit price"),
        "valid_from": _l("From"),
        "valid_to": _l("To"),
        "metric": _l("What is measured"),
        "target": _l("Target"),
        "calendar": _l("Counted"),
        "penalty": _l("Penalty"),
        "due_on": _l("Deadline"),
        "option_id": _l("Option"),
    },
    values={
        "agreements.kind": {str(k): v for k, v in KIND_LABELS.items()},
        "agreements.status": {str(k): v for k, v in STATUS_LABELS.items()},
        "agreements.metric": {str(k): v for k, v in METRIC_LABELS.items()},
        "agreements.decision": {str(k): v for k, v in DECISION_LABELS.items()},
        "agreements.calendar": {"24x7": "24/7", "business": _l("Business hours")},
    },
    references={
        "owner_id": "users",
        "follow_up_id": "users",
        "procurement_id": "users",
        "parent_id": "agreements",
    },
)
