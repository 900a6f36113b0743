"""How systems, roles and grants read in the audit log: object kinds, actions, fields and
coded values."""

from flask_babel import lazy_gettext as _l

from vftops.access.labels import (
    ACCOUNT_SOURCE_LABELS,
    ADMIN_KIND_LABELS,
    DECISION_LABELS,
    HOLDER_KIND_LABELS,
    ORDER_KIND_LABELS,
    REVIEW_STATUS_LABELS,
    SYSTEM_KIND_LABELS,
    SYSTEM_STATUS_LABELS,
    TASK_STATUS_LABELS,
)
from vftops.access.models import AccessReview
from vftops.core.audit import names_from
from vftops.core.modules import AuditObject, AuditTexts
from vftops.systems.models import ItSystem, SystemRole

ACTIONS = {
    "system.create": _l("System registered"),
    "system.update": _l("System changed"),
    "system_role.create": _l("Role added to a system"),
    "system_role.update": _l("Role changed"),
    "access_grant.create": _l("Access given"),
    "access_grant.end": _l("Access ended"),
    "access_grant.withdraw": _l("Access withdrawn before it started"),
    "access_order.create": _l("Access ordered"),
    "access_task.done": _l("Access task done"),
    "access_task.refuse": _l("Access task refused"),
    "access_task.reopen": _l("Access task reopened: not removed"),
    "access_task.remove_account": _l("Removal of an unknown account ordered"),
    "access_review.create": _l("Access review made"),
    "access_review.start": _l("Access review started"),
    "access_review.decide": _l("Access review: decided"),
    "access_review.submit": _l("Access review: a unit's decisions sent"),
    "access_review.confirm": _l("Access review: the system owner confirmed"),
    "access_review.escalate": _l("Access review escalated"),
    "access_review.close": _l("Access review closed"),
    "account_list.read": _l("Account list read (dry run)"),
    "account_list.apply": _l("Account list applied"),
}

TEXTS = AuditTexts(
    objects={
        "it_systems": AuditObject(
            _l("System"),
            names_from(ItSystem, ItSystem.name),
            "access.system_detail",
            "system_id",
            "access.view",
        ),
        "system_roles": AuditObject(
            _l("Role in a system"),
            names_from(SystemRole, SystemRole.name),
            "access.role_edit",
            "role_id",
            "access.view",
            "access.manage",
        ),
        "access_orders": AuditObject(
            _l("Access order"), None, "access.order_detail", "order_id", "access.view"
        ),
        "access_tasks": AuditObject(
            _l("Access task"), None, "access.task_detail", "task_id", "access.view", "access.manage"
        ),
        "access_reviews": AuditObject(
            _l("Access review"),
            names_from(AccessReview, AccessReview.name),
            "access.review_detail",
            "review_id",
            "access.view",
        ),
        # By number: its page is the reviewer's.
        "access_review_items": AuditObject(
            _l("Access review item"), None, None, None, "access.view"
        ),
        "account_lists": AuditObject(
            _l("Account list"),
            None,
            "access.account_list",
            "list_id",
            "access.view",
            "access.manage",
        ),
        # By number: who holds it is read on its page.
        "access_grants": AuditObject(
            _l("Access"), None, "access.grant_detail", "grant_id", "access.view"
        ),
    },
    actions=ACTIONS,
    fields={
        "kind": _l("Kind"),
        "owner_id": _l("System owner"),
        "admin_kind": _l("Who grants access"),
        "admin_user_id": _l("The person who grants access"),
        "admin_team_id": _l("The team that grants access"),
        "holds_health_data": _l("Holds health data"),
        "account_source": _l("Accounts"),
        "review_interval_months": _l("Access review every (months)"),
        "shared_with": _l("Also used by"),
        "system_roles.description": _l("What it allows"),
        "is_privileged": _l("Privileged"),
        "job_functions": _l("Normally needed by"),
        "system_id": _l("System"),
        "role_id": _l("Role"),
        "holder_kind": _l("Who"),
        "user_id": _l("Employee"),
        "recipient_id": _l("Recipient"),
        "municipality_id": _l("Municipality"),
        "account_name": _l("Account name in the system"),
        "starts_on": _l("From"),
        "ends_on": _l("To (last day)"),
        "ordered_by_id": _l("Ordered by"),
        "replaces_id": _l("Continues access"),
        "effective_on": _l("From, or last day"),
        "made_grant_id": _l("Access given"),
        "status": _l("Status"),
        "decision": _l("Decision"),
        "due_on": _l("Answer by"),
        "escalate_on": _l("Escalate on"),
        "unanswered": _l("What nobody answers"),
    },
    values={
        "it_systems.kind": SYSTEM_KIND_LABELS,
        "admin_kind": ADMIN_KIND_LABELS,
        "account_source": ACCOUNT_SOURCE_LABELS,
        "it_systems.status": SYSTEM_STATUS_LABELS,
        "holder_kind": HOLDER_KIND_LABELS,
        "access_orders.kind": ORDER_KIND_LABELS,
        "access_tasks.status": TASK_STATUS_LABELS,
        "access_reviews.status": REVIEW_STATUS_LABELS,
        "decision": DECISION_LABELS,
    },
    references={
        "user_id": "users",
        "recipient_id": "recipients",
        "municipality_id": "municipalities",
        "unit_id": "units",
        "system_id": "it_systems",
        "role_id": "system_roles",
        "replaces_id": "access_grants",
        "made_grant_id": "access_grants",
    },
)
