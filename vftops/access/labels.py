"""The words for access control's coded values, in the reader's language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vftops.access.models import (
    AccessGrant,
    Decision,
    HolderKind,
    OrderKind,
    ReviewStatus,
    ReviewWarning,
    TaskAction,
    TaskStatus,
)
from vftops.equipment.permissions import RECIPIENTS_VIEW
from vftops.systems.models import AccountSource, AdminKind, JobFunction, SystemKind, SystemStatus

SYSTEM_KIND_LABELS = {
    SystemKind.RESPONSE_CENTRE: _l("Response-centre solution"),
    SystemKind.DISPENSER_PORTAL: _l("Medicine dispenser portal"),
    SystemKind.REMOTE_CARE: _l("Remote-care system or EPJ"),
    SystemKind.MDM: _l("Mobile device management (MDM)"),
    SystemKind.HUB: _l("Hub or gateway platform"),
    SystemKind.SUPPLIER_PORTAL: _l("Supplier portal"),
    SystemKind.VFTOPS: _l("vftops"),
    SystemKind.OTHER: _l("Other"),
}

ADMIN_KIND_LABELS = {
    AdminKind.USER: _l("A person"),
    AdminKind.TEAM: _l("A team"),
    AdminKind.SUPPLIER: _l("The supplier, on the system owner's order"),
}

ACCOUNT_SOURCE_LABELS = {
    AccountSource.LOCAL: _l("Made in the system"),
    AccountSource.DIRECTORY: _l("From the municipality's directory"),
    AccountSource.SUPPLIER: _l("Made by the supplier"),
}

SYSTEM_STATUS_LABELS = {
    SystemStatus.PLANNED: _l("Planned"),
    SystemStatus.ACTIVE: _l("In use"),
    SystemStatus.RETIRED: _l("Retired"),
}

JOB_LABELS = {
    JobFunction.TECHNICIAN: _l("Technician"),
    JobFunction.HOME_CARE_NURSE: _l("Nurse in home care"),
    JobFunction.RESPONSE_CENTRE: _l("Response-centre operator"),
    JobFunction.SERVICEDESK: _l("Service desk"),
    JobFunction.IT: _l("IT operations"),
    JobFunction.UNIT_MANAGER: _l("Unit manager"),
    JobFunction.SUPPLIER: _l("Supplier's staff"),
    JobFunction.RELATIVE: _l("Relative"),
    JobFunction.RECIPIENT: _l("Recipient"),
}

HOLDER_KIND_LABELS = {
    HolderKind.USER: _l("Employee with a vftops login"),
    HolderKind.PERSON: _l("Employee or other person without a login"),
    HolderKind.RELATIVE: _l("Relative of a recipient"),
    HolderKind.RECIPIENT: _l("Recipient"),
}

ORDER_KIND_LABELS = {
    OrderKind.ACCESS: _l("Access"),
    OrderKind.LEAVER: _l("Leaver"),
}

TASK_ACTION_LABELS = {
    TaskAction.GRANT: _l("Give access"),
    TaskAction.END: _l("End access"),
    TaskAction.CHANGE: _l("Change role"),
}

TASK_STATUS_LABELS = {
    TaskStatus.OPEN: _l("Open"),
    TaskStatus.DONE: _l("Done"),
    TaskStatus.REFUSED: _l("Refused"),
}

REVIEW_STATUS_LABELS = {
    ReviewStatus.DRAFT: _l("Draft"),
    ReviewStatus.RUNNING: _l("Running"),
    ReviewStatus.CLOSED: _l("Closed"),
}

DECISION_LABELS = {
    Decision.KEEP: _l("Keep"),
    Decision.END: _l("End"),
    Decision.CHANGE: _l("Change role"),
}

WARNING_LABELS = {
    ReviewWarning.DEACTIVATED: _l("Login closed"),
    ReviewWarning.NOT_IN_LIST: _l("Not in the system's last account list"),
    ReviewWarning.UNUSUAL_ROLE: _l("Role not normal for the job"),
    ReviewWarning.PRIVILEGED: _l("Privileged"),
}


def holder_label(grant: AccessGrant, reader) -> str:
    """Who holds a grant, as `reader` may read it: a recipient's or a relative's name only
    for those who may see recipients; others read the recipient's number."""
    if grant.holder_kind in (HolderKind.RECIPIENT, HolderKind.RELATIVE) and not (
        reader is not None and reader.can(RECIPIENTS_VIEW)
    ):
        if grant.holder_kind == HolderKind.RECIPIENT:
            return _("Recipient %(id)s", id=grant.recipient_id or "–")
        return _("Relative of recipient %(id)s", id=grant.recipient_id or "–")
    return grant.holder_name
