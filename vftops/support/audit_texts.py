"""How tickets, teams, rules and function tests read in the audit log: object kinds, actions,
fields and coded values."""

from flask_babel import lazy_gettext as _l

from vftops.core.audit import names_from
from vftops.core.modules import AuditObject, AuditTexts
from vftops.support.forms_admin import RESULT_LABELS
from vftops.support.models import (
    KIND_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    TEAM_KIND_LABELS,
    RoutingRule,
    Team,
)

ACTIONS = {
    "ticket.create": _l("Ticket registered"),
    "ticket.update": _l("Ticket changed"),
    "ticket.acknowledge": _l("Ticket acknowledged"),
    "ticket.assign": _l("Ticket assigned"),
    "ticket.in_progress": _l("Ticket in progress"),
    "ticket.waiting_reporter": _l("Ticket waiting for the reporter"),
    "ticket.waiting_supplier": _l("Ticket waiting for the supplier"),
    "ticket.resolved": _l("Ticket resolved"),
    "ticket.closed": _l("Ticket closed"),
    "ticket.note": _l("Internal note written on a ticket"),
    "ticket.reply": _l("Reply written on a ticket"),
    "ticket.escalate": _l("Ticket escalated to the supplier"),
    "ticket.supplier_response": _l("Supplier response recorded"),
    "ticket.link": _l("Ticket linked to an incident"),
    "ticket.unlink": _l("Ticket unlinked from an incident"),
    "ticket.replace": _l("Device replaced from a ticket"),
    "ticket.repair": _l("Device sent to repair from a ticket"),
    "ticket.attach": _l("Attachment added to a ticket"),
    "ticket.sla_sweep": _l("Service-level deadlines checked"),
    "team.create": _l("Team created"),
    "team.update": _l("Team changed"),
    "routing_rule.create": _l("Routing rule created"),
    "routing_rule.update": _l("Routing rule changed"),
    "routing_rule.delete": _l("Routing rule deleted"),
    "sla_target.set": _l("Service-level target set"),
    "sla_target.reset": _l("Service-level target back to the default"),
    "support_settings.save": _l("Support settings saved"),
    "function_test.record": _l("Function test recorded"),
}

TEXTS = AuditTexts(
    objects={
        # By number: a title may name the person it is about.
        "tickets": AuditObject(
            _l("Ticket"),
            None,
            "support.ticket_detail",
            "ticket_id",
            "tickets.view",
        ),
        "teams": AuditObject(_l("Team"), names_from(Team, Team.name)),
        "routing_rules": AuditObject(
            _l("Routing rule"), names_from(RoutingRule, RoutingRule.position, fmt="{}")
        ),
        "sla_targets": AuditObject(_l("Service-level target")),
        "support_settings": AuditObject(_l("Support settings")),
        "function_tests": AuditObject(_l("Function test")),
    },
    actions=ACTIONS,
    fields={
        "priority": _l("Priority"),
        "team_id": _l("Team"),
        "assignee_id": _l("Owner"),
        "supplier_answered_at": _l("Supplier answered"),
        "supplier_fixed_at": _l("Supplier fixed it"),
        "children": _l("Linked tickets"),
        "result": _l("Result"),
        "ticket_id": _l("Ticket"),
        "title": _l("Title"),
        "description": _l("Description"),
        "system": _l("System"),
        "system_id": _l("System"),
        "urgency": _l("Urgency"),
        "impact": _l("Impact"),
        "hours": _l("Opening hours"),
        "phone": _l("Phone"),
        "email": _l("E-mail"),
    },
    values={
        "tickets.kind": {str(k): v for k, v in KIND_LABELS.items()},
        "tickets.status": {str(k): v for k, v in STATUS_LABELS.items()},
        "priority": {str(k): v for k, v in PRIORITY_LABELS.items()},
        "teams.kind": {str(k): v for k, v in TEAM_KIND_LABELS.items()},
        "result": {str(k): v for k, v in RESULT_LABELS.items()},
    },
    references={"team_id": "teams", "assignee_id": "users", "ticket_id": "tickets"},
)
