"""Roles, permissions and the one check that pages and the API share.

A role is a set of permissions; a user may hold several roles. Each module declares its
own permissions, with the roles that hold them (`<package>/permissions.py`). A view or API
endpoint names the permission it needs with `@require(...)`; the object it then loads goes
through the municipality scope (`vftops.core.scope`).
"""

from __future__ import annotations

import enum
from functools import wraps
from typing import Any

from flask import abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user


class Role(enum.StrEnum):
    ADMIN = "admin"
    IT = "it"
    SERVICEDESK = "servicedesk"
    TECHNICIAN = "technician"
    PROCUREMENT = "procurement"
    MANAGER = "manager"
    AUDITOR = "auditor"


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.IT: _l("IT operations"),
    Role.SERVICEDESK: _l("Service desk"),
    Role.TECHNICIAN: _l("Technician"),
    Role.PROCUREMENT: _l("Procurement"),
    Role.MANAGER: _l("Unit manager"),
    Role.AUDITOR: _l("Auditor (read only)"),
}


class Permission(str):
    """A permission a module declares (in its `permissions.py`, listed in its `module.py`):
    its code, what it allows in words, and the roles that hold it. The administrator holds
    every permission and the auditor every «.view» permission without being named.

    It is its code, so a template asks `current_user.can('stock.view')`.
    """

    label: Any
    roles: frozenset[Role]

    def __new__(cls, code: str, label, roles=()):
        obj = super().__new__(cls, code)
        obj.label = label
        obj.roles = frozenset(Role(r) for r in roles)
        return obj

    @property
    def value(self) -> str:
        return str(self)


EVERYONE = tuple(Role)

# Every permission of the registered modules, by code, in the order the modules declared them.
_DECLARED: dict[str, Permission] = {}


def declare(permissions) -> None:
    """Make a module's permissions known (`vftops.core.modules.register`). Declaring one
    again is harmless; two different permissions with one code are an error."""
    for permission in permissions:
        known = _DECLARED.get(str(permission))
        if known is not None and known is not permission:
            raise ValueError(f"two permissions are declared as {permission!s}")
        _DECLARED[str(permission)] = permission
    _roles_cache.clear()


def declared_permissions() -> tuple[Permission, ...]:
    return tuple(_DECLARED.values())


def holds(role: Role, permission: Permission) -> bool:
    role = Role(role)
    return (
        role == Role.ADMIN
        or (role == Role.AUDITOR and str(permission).endswith(".view"))
        or role in permission.roles
    )


def role_permissions() -> dict[Role, frozenset[Permission]]:
    """The role matrix, from the declarations. README.md shows the same table; tests walk
    it against every endpoint."""
    return {role: frozenset(p for p in _DECLARED.values() if holds(role, p)) for role in Role}


def roles_with(*permissions: Permission) -> list[str]:
    """The roles that hold any of the permissions."""
    return [r.value for r in Role if any(holds(r, p) for p in permissions)]


_roles_cache: dict[frozenset[str], frozenset[Permission]] = {}


def permissions_for(roles) -> frozenset[Permission]:
    key = frozenset(str(r) for r in roles)
    found = _roles_cache.get(key)
    if found is None:
        found = frozenset(p for p in _DECLARED.values() if any(holds(Role(r), p) for r in key))
        _roles_cache[key] = found
    return found


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def require(*permissions: Permission):
    """Allow the view only to a logged-in user holding every named permission.

    Anonymous: pages redirect to the login page, the API answers 401.
    Logged in without the permission: 403 for both.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if is_api_request():
                    abort(401)
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not all(current_user.can(p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permissions = permissions  # read by the permission-matrix test
        return wrapped

    return decorator


def require_any(*permissions: Permission):
    """`require` for a page two kinds of people use, each by their own permission (a unit
    manager's orders and the register's keepers): allowed holding any one of them. What
    each then sees is the view's and its reads' business."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if is_api_request():
                    abort(401)
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not any(current_user.can(p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permissions = permissions
        wrapped.any_permission = True  # one of them is enough
        return wrapped

    return decorator


def may_open(view) -> bool:
    """Does the current user hold what `view` requires (its `@require` or `@require_any`)?"""
    needed = getattr(view, "required_permissions", ())
    if getattr(view, "any_permission", False):
        return any(current_user.can(p) for p in needed)
    return all(current_user.can(p) for p in needed)


def login_required(view):
    """Any logged-in user (own account pages, start page)."""
    return require()(view)
