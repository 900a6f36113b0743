"""How users, logins and API tokens read in the audit log: object kinds, actions,
fields and coded values."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.auth.models import ApiToken, User
from vftops.auth.queries import visible_users
from vftops.core.audit import names_from
from vftops.core.modules import AuditObject, AuditTexts
from vftops.core.permissions import ROLE_LABELS


def _visible(reader):
    """The people the reader may see: those who share a municipality with them."""
    return visible_users(reader).with_only_columns(User.id).options()


def _visible_tokens(reader):
    return select(ApiToken.id).where(ApiToken.user_id.in_(_visible(reader)))


ACTIONS = {
    "auth.login": _l("Logged in"),
    "auth.login_failed": _l("Failed login"),
    "auth.logout": _l("Logged out"),
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
    "user.create": _l("User created"),
    "user.update": _l("User changed"),
    "user.profile": _l("Own profile changed"),
    "user.activate": _l("User activated"),
    "user.deactivate": _l("User deactivated"),
    "user.password_change": _l("Own password changed"),
    "user.password_reset": _l("Password set by administrator"),
}

TEXTS = AuditTexts(
    objects={
        "users": AuditObject(
            _l("User"),
            names_from(User, User.full_name, User.username, fmt="{} ({})", visible=_visible),
            "auth.user_detail",
            "user_id",
            "users.view",
        ),
        "api_tokens": AuditObject(
            _l("API token"),
            names_from(ApiToken, ApiToken.name, visible=_visible_tokens),
            permission="users.view",
        ),
    },
    actions=ACTIONS,
    fields={
        "username": _l("Username"),
        "full_name": _l("Full name"),
        "email": _l("E-mail"),
        "locale": _l("Language"),
        "is_active_user": _l("Active"),
        "roles": _l("Roles"),
        "municipality_ids": _l("Municipalities"),
        "unit_ids": _l("Units"),
        "password": _l("Password"),
        "expires_at": _l("Expires"),
    },
    values={
        "roles": {str(k): v for k, v in ROLE_LABELS.items()},
        "locale": {"nb": "Norsk bokmål", "en": "English"},
    },
    references={"municipality_ids": "municipalities", "unit_ids": "units"},
)
