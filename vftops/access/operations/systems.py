"""Systems as access control sees them: who grants access, and what the register's
changes mean for the grants.

A system whose access is granted by a team has that team in the municipality's routing:
one rule «access tickets on this system → that team», kept here as the system's form is
saved, so orders and removal tasks go there through the same routing as every ticket."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vftops.access.models import AccessGrant
from vftops.core.db import operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.support import operations as support_ops
from vftops.support.models import RoutingRule, Team, TicketKind
from vftops.systems import operations as register
from vftops.systems.models import AdminKind, ItSystem

from .vftops_grants import sync_everyone

KEEP = object()


def access_rule(system: ItSystem) -> RoutingRule | None:
    """The routing rule that sends the system's access tickets to its team."""
    return db.session.scalar(
        select(RoutingRule)
        .where(
            RoutingRule.municipality_id == system.municipality_id,
            RoutingRule.kind == TicketKind.ACCESS.value,
            RoutingRule.system_id == system.id,
            RoutingRule.category.is_(None),
            RoutingRule.product_id.is_(None),
        )
        .order_by(RoutingRule.position, RoutingRule.id)
        .limit(1)
    )


def _team(municipality_id: int, team_id) -> Team:
    """An active team of the municipality that runs the system."""
    try:
        team_id = int(team_id) if team_id not in (None, "") else None
    except (TypeError, ValueError):
        team_id = -1
    team = db.session.get(Team, team_id) if team_id is not None else None
    if team is None or team.municipality_id != municipality_id or not team.is_active:
        message = (
            _l("Choose the team that grants access.")
            if team_id is None
            else _l("Choose an active team of the municipality that runs the system.")
        )
        raise ValidationError(message, fields={"admin_team_id": [message]})
    return team


def _route(actor, system: ItSystem, team_id) -> None:
    """Keep the system's access rule: to the team when a team grants access, else none."""
    rule = access_rule(system)
    if system.admin_kind != AdminKind.TEAM:
        if rule is not None:
            support_ops.delete_rule(actor, rule, expected_version=rule.version)
        return
    if team_id is KEEP:
        return  # the team is not being changed (a rule removed in support stays so)
    team = _team(system.municipality_id, team_id)
    if rule is not None and rule.team_id == team.id and rule.is_active:
        return
    support_ops.save_rule(
        actor,
        system.municipality_id,
        rule=rule,
        team=team,
        position=0 if rule is None else rule.position,
        kind=TicketKind.ACCESS.value,
        system=system,
        note=rule.note if rule is not None else f"Tilgang til {system.name}",
        expected_version=rule.version if rule is not None else None,
    )


@operation
def create_system(actor, municipality: Municipality, *, admin_team_id=None, **data) -> ItSystem:
    """Register a system; a team that grants access gets its access tickets."""
    if data.get("admin_kind") == AdminKind.TEAM:  # named with the register's own checks
        _team(municipality.id, admin_team_id)
    system = register.create_system(actor, municipality, **data)
    _route(actor, system, admin_team_id)
    return system


@operation
def update_system(
    actor, system: ItSystem, *, admin_team_id: Any = KEEP, expected_version=None, **data
) -> ItSystem:
    if admin_team_id is not KEEP and data.get("admin_kind", system.admin_kind) == AdminKind.TEAM:
        _team(system.municipality_id, admin_team_id)
    register.update_system(actor, system, expected_version=expected_version, **data)
    _route(actor, system, admin_team_id)
    return system


@register.system_saved.connect
def _vftops_entry_saved(system: ItSystem, *, actor, created, changes) -> None:
    """vftops's own entry: its users' roles are grants from the day it is registered, and
    follow the municipalities it serves."""
    if system.is_vftops and (created or "shared_with" in (changes or {})):
        sync_everyone(actor, system, ended_too=not created)


@register.shares_dropping.connect
def _still_has_access(system: ItSystem, *, actor, municipality_ids) -> None:
    if system.is_vftops:  # its grants end with the share
        return
    open_grants = db.session.scalar(
        select(func.count(AccessGrant.id)).where(
            AccessGrant.system_id == system.id,
            AccessGrant.municipality_id.in_(municipality_ids),
            AccessGrant.ended_at.is_(None),
        )
    )
    if open_grants:
        message = _l(
            "People of a municipality you are removing still have access to the system. "
            "End their access first."
        )
        raise ConflictError(message, fields={"shared_with_ids": [message]})
