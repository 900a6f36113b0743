"""Teams, routing rules and SLA targets."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ValidationError
from vftops.core.validation import invalid, text_or_none
from vftops.extensions import db
from vftops.support import sla
from vftops.support.models import (
    Priority,
    RoutingRule,
    SlaTarget,
    Team,
    TeamKind,
    TicketKind,
)
from vftops.systems.models import ItSystem

from .common import check_assignee, check_system, choice

# --- teams, rules, SLA --------------------------------------------------------------


TEAM_FIELDS = ("name", "kind", "supplier_id", "phone", "email", "hours", "note", "is_active")


def _clean_team(municipality_id: int, data: dict[str, Any], exclude_id=None) -> dict[str, Any]:
    fields: dict[str, list] = {}
    clean: dict[str, Any] = {}
    name = text_or_none(data.get("name"))
    if not name:
        fields["name"] = [_l("Give the team a name.")]
    elif db.session.scalar(
        select(Team.id).where(
            Team.municipality_id == municipality_id, Team.name == name, Team.id != (exclude_id or 0)
        )
    ):
        fields["name"] = [_l("The municipality already has a team with that name.")]
    clean["name"] = name
    clean["kind"] = choice(
        data.get("kind"), TeamKind, "kind", _l("Choose what kind of team it is."), fields
    )
    for key in ("phone", "email", "hours"):
        clean[key] = text_or_none(data.get(key))
    clean["note"] = text_or_none(data.get("note"))
    clean["supplier_id"] = data.get("supplier_id") or None
    clean["is_active"] = bool(data.get("is_active", True))
    if fields:
        raise invalid(fields)
    return clean


@operation
def create_team(actor, municipality_id: int, *, members=(), is_default=False, **data) -> Team:
    clean = _clean_team(municipality_id, data)
    for user in members:
        check_assignee(user, municipality_id, field="member_ids")
    if is_default:
        _clear_default(municipality_id)
    team = Team(municipality_id=municipality_id, is_default=bool(is_default), **clean)
    team.members = list(members)
    db.session.add(team)
    audit.record(
        actor, "team.create", team, f"Team {team.name} opprettet", municipality_id=municipality_id
    )
    return team


@operation
def update_team(
    actor, team: Team, *, members=None, is_default=None, expected_version=None, **data
) -> Team:
    check_version(team, expected_version)
    clean = _clean_team(team.municipality_id, data, exclude_id=team.id)
    changes = {k: {"before": getattr(team, k), "after": v} for k, v in clean.items()}
    for key, value in clean.items():
        setattr(team, key, value)
    if members is not None:
        # Only new members are checked: someone who has left may stay listed until
        # unticked, without blocking every other change of the team.
        current = {u.id for u in team.members}
        for user in members:
            if user.id not in current:
                check_assignee(user, team.municipality_id, field="member_ids")
        changes["member_ids"] = {
            "before": sorted(current),
            "after": sorted(u.id for u in members),
        }
        team.members = list(members)
    was_default = team.is_default
    if is_default and not team.is_default:
        _clear_default(team.municipality_id)
        team.is_default = True
    elif is_default is False:
        team.is_default = False
    changes["is_default"] = {"before": was_default, "after": team.is_default}
    audit.record(
        actor,
        "team.update",
        team,
        f"Team {team.name} endret",
        changes={k: v for k, v in changes.items() if v["before"] != v["after"]},
        municipality_id=team.municipality_id,
    )
    return team


def _clear_default(municipality_id: int) -> None:
    db.session.execute(
        update(Team)
        .where(Team.municipality_id == municipality_id, Team.is_default.is_(True))
        .values(is_default=False, version=Team.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()


@operation
def save_rule(
    actor,
    municipality_id: int,
    *,
    rule: RoutingRule | None = None,
    team: Team | None,
    position: Any,
    kind: str | None = None,
    category: str | None = None,
    product_id: int | None = None,
    system: ItSystem | None = None,
    note: str | None = None,
    is_active: bool = True,
    expected_version: int | None = None,
) -> RoutingRule:
    """Create (rule None) or change a routing rule."""
    fields: dict[str, list] = {}
    if team is None or team.municipality_id != municipality_id:
        fields["team_id"] = [_l("Choose the team that gets these tickets.")]
    try:
        position = int(str(position).strip())
        if position < 0:
            raise ValueError(position)
    except (TypeError, ValueError):
        fields["position"] = [_l("Enter a whole number of 0 or more.")]
    if kind and kind not in {k.value for k in TicketKind}:
        fields["kind"] = [_l("Choose the kind of ticket.")]
    kept = rule is not None and system is not None and rule.system_id == system.id
    try:
        if not kept:  # a rule keeps its system when it is retired or no longer shared
            check_system(system, municipality_id)
    except ValidationError as exc:
        fields.update(exc.fields)
    if fields:
        raise invalid(fields)
    values = {
        "team_id": team.id,
        "position": position,
        "kind": kind or None,
        "category": text_or_none(category),
        "product_id": product_id or None,
        "system_id": system.id if system is not None else None,
        "note": text_or_none(note),
        "is_active": bool(is_active),
    }
    if rule is None:
        rule = RoutingRule(municipality_id=municipality_id, **values)
        db.session.add(rule)
        action, changes = "routing_rule.create", None
    else:
        check_version(rule, expected_version)
        changes = {
            k: {"before": getattr(rule, k), "after": v}
            for k, v in values.items()
            if getattr(rule, k) != v
        }
        for key, value in values.items():
            setattr(rule, key, value)
        action = "routing_rule.update"
    audit.record(
        actor,
        action,
        rule,
        f"Rutingregel {position} → {team.name}",
        changes=changes,
        municipality_id=municipality_id,
    )
    return rule


@operation
def delete_rule(actor, rule: RoutingRule, *, expected_version: int | None = None) -> None:
    check_version(rule, expected_version)
    audit.record(
        actor,
        "routing_rule.delete",
        rule,
        f"Rutingregel {rule.position} slettet",
        municipality_id=rule.municipality_id,
    )
    db.session.delete(rule)


@operation
def set_sla_target(
    actor,
    municipality_id: int,
    priority: int,
    *,
    acknowledge_minutes: Any,
    resolve_minutes: Any,
    calendar: str,
    expected_version: int | None = None,
) -> SlaTarget:
    """A municipality's own SLA for one priority (applies to tickets created after).

    `expected_version`: the own target's version the form was opened on; a change
    made by someone else since is refused (409)."""
    fields: dict[str, list] = {}
    values = {}
    for name, value in (
        ("acknowledge_minutes", acknowledge_minutes),
        ("resolve_minutes", resolve_minutes),
    ):
        try:
            number = int(str(value).strip())
            if number <= 0:
                raise ValueError(value)
            values[name] = number
        except (TypeError, ValueError):
            fields[name] = [_l("Enter a whole number of minutes, more than 0.")]
    if calendar not in {c.value for c in sla.Calendar}:
        fields["calendar"] = [_l("Choose 24/7 or business hours.")]
    if priority not in {p.value for p in Priority}:
        fields["priority"] = [_l("Choose a priority.")]
    if not fields and values["resolve_minutes"] < values["acknowledge_minutes"]:
        fields["resolve_minutes"] = [
            _l("The time to resolve cannot be shorter than to acknowledge.")
        ]
    if fields:
        raise invalid(fields)
    row = db.session.scalar(
        select(SlaTarget).where(
            SlaTarget.municipality_id == municipality_id, SlaTarget.priority == priority
        )
    )
    before = None
    if row is not None:
        check_version(row, expected_version)
    if row is None:
        row = SlaTarget(
            municipality_id=municipality_id, priority=priority, calendar=calendar, **values
        )
        db.session.add(row)
    else:
        before = {
            "acknowledge_minutes": row.acknowledge_minutes,
            "resolve_minutes": row.resolve_minutes,
            "calendar": row.calendar,
        }
        row.calendar = calendar
        for key, value in values.items():
            setattr(row, key, value)
    after = {**values, "calendar": calendar}
    audit.record(
        actor,
        "sla_target.set",
        row,
        f"SLA for prioritet {priority}: {after}",
        changes={k: {"before": (before or {}).get(k), "after": v} for k, v in after.items()},
        municipality_id=municipality_id,
    )
    return row


@operation
def reset_sla_target(actor, municipality_id: int, priority: int) -> bool:
    """Back to the default SLA for one priority (for tickets created after).

    False when the municipality already used the default: nothing to do."""
    row = db.session.scalar(
        select(SlaTarget).where(
            SlaTarget.municipality_id == municipality_id, SlaTarget.priority == priority
        )
    )
    if row is None:
        return False
    before = {
        "acknowledge_minutes": row.acknowledge_minutes,
        "resolve_minutes": row.resolve_minutes,
        "calendar": row.calendar,
    }
    audit.record(
        actor,
        "sla_target.reset",
        row,
        f"SLA for prioritet {priority} tilbake til standarden",
        changes={k: {"before": v, "after": None} for k, v in before.items()},
        municipality_id=municipality_id,
    )
    db.session.delete(row)
    return True
