"""The only code that changes tickets, teams, routing rules, SLA targets and function tests.

Every change writes a line in the ticket's work log (for people) and an audit
event (for the record) in the same savepoint as the change itself.

The operations are split by subject into the modules of this package; every public name is
imported here, so `from vftops.support import operations` keeps working.
"""

# Connects to the anonymisation signal and to the purge's list of recent activity.
from . import privacy  # noqa: F401
from .common import (
    LOG_STATUS,
    S,
    check_assignee,
    check_team,
    choice,
    log,
    log_line,
    name_of,
)
from .daily import (
    acknowledge_or_explain,
    sweep,
)
from .devices import (
    plan_visit_from_ticket,
    repair_from_ticket,
    replace_from_ticket,
)
from .escalation import (
    escalate,
    record_supplier_response,
)
from .incidents import (
    create_incident,
    link_to_incident,
    unlink_from_incident,
)
from .lifecycle import (
    EDITABLE,
    FREE_TEXT,
    acknowledge,
    add_entry,
    already_acknowledged,
    apply_status,
    assign,
    change_status,
    transition_error,
    update_ticket,
)
from .settings import (
    SETTINGS_LIMITS,
    business_hours,
    deadlines,
    priority_for,
    route,
    save_support_settings,
    settings_for,
    settings_for_many,
    sla_targets,
)
from .teams import (
    TEAM_FIELDS,
    create_team,
    delete_rule,
    reset_sla_target,
    save_rule,
    set_sla_target,
    update_team,
)
from .tickets import (
    create_ticket,
    report_ticket,
)

__all__ = [
    "EDITABLE",
    "FREE_TEXT",
    "LOG_STATUS",
    "SETTINGS_LIMITS",
    "TEAM_FIELDS",
    "S",
    "acknowledge",
    "acknowledge_or_explain",
    "add_entry",
    "already_acknowledged",
    "apply_status",
    "assign",
    "business_hours",
    "change_status",
    "check_assignee",
    "check_team",
    "choice",
    "create_incident",
    "create_team",
    "create_ticket",
    "deadlines",
    "delete_rule",
    "escalate",
    "link_to_incident",
    "log",
    "log_line",
    "name_of",
    "plan_visit_from_ticket",
    "priority_for",
    "record_supplier_response",
    "repair_from_ticket",
    "replace_from_ticket",
    "report_ticket",
    "reset_sla_target",
    "route",
    "save_rule",
    "save_support_settings",
    "set_sla_target",
    "settings_for",
    "settings_for_many",
    "sla_targets",
    "sweep",
    "transition_error",
    "unlink_from_incident",
    "update_team",
    "update_ticket",
]
