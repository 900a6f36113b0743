"""People who log in to vftops, their roles, and their API tokens."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    exists,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vftops.core.models import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from vftops.core.permissions import Permission, Role, permissions_for
from vftops.extensions import db
from vftops.org.models import Membership, UnitMembership

ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)


def new_session_nonce() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, TimestampMixin, VersionedMixin, db.Model):
    """An employee with a login (not a recipient of welfare technology).

    Users are never deleted, only deactivated: the audit log keeps pointing at them.
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("username = lower(username)", name="username_lower_case"),
        CheckConstraint("locale IN ('nb', 'en')", name="known_locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    full_name: Mapped[str] = mapped_column(String(120), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    locale: Mapped[str] = mapped_column(
        String(5), nullable=False, default="nb", server_default="nb"
    )
    is_active_user: Mapped[bool] = mapped_column(
        "is_active", Boolean, nullable=False, default=True, server_default=true()
    )
    # Changing the password or deactivating the user rotates the nonce, which ends
    # every session and makes old session cookies worthless.
    session_nonce: Mapped[str] = mapped_column(
        String(32), nullable=False, default=new_session_nonce
    )
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    unit_memberships: Mapped[list[UnitMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    api_tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.is_active_user

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def roles(self) -> set[Role]:
        return {Role(r.role) for r in self.role_rows}

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_for(self.roles)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def member_of(self) -> frozenset[int]:
        """The municipalities the user is a member of, read now (the tenancy scope,
        `vftops.core.scope.municipality_ids`, keeps it for the request)."""
        return frozenset(
            db.session.scalars(
                select(Membership.municipality_id).where(Membership.user_id == self.id)
            )
        )

    # The tenancy scope (vftops.core.scope): a person is in the municipalities they are
    # a member of, so a reader may name a colleague who shares one of them.
    @classmethod
    def scope_clause(cls, municipality_ids):
        return exists().where(
            Membership.user_id == cls.id, Membership.municipality_id.in_(municipality_ids)
        )

    @property
    def served_municipality_ids(self) -> frozenset[int]:
        return self.member_of()

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})"


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint(f"role IN ({ROLE_VALUES})", name="known_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(TimestampMixin, db.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # The first characters, so a person can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship(back_populates="api_tokens")

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > utcnow()


class LoginSession(db.Model):
    """One browser login. Logging out ends it on the server, so a copied cookie dies too.

    Only the SHA-256 of the session id is stored; the id itself lives in the
    signed session cookie.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    sid_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship()


class DigestLog(db.Model):
    """One row per person and day the daily digest was sent: `notify` runs once a day."""

    __tablename__ = "digest_logs"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    items: Mapped[int] = mapped_column(Integer, nullable=False)
