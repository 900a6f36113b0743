"""A municipality's support settings: priority, SLA targets, routing and the figures of the
configuration page."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.validation import invalid
from vftops.extensions import db
from vftops.support import sla
from vftops.support.models import (
    RoutingRule,
    SlaTarget,
    SupportSettings,
    Team,
    Ticket,
)

# --- settings: priority, SLA, routing ---------------------------------------------------


def priority_for(urgency: str, impact: str) -> int:
    """The priority the configured urgency × impact matrix gives."""
    return int(current_app.config["SUPPORT_PRIORITY_MATRIX"][urgency][impact])


def business_hours():
    return sla.parse_hours(current_app.config["SUPPORT_BUSINESS_HOURS"])


def sla_targets(municipality_id: int) -> dict[int, tuple[int, int, str]]:
    """(minutes to acknowledge, minutes to resolve, calendar) per priority."""
    targets = {int(p): tuple(v) for p, v in current_app.config["SUPPORT_SLA"].items()}
    for row in db.session.scalars(
        select(SlaTarget).where(SlaTarget.municipality_id == municipality_id)
    ):
        targets[row.priority] = (row.acknowledge_minutes, row.resolve_minutes, row.calendar)
    return targets


def settings_for(municipality_id: int) -> dict[str, int]:
    return _settings(db.session.get(SupportSettings, municipality_id))


def settings_for_many(municipality_ids) -> dict[int, dict[str, int]]:
    """The settings of several municipalities in one query."""
    ids = list(municipality_ids)
    rows = {
        row.municipality_id: row
        for row in db.session.scalars(
            select(SupportSettings).where(SupportSettings.municipality_id.in_(ids))
        )
    }
    return {mid: _settings(rows.get(mid)) for mid in ids}


def _settings(row: SupportSettings | None) -> dict[str, int]:
    """A municipality's own settings, or the configured defaults."""
    config = current_app.config
    return {
        "auto_close_days": row.auto_close_days if row else config["SUPPORT_AUTO_CLOSE_DAYS"],
        "incident_threshold": row.incident_threshold
        if row
        else config["SUPPORT_INCIDENT_THRESHOLD"],
        "incident_window_minutes": row.incident_window_minutes
        if row
        else config["SUPPORT_INCIDENT_WINDOW_MINUTES"],
    }


def route(
    municipality_id: int,
    *,
    kind: str,
    category: str | None,
    product_ids: set[int],
    system_id: int | None,
) -> tuple[Team | None, RoutingRule | None]:
    """The team the first matching active rule names, else the default team."""
    rules = db.session.scalars(
        select(RoutingRule)
        .join(Team, Team.id == RoutingRule.team_id)
        .where(
            RoutingRule.municipality_id == municipality_id,
            RoutingRule.is_active.is_(True),
            Team.is_active.is_(True),
        )
        .order_by(RoutingRule.position, RoutingRule.id)
    )
    for rule in rules:
        if rule.matches(kind=kind, category=category, product_ids=product_ids, system_id=system_id):
            return rule.team, rule
    default = db.session.scalar(
        select(Team).where(
            Team.municipality_id == municipality_id,
            Team.is_default.is_(True),
            Team.is_active.is_(True),
        )
    )
    return default, None


def deadlines(ticket: Ticket) -> None:
    """Work out both deadlines from the creation time, the priority and the time paused."""
    # Reading the targets must not write the half-changed ticket (one UPDATE, one version).
    with db.session.no_autoflush:
        ack, resolve, calendar = sla_targets(ticket.municipality_id)[ticket.priority]
    hours = business_hours()
    ticket.sla_calendar = calendar
    ticket.acknowledge_due_at = sla.add_minutes(ticket.created_at, ack, calendar, hours)
    ticket.resolve_due_at = sla.add_minutes(
        ticket.created_at, resolve + ticket.paused_minutes, calendar, hours
    )
    warn_after = resolve * (100 - current_app.config["SUPPORT_WARN_PERCENT"]) // 100
    ticket.resolve_warn_at = sla.add_minutes(
        ticket.created_at, warn_after + ticket.paused_minutes, calendar, hours
    )


# --- configuration (area C): a municipality's own support settings -----------------

SETTINGS_LIMITS = {
    # field: (smallest, largest, message)
    "auto_close_days": (1, 365, _l("Enter a whole number of days from 1 to 365.")),
    "incident_threshold": (2, 1000, _l("Enter a whole number of alarms from 2 to 1000.")),
    "incident_window_minutes": (1, 24 * 60, _l("Enter a whole number of minutes from 1 to 1440.")),
}


@operation
def save_support_settings(
    actor,
    municipality_id: int,
    *,
    auto_close_days: Any,
    incident_threshold: Any,
    incident_window_minutes: Any,
    expected_version: int | None = None,
) -> SupportSettings:
    """Auto-close after N days and the mass-incident rule («more than N alarms in M minutes»).

    Applies from the next sweep and the next look at the start page.
    """
    fields: dict[str, list] = {}
    values: dict[str, int] = {}
    for name, value in (
        ("auto_close_days", auto_close_days),
        ("incident_threshold", incident_threshold),
        ("incident_window_minutes", incident_window_minutes),
    ):
        low, high, message = SETTINGS_LIMITS[name]
        try:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            number = int(value) if isinstance(value, int | float) else int(str(value).strip())
            if not low <= number <= high:
                raise ValueError(value)
            values[name] = number
        except (TypeError, ValueError):
            fields[name] = [message]
    if fields:
        raise invalid(fields)
    row = db.session.get(SupportSettings, municipality_id)
    if row is None:
        before = None
        row = SupportSettings(municipality_id=municipality_id, **values)
        db.session.add(row)
    else:
        check_version(row, expected_version)
        before = {k: getattr(row, k) for k in values}
        for key, value in values.items():
            setattr(row, key, value)
    changes = {
        k: {"before": (before or {}).get(k), "after": v}
        for k, v in values.items()
        if before is None or before[k] != v
    }
    db.session.flush()
    audit.record(
        actor,
        "support_settings.save",
        row,
        f"Supportinnstillinger: lukkes etter {values['auto_close_days']} dager, hendelse ved "
        f"mer enn {values['incident_threshold']} alarmer på "
        f"{values['incident_window_minutes']} minutter",
        changes=changes,
        municipality_id=municipality_id,
    )
    return row
