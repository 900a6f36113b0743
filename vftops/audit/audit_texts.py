"""How the log's own entries read in the audit log: object kinds, actions,
fields and coded values."""

from flask_babel import lazy_gettext as _l

from vftops.core.modules import AuditTexts

ACTIONS = {
    "audit.redact": _l("Personal data removed from the log"),
}

TEXTS = AuditTexts(actions=ACTIONS)
