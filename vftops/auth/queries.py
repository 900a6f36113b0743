"""Which users an administrator or IT may see, with what they need eager-loaded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import abort
from sqlalchemy import exists, false, or_, select
from sqlalchemy.orm import selectinload

from vftops.auth.models import ApiToken, User, UserRole
from vftops.auth.permissions import USERS_MANAGE
from vftops.core.permissions import roles_with
from vftops.core.scope import get_scoped_or_404, id_or_404, municipality_ids, scoped
from vftops.extensions import db
from vftops.org.models import Membership, Municipality, UnitMembership


def reaches_every_municipality(actor) -> bool:
    """Is the actor a member of every municipality of the installation?

    Such a person is «without municipality restriction»: they alone see and manage
    people who belong to no municipality, because such a person could be given
    access to any of them. (In a new installation without municipalities, the
    first administrator is.)
    """
    if actor is None:  # the command line on the server
        return True
    return set(db.session.scalars(select(Municipality.id))) <= municipality_ids(actor)


def visible_users(actor) -> object:
    """Users who share a municipality with the actor; those who belong to none are
    seen only by someone who is a member of every municipality."""
    mine = municipality_ids(actor)
    shares = exists().where(Membership.user_id == User.id, Membership.municipality_id.in_(mine))
    condition = shares
    if reaches_every_municipality(actor):
        condition = or_(shares, ~exists().where(Membership.user_id == User.id))
    return (
        select(User)
        .where(condition)
        .options(
            selectinload(User.role_rows),
            selectinload(User.memberships).selectinload(Membership.municipality),
            selectinload(User.unit_memberships).selectinload(UnitMembership.unit),
        )
    )


def filter_users(stmt, *, q: str | None = None, role: str | None = None, status: str = "active"):
    if q and q.strip():
        needle = q.strip().lower()
        stmt = stmt.where(
            or_(
                User.username.contains(needle, autoescape=True),
                db.func.lower(User.full_name).contains(needle, autoescape=True),
            )
        )
    if role:
        stmt = stmt.where(exists().where(UserRole.user_id == User.id, UserRole.role == role))
    if status == "active":
        stmt = stmt.where(User.is_active_user.is_(True))
    elif status == "inactive":
        stmt = stmt.where(User.is_active_user.is_(False))
    return stmt


def user_list(actor, *, q=None, role=None, status="active", municipality_id=None):
    """The API's list of the users the actor may see, filtered as `filter_users` does and
    to the members of one municipality (one of the actor's: another's staff are not
    listed): a SELECT to page."""
    stmt = filter_users(visible_users(actor), q=q, role=role, status=status)
    if municipality_id:
        if municipality_id not in municipality_ids(actor):
            stmt = stmt.where(false())
        stmt = stmt.where(
            exists().where(
                Membership.user_id == User.id, Membership.municipality_id == municipality_id
            )
        )
    return stmt


def get_visible_user_or_404(actor, user_id: int) -> User:
    user = db.session.scalars(visible_users(actor).where(User.id == id_or_404(user_id))).first()
    if user is None:
        abort(404)
    return user


def tokens_of(user) -> list[ApiToken]:
    """The user's own API tokens, newest first."""
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ).all()


def own_token_or_404(user, token_id) -> ApiToken:
    """One of the user's own API tokens; anyone else's answers 404."""
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == id_or_404(token_id), ApiToken.user_id == user.id)
    )
    if token is None:
        abort(404)
    return token


# --- the start page -------------------------------------------------------------------


def users_without_municipality(actor, _now) -> list[User] | None:
    """Active users the administrator can see who are members of no municipality."""
    if not actor.can(USERS_MANAGE):
        return None
    no_membership = ~exists().where(Membership.user_id == User.id)
    return db.session.scalars(
        visible_users(actor)
        .where(no_membership, User.is_active_user.is_(True))
        .order_by(User.full_name)
    ).all()


def users_never_logged_in(actor, _now) -> list[User] | None:
    """The 20 oldest active accounts nobody has logged in to."""
    if not actor.can(USERS_MANAGE):
        return None
    return db.session.scalars(
        visible_users(actor)
        .where(User.last_login_at.is_(None), User.is_active_user.is_(True))
        .order_by(User.created_at)
        .limit(20)
    ).all()


def expiring_tokens(user, now) -> list[ApiToken]:
    """The user's own API tokens that expire within 14 days."""
    return db.session.scalars(
        select(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
            ApiToken.expires_at < now + timedelta(days=14),
        )
        .order_by(ApiToken.expires_at)
    ).all()


def active_members(municipality, _user) -> list[User]:
    """A municipality's page: its active members by name, with their roles."""
    return db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.municipality_id == municipality.id, User.is_active_user.is_(True))
        .options(selectinload(User.role_rows))
        .order_by(User.full_name)
    ).all()


def active_colleagues(user) -> list[User]:
    """Active people who share a municipality with the user, by name."""
    return db.session.scalars(
        scoped(select(User), User, user)
        .where(User.is_active_user.is_(True))
        .order_by(User.full_name)
    ).all()


def colleague_or_404(user, reference) -> User:
    """A person who shares a municipality with the user, by id or by username; anyone
    else answers 404."""
    if isinstance(reference, int):
        return get_scoped_or_404(User, reference, user)
    found = db.session.scalars(
        scoped(select(User), User, user).where(User.username == str(reference).lower())
    ).first()
    if found is None:
        abort(404)
    return found


def active_users_with(*permissions, municipalities: Iterable[int]) -> list[User]:
    """Active members of any of the municipalities who hold any of the permissions, by
    name: whom a ticket, a visit or a team member may be given to."""
    roles = roles_with(*permissions)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.is_active_user.is_(True),
                User.id.in_(
                    select(Membership.user_id).where(
                        Membership.municipality_id.in_(list(municipalities))
                    )
                ),
                User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles))),
            )
            .order_by(User.full_name, User.id)
        )
    )
