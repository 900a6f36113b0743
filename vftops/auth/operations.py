"""The only code that changes users, roles, memberships and API tokens."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import timedelta

from blinker import Namespace
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from vftops.auth.models import ApiToken, LoginSession, User, UserRole, new_session_nonce
from vftops.auth.passwords import check_password_rules, hash_password, verify_password
from vftops.auth.queries import reaches_every_municipality
from vftops.core import audit
from vftops.core.db import check_version, is_writing, operation
from vftops.core.errors import ConflictError, PermissionDeniedError, ValidationError
from vftops.core.models import utcnow
from vftops.core.permissions import Role
from vftops.core.scope import forget_scope, municipality_ids
from vftops.extensions import db
from vftops.org.models import Membership, Unit, UnitMembership

log = logging.getLogger(__name__)
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
AUDITED_USER_FIELDS = ("username", "full_name", "email", "locale", "is_active_user")
TOKEN_PREFIX = "vft_"  # noqa: S105 - a public marker, not a secret

_signals = Namespace()
# Sent when a user is created, or their roles, memberships or status change, in the same
# savepoint, with `actor`. A module that keeps a register of who may do what in vftops
# (access control) connects to it.
user_access_changed = _signals.signal("user-access-changed")


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def _user_state(user: User) -> dict:
    state = audit.snapshot(user, AUDITED_USER_FIELDS)
    state["roles"] = sorted(r.role for r in user.role_rows)
    state["municipality_ids"] = sorted(m.municipality_id for m in user.memberships)
    state["unit_ids"] = sorted(m.unit_id for m in user.unit_memberships)
    return state


def _validated_roles(roles) -> list[str]:
    try:
        return sorted({Role(r).value for r in roles})
    except ValueError as exc:
        raise ValidationError(_l("Unknown role."), fields={"roles": [_l("Unknown role.")]}) from exc


def _validated_memberships(actor: User, municipality_ids_wanted, unit_ids_wanted):
    wanted = {int(m) for m in municipality_ids_wanted}
    allowed = municipality_ids(actor)
    if not wanted <= allowed:
        message = _l("You can only give access to municipalities you are a member of yourself.")
        raise ValidationError(message, fields={"municipality_ids": [message]})
    unit_ids = {int(u) for u in unit_ids_wanted}
    if unit_ids:
        units = db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids))).all()
        if len(units) != len(unit_ids) or any(u.municipality_id not in wanted for u in units):
            message = _l("A unit must belong to one of the user's municipalities.")
            raise ValidationError(message, fields={"unit_ids": [message]})
    return wanted, unit_ids


def _validate_username(username: str) -> str:
    username = normalise_username(username)
    if not USERNAME_RE.match(username):
        message = _l(
            "Use 2–64 characters: lower-case letters a–z, digits, dot, hyphen or underscore."
        )
        raise ValidationError(message, fields={"username": [message]})
    return username


def _sync_roles(user: User, roles: list[str]) -> None:
    current = {r.role: r for r in user.role_rows}
    for role, row in current.items():
        if role not in roles:
            user.role_rows.remove(row)
    for role in roles:
        if role not in current:
            user.role_rows.append(UserRole(role=role))


def _sync_memberships(user: User, municipality_ids_: set[int], unit_ids: set[int], actor: User):
    """Replace the memberships the actor can see; leave other municipalities alone."""
    visible = municipality_ids(actor)
    for m in list(user.memberships):
        if m.municipality_id in visible and m.municipality_id not in municipality_ids_:
            user.memberships.remove(m)
    have = {m.municipality_id for m in user.memberships}
    for mid in sorted(municipality_ids_ - have):
        user.memberships.append(Membership(municipality_id=mid))
    visible_units = set(
        db.session.scalars(select(Unit.id).where(Unit.municipality_id.in_(visible)))
    )
    for um in list(user.unit_memberships):
        if um.unit_id in visible_units and um.unit_id not in unit_ids:
            user.unit_memberships.remove(um)
    have_units = {um.unit_id for um in user.unit_memberships}
    for uid in sorted(unit_ids - have_units):
        user.unit_memberships.append(UnitMembership(unit_id=uid))
    forget_scope()


def can_manage(actor: User | None, user: User) -> bool:
    """An administrator manages only people who work solely in their own municipalities.

    Roles, passwords and the active flag reach every municipality a person
    belongs to; changing them needs a say in all of them. A person who belongs to
    no municipality could be given any of them, so only an administrator who is a
    member of every municipality manages them («no memberships» is not a subset
    of everyone's).
    """
    if actor is None:  # the command line on the server
        return True
    theirs = {m.municipality_id for m in user.memberships}
    if not theirs:
        return reaches_every_municipality(actor)
    return theirs <= municipality_ids(actor)


def _memberships_after(actor: User, user: User, wanted: set[int]) -> set[int]:
    """The person's municipalities after a save: those the actor cannot see stay."""
    visible = municipality_ids(actor)
    return wanted | {
        m.municipality_id for m in user.memberships if m.municipality_id not in visible
    }


def _check_keeps_a_municipality(actor: User | None, kept: set[int]) -> None:
    """Only someone who would still manage them may leave a person without municipality."""
    if not kept and not reaches_every_municipality(actor):
        message = _l("Choose at least one municipality. To end a person's access, deactivate them.")
        raise ValidationError(message, fields={"municipality_ids": [message]})


def _check_can_manage(actor: User | None, user: User) -> None:
    if not can_manage(actor, user):
        raise PermissionDeniedError(
            _l(
                "This person also works in municipalities you do not administer. "
                "An administrator who is a member of all of them must make this change."
            )
        )


def _active_admin_count() -> int:
    return db.session.scalar(
        select(func.count(User.id))
        .join(UserRole)
        .where(UserRole.role == Role.ADMIN.value, User.is_active_user.is_(True))
    )


@operation
def create_user(
    actor: User | None,
    *,
    username: str,
    full_name: str,
    password: str,
    email: str | None = None,
    roles=(),
    municipality_ids=(),
    unit_ids=(),
    locale: str = "nb",
) -> User:
    """Create a login. `actor` None means the command line (create-admin, demo)."""
    username = _validate_username(username)
    full_name = (full_name or "").strip()
    if not full_name:
        message = _l("Enter the person's full name.")
        raise ValidationError(message, fields={"full_name": [message]})
    check_password_rules(password, username=username)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        message = _l("The username %(username)s is already taken.", username=username)
        raise ConflictError(message, fields={"username": [message]})
    role_values = _validated_roles(roles)
    if actor is not None:
        mids, uids = _validated_memberships(actor, municipality_ids, unit_ids)
        _check_keeps_a_municipality(actor, mids)
    else:
        mids, uids = {int(m) for m in municipality_ids}, {int(u) for u in unit_ids}
    user = User(
        username=username,
        full_name=full_name,
        email=(email or "").strip() or None,
        password_hash=hash_password(password),
        locale=locale if locale in current_app.config["LANGUAGES"] else "nb",
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    _sync_roles(user, role_values)
    for mid in sorted(mids):
        user.memberships.append(Membership(municipality_id=mid))
    for uid in sorted(uids):
        user.unit_memberships.append(UnitMembership(unit_id=uid))
    db.session.flush()
    audit.record(
        actor,
        "user.create",
        user,
        f"Bruker {user.username} opprettet",
        changes=audit.diff({}, _user_state(user)),
    )
    user_access_changed.send(user, actor=actor)
    return user


@operation
def update_user(
    actor: User,
    user: User,
    *,
    full_name: str,
    email: str | None,
    roles,
    municipality_ids,
    unit_ids,
    locale: str | None = None,
    expected_version: int | None = None,
) -> User:
    check_version(user, expected_version)
    _check_can_manage(actor, user)
    before = _user_state(user)
    full_name = (full_name or "").strip()
    if not full_name:
        message = _l("Enter the person's full name.")
        raise ValidationError(message, fields={"full_name": [message]})
    role_values = _validated_roles(roles)
    if (
        Role.ADMIN.value in before["roles"]
        and Role.ADMIN.value not in role_values
        and user.is_active_user
        and _active_admin_count() <= 1
    ):
        message = _l("This is the last active administrator; the role cannot be removed.")
        raise ConflictError(message, fields={"roles": [message]})
    mids, uids = _validated_memberships(actor, municipality_ids, unit_ids)
    _check_keeps_a_municipality(actor, _memberships_after(actor, user, mids))
    user.full_name = full_name
    user.email = (email or "").strip() or None
    if locale in current_app.config["LANGUAGES"]:
        user.locale = locale
    _sync_roles(user, role_values)
    _sync_memberships(user, mids, uids, actor)
    db.session.flush()
    changes = audit.diff(before, _user_state(user))
    if changes:
        # Roles and memberships live in other tables; touching the user row bumps
        # its version so two admins editing the same user cannot interleave.
        user.updated_at = utcnow()
        audit.record(actor, "user.update", user, f"Bruker {user.username} endret", changes=changes)
        if {"roles", "municipality_ids", "unit_ids"} & set(changes):
            user_access_changed.send(user, actor=actor)
    return user


@operation
def set_user_active(
    actor: User, user: User, active: bool, *, expected_version: int | None = None
) -> User:
    check_version(user, expected_version)
    _check_can_manage(actor, user)
    if user.is_active_user == active:
        return user
    if not active:
        if user.id == actor.id:
            raise ConflictError(_l("You cannot deactivate yourself."))
        if user.has_role(Role.ADMIN) and _active_admin_count() <= 1:
            raise ConflictError(
                _l("This is the last active administrator and cannot be deactivated.")
            )
    before = audit.snapshot(user, ("is_active_user",))
    user.is_active_user = active
    user.session_nonce = new_session_nonce()  # ends any open session
    if not active:
        _end_login_sessions(user)
    audit.record(
        actor,
        "user.activate" if active else "user.deactivate",
        user,
        f"Bruker {user.username} {'aktivert' if active else 'deaktivert'}",
        changes=audit.diff(before, audit.snapshot(user, ("is_active_user",))),
    )
    user_access_changed.send(user, actor=actor)
    return user


@operation
def reset_password(actor: User, user: User, new_password: str) -> User:
    _check_can_manage(actor, user)
    check_password_rules(new_password, username=user.username, field="new_password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_nonce = new_session_nonce()
    _end_login_sessions(user)
    # A reset usually means the account may be in the wrong hands: tokens go too.
    now = utcnow()
    for token in db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now
    audit.record(
        actor,
        "user.password_reset",
        user,
        f"Passord for {user.username} satt av administrator",
        changes={"password": {"before": "***", "after": "***"}},
    )
    return user


@operation
def change_own_password(
    user: User, current_password: str, new_password: str, *, keep_sid: str | None = None
) -> User:
    if not verify_password(user.password_hash, current_password):
        message = _l("The current password is wrong.")
        raise ValidationError(message, fields={"current_password": [message]})
    check_password_rules(new_password, username=user.username, field="new_password")
    if verify_password(user.password_hash, new_password):
        message = _l("Choose a password that differs from the current one.")
        raise ValidationError(message, fields={"new_password": [message]})
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_nonce = new_session_nonce()  # other sessions end; the view logs in again
    _end_login_sessions(user, keep_sid=keep_sid)
    audit.record(
        user,
        "user.password_change",
        user,
        f"{user.username} endret sitt passord",
        changes={"password": {"before": "***", "after": "***"}},
    )
    return user


@operation
def update_profile(user: User, *, full_name: str, email: str | None, locale: str) -> User:
    before = audit.snapshot(user, ("full_name", "email", "locale"))
    full_name = (full_name or "").strip()
    if not full_name:
        message = _l("Enter the person's full name.")
        raise ValidationError(message, fields={"full_name": [message]})
    if locale not in current_app.config["LANGUAGES"]:
        message = _l("Unknown language.")
        raise ValidationError(message, fields={"locale": [message]})
    user.full_name = full_name
    user.email = (email or "").strip() or None
    user.locale = locale
    changes = audit.diff(before, audit.snapshot(user, ("full_name", "email", "locale")))
    if changes:
        audit.record(
            user, "user.profile", user, f"{user.username} endret profilen", changes=changes
        )
    return user


def find_user_for_login(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


@operation
def authenticate(username: str, password: str) -> User | None:
    """The user if username and password match an active account, else None.

    An unknown user, a wrong password and a deactivated account look the same
    from outside and take about the same time.
    """
    user = find_user_for_login(username)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        return None
    if not ok or not user.is_active_user:
        audit.record(user, "auth.login_failed", user, f"Mislykket innlogging for {user.username}")
        return None
    # Bookkeeping, not an edit: written past the row's version, so two logins to one
    # account at the same moment (a shared desk account, a double click) never conflict.
    now = utcnow()
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(last_login_at=now)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(user, "last_login_at", now)
    audit.record(user, "auth.login", user, f"{user.username} logget inn")
    return user


def _sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


@operation
def start_login_session(user: User) -> str:
    """A new server-side session for a browser login; returns the id for the cookie."""
    sid = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, sid_hash=_sid_hash(sid)))
    return sid


def find_login_session(sid: str | None) -> LoginSession | None:
    """The open login session behind a cookie's id, with its user (one query)."""
    if not sid:
        return None
    return db.session.scalar(
        select(LoginSession)
        .options(joinedload(LoginSession.user))
        .where(LoginSession.sid_hash == _sid_hash(sid), LoginSession.ended_at.is_(None))
    )


def _end_login_sessions(user: User, *, keep_sid: str | None = None) -> None:
    stmt = select(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)
    )
    if keep_sid:
        stmt = stmt.where(LoginSession.sid_hash != _sid_hash(keep_sid))
    now = utcnow()
    for row in db.session.scalars(stmt):
        row.ended_at = now


@operation
def logout(user: User, sid: str | None) -> None:
    """End this browser's session on the server: a copy of the cookie stops working."""
    row = find_login_session(sid)
    if row is not None and row.user_id == user.id:
        row.ended_at = utcnow()
    audit.record(user, "auth.logout", user, f"{user.username} logget ut")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@operation
def create_api_token(
    actor: User | None, user: User, *, name: str, days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a personal token; the plain token is returned once and never stored."""
    if actor is not None and actor.id != user.id:
        raise PermissionDeniedError(_l("You can only create tokens for yourself."))
    name = (name or "").strip()
    if not name:
        message = _l("Give the token a name, e.g. what it is used for.")
        raise ValidationError(message, fields={"name": [message]})
    max_days = current_app.config["API_TOKEN_MAX_DAYS"]
    days = days if days is not None else current_app.config["API_TOKEN_DEFAULT_DAYS"]
    if not 1 <= days <= max_days:
        message = _l("The token must expire within 1 to %(n)d days.", n=max_days)
        raise ValidationError(message, fields={"days": [message]})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=hash_token(plain),
        prefix=plain[:12],
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    audit.record(
        actor or user,
        "api_token.create",
        token,
        f"API-nøkkel «{name}» opprettet for {user.username}",
        changes={
            "name": {"before": None, "after": name},
            "expires_at": {"before": None, "after": token.expires_at.isoformat()},
        },
    )
    return token, plain


@operation
def revoke_api_token(actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.id:
        raise PermissionDeniedError(_l("You can only revoke your own tokens."))
    if token.revoked_at is not None:
        return token
    token.revoked_at = utcnow()
    audit.record(actor, "api_token.revoke", token, f"API-nøkkel «{token.name}» trukket tilbake")
    return token


def user_for_token(plain: str) -> User | None:
    """The active user behind a usable token, or None."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    if token is None or not token.is_usable or not token.user.is_active_user:
        return None
    now = utcnow()
    # At most once a minute, and in a transaction of its own: the request may be a
    # read, and noting when a token was used must never make it fail or conflict.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        _note_token_use(token.id, now)
    return token.user


def _note_token_use(token_id: int, now) -> None:
    statement = (
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - timedelta(minutes=1),
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    if is_writing():  # this request's transaction holds the write lock already
        db.session.execute(statement)
        return
    try:
        with db.engine.begin() as conn:
            conn.execution_options(bookkeeping=True).execute(statement)
    except OperationalError:  # the database was busy for longer than its timeout
        log.warning("Could not note the use of API token %s", token_id, exc_info=True)


def editable_memberships(actor: User, user: User) -> tuple[list[int], list[int]]:
    """The user's memberships that the actor can see and therefore edit."""
    visible = municipality_ids(actor)
    mids = sorted(m.municipality_id for m in user.memberships if m.municipality_id in visible)
    uids = sorted(um.unit_id for um in user.unit_memberships if um.unit.municipality_id in visible)
    return mids, uids
