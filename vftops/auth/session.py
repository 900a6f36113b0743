"""Flask-Login wiring: cookie sessions for people, bearer tokens for programs."""

from __future__ import annotations

from flask import g, request, session
from flask_babel import lazy_gettext as _l

from vftops.core.validation import digits
from vftops.extensions import login_manager


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    # The session cookie carries a per-user nonce (User.get_id); "basic" protection
    # marks it non-fresh when the browser changes, without logging people out.
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_key: str):
    """The user of this browser session, if its server-side session is still open."""
    from vftops.auth.operations import find_login_session

    user_id, _, nonce = user_key.partition(":")
    if not digits(user_id) or not nonce:
        return None
    row = find_login_session(session.get("sid"))
    if row is None or row.user_id != int(user_id):
        return None
    user = row.user
    if not user.is_active_user or user.session_nonce != nonce:
        return None
    g.auth_via = "session"
    return user


@login_manager.request_loader
def load_user_from_request(req):
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or not request.path.startswith("/api/"):
        return None
    from vftops.auth.operations import user_for_token

    user = user_for_token(token.strip())
    if user is not None:
        g.auth_via = "token"
    return user
