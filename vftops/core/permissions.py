"""Roles, permissions and the one check that pages and the API share.

A role is a set of permissions; a user may hold several roles. A view or API
endpoint names the permission it needs with `@require(...)`; the object it then
loads goes through the municipality scope (`vftops.core.scope`).
"""

from __future__ import annotations

import enum
from functools import wraps

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


class Permission(enum.StrEnum):
    ORG_VIEW = "org.view"
    ORG_MANAGE = "org.manage"
    USERS_VIEW = "users.view"
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"
    EQUIPMENT_VIEW = "equipment.view"
    CATALOGUE_MANAGE = "catalogue.manage"
    DEVICES_MANAGE = "devices.manage"
    PLACEMENTS_MANAGE = "placements.manage"
    RECIPIENTS_VIEW = "recipients.view"
    RECIPIENTS_MANAGE = "recipients.manage"
    STOCK_VIEW = "stock.view"
    STOCK_MANAGE = "stock.manage"
    STORES_MANAGE = "stores.manage"
    ORDERS_MANAGE = "orders.manage"
    TICKETS_VIEW = "tickets.view"
    TICKETS_CREATE = "tickets.create"
    TICKETS_MANAGE = "tickets.manage"
    SUPPORT_CONFIGURE = "support.configure"
    TESTS_RECORD = "tests.record"


PERMISSION_LABELS = {
    Permission.ORG_VIEW: _l("See municipalities and units"),
    Permission.ORG_MANAGE: _l("Create and change municipalities and units"),
    Permission.USERS_VIEW: _l("See users, their roles and memberships"),
    Permission.USERS_MANAGE: _l("Create, change and deactivate users"),
    Permission.AUDIT_VIEW: _l("Read the audit log"),
    Permission.EQUIPMENT_VIEW: _l("See products, devices and their history"),
    Permission.CATALOGUE_MANAGE: _l("Keep the product catalogue and suppliers"),
    Permission.DEVICES_MANAGE: _l("Receive, import and change devices"),
    Permission.PLACEMENTS_MANAGE: _l("Install, return and replace devices"),
    Permission.RECIPIENTS_VIEW: _l("See recipients and their devices"),
    Permission.RECIPIENTS_MANAGE: _l("Register and change recipients"),
    Permission.STOCK_VIEW: _l("See stores, stock levels, orders and transfers"),
    Permission.STOCK_MANAGE: _l("Move stock: consumables, transfers, deliveries and counts"),
    Permission.STORES_MANAGE: _l("Keep stores and their stock minimums"),
    Permission.ORDERS_MANAGE: _l("Create, send and cancel purchase orders"),
    Permission.TICKETS_VIEW: _l("See support tickets, queues and reports"),
    Permission.TICKETS_CREATE: _l("Report a fault or ask for help (create tickets)"),
    Permission.TICKETS_MANAGE: _l("Acknowledge, assign, escalate and resolve tickets"),
    Permission.SUPPORT_CONFIGURE: _l("Keep teams, routing rules and SLA targets"),
    Permission.TESTS_RECORD: _l("Record periodic function tests"),
}

_EVERYONE = {Permission.ORG_VIEW}

# The role matrix. README.md shows the same table; tests walk it against
# every endpoint. The auditor holds every *view* permission and nothing else.
P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.IT: frozenset(
        _EVERYONE
        | {P.USERS_VIEW, P.EQUIPMENT_VIEW, P.STOCK_VIEW}
        | {P.TICKETS_VIEW, P.TICKETS_CREATE, P.TICKETS_MANAGE}
    ),
    Role.SERVICEDESK: frozenset(
        _EVERYONE
        | {P.EQUIPMENT_VIEW, P.RECIPIENTS_VIEW, P.RECIPIENTS_MANAGE, P.STOCK_VIEW}
        | {P.TICKETS_VIEW, P.TICKETS_CREATE, P.TICKETS_MANAGE, P.SUPPORT_CONFIGURE}
        | {P.TESTS_RECORD}
    ),
    Role.TECHNICIAN: frozenset(
        _EVERYONE
        | {
            P.EQUIPMENT_VIEW,
            P.DEVICES_MANAGE,
            P.PLACEMENTS_MANAGE,
            P.RECIPIENTS_VIEW,
            P.RECIPIENTS_MANAGE,
            P.STOCK_VIEW,
            P.STOCK_MANAGE,
            P.STORES_MANAGE,
            P.TICKETS_VIEW,
            P.TICKETS_CREATE,
            P.TICKETS_MANAGE,
            P.TESTS_RECORD,
        }
    ),
    Role.PROCUREMENT: frozenset(
        _EVERYONE
        | {P.EQUIPMENT_VIEW, P.CATALOGUE_MANAGE, P.STOCK_VIEW, P.STORES_MANAGE, P.ORDERS_MANAGE}
        | {P.TICKETS_VIEW}
    ),
    Role.MANAGER: frozenset(
        _EVERYONE
        | {P.EQUIPMENT_VIEW, P.RECIPIENTS_VIEW, P.STOCK_VIEW, P.TICKETS_VIEW, P.TICKETS_CREATE}
    ),
    Role.AUDITOR: frozenset(p for p in Permission if p.value.endswith(".view")),
}


def permissions_for(roles) -> frozenset[Permission]:
    result: set[Permission] = set()
    for role in roles:
        result |= ROLE_PERMISSIONS.get(Role(role), frozenset())
    return frozenset(result)


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


def login_required(view):
    """Any logged-in user (own account pages, start page)."""
    return require()(view)
