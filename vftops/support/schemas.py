"""JSON shapes of support: tickets, their work log, teams.

Input schemas reject unknown fields. The choices a person makes (kind, channel,
reporter, urgency, impact, entry kind) are passed on as sent and checked by the
operations, so the API and the pages give the same translated message for the
same mistake; the `enum` metadata documents the accepted values.
"""

from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext as _

from vftops.core.api import CursorQuerySchema, StrictSchema, list_envelope, optional_text
from vftops.support.models import (
    KIND_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    TEAM_KIND_LABELS,
    TRANSITIONS,
    Channel,
    EntryKind,
    Level,
    Priority,
    ReporterKind,
    TeamKind,
    TestResult,
    TicketKind,
    TicketStatus,
)
from vftops.support.queries import QUEUES

KINDS = [k.value for k in TicketKind]
CHANNELS = [c.value for c in Channel]
REPORTERS = [r.value for r in ReporterKind]
LEVELS = [level.value for level in Level]
STATUSES = [s.value for s in TicketStatus]
PRIORITIES = [p.value for p in Priority]
TEAM_KINDS = [k.value for k in TeamKind]
ENTRY_KINDS = [k.value for k in EntryKind]
TEST_RESULTS = [r.value for r in TestResult]
VERSION = "The version you read; 409 if someone changed it since"


def _label(labels, enum_class, attribute: str):
    def read(obj):
        value = getattr(obj, attribute)
        try:
            return str(labels[enum_class(value)])
        except (KeyError, ValueError):
            return str(value)

    return ma.fields.Function(
        read, metadata={"type": "string", "description": "In the reader's language"}
    )


def _username(relationship: str):
    def read(ticket):
        user = getattr(ticket, relationship)
        return user.username if user is not None else None

    return ma.fields.Function(
        read, metadata={"type": "string", "nullable": True, "description": "Username"}
    )


def _device_ids(ticket) -> list[int]:
    # Lists look these up for the whole page at once (vftops.support.api).
    if hasattr(ticket, "_device_ids"):
        return ticket._device_ids
    return [device.id for device in ticket.devices]


def _external_id_length(value) -> None:
    if value is not None and len(value.strip()) > 100:
        raise ma.ValidationError(_("An external id has at most 100 characters."))


class UserReference(ma.fields.Field):
    """A colleague named by user id (number) or username (text)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ma.ValidationError(_("Give a user id or a username."))
        if isinstance(value, str) and not value.strip():
            raise ma.ValidationError(_("Give a user id or a username."))
        return value.strip() if isinstance(value, str) else value


# --- references ---------------------------------------------------------------------


class TeamRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class TeamMemberSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    name = ma.fields.String(attribute="full_name")


class TicketDeviceSchema(ma.Schema):
    id = ma.fields.Integer()
    serial_number = ma.fields.String()
    product_id = ma.fields.Integer()
    product = ma.fields.Function(
        lambda d: d.product.name, metadata={"type": "string", "description": "Make and model"}
    )
    status = ma.fields.String()


# --- tickets ------------------------------------------------------------------------


class TicketSchema(ma.Schema):
    """A ticket as lists show it."""

    id = ma.fields.Integer(dump_only=True)
    municipality_id = ma.fields.Integer()
    title = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": KINDS})
    kind_label = _label(KIND_LABELS, TicketKind, "kind")
    category = ma.fields.String(allow_none=True)
    channel = ma.fields.String(metadata={"enum": CHANNELS})
    reporter_kind = ma.fields.String(metadata={"enum": REPORTERS})
    reporter_name = ma.fields.String(allow_none=True)
    reporter_contact = ma.fields.String(allow_none=True)
    recipient_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "Filled from the device's open placement"}
    )
    device_ids = ma.fields.Function(
        _device_ids, metadata={"type": "array", "items": {"type": "integer"}}
    )
    system_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The system of the register it is about"}
    )
    system = ma.fields.Function(
        lambda t: t.system.name if t.system is not None else None,
        metadata={"type": "string", "nullable": True, "description": "The system's name"},
    )
    urgency = ma.fields.String(metadata={"enum": LEVELS})
    impact = ma.fields.String(metadata={"enum": LEVELS})
    priority = ma.fields.Integer(
        metadata={"enum": PRIORITIES, "description": "1 critical … 4 low, from urgency × impact"}
    )
    priority_label = _label(PRIORITY_LABELS, Priority, "priority")
    status = ma.fields.String(metadata={"enum": STATUSES})
    status_label = _label(STATUS_LABELS, TicketStatus, "status")
    allowed_statuses = ma.fields.Function(
        lambda t: list(TRANSITIONS.get(t.status, ())),
        metadata={
            "type": "array",
            "items": {"type": "string"},
            "description": "The statuses the lifecycle allows next",
        },
    )
    team_id = ma.fields.Integer(allow_none=True)
    assignee_id = ma.fields.Integer(allow_none=True)
    assignee = _username("assignee")
    acknowledged_at = ma.fields.AwareDateTime(allow_none=True)
    acknowledged_by_id = ma.fields.Integer(allow_none=True)
    acknowledged_by = _username("acknowledged_by")
    sla_calendar = ma.fields.String(
        metadata={"enum": ["24x7", "business"], "description": "The clock the deadlines run on"}
    )
    acknowledge_due_at = ma.fields.AwareDateTime()
    resolve_due_at = ma.fields.AwareDateTime(
        metadata={"description": "Moved on by the time spent waiting"}
    )
    resolve_warn_at = ma.fields.AwareDateTime(
        metadata={"description": "From here the ticket is «breaching soon»"}
    )
    acknowledge_breached_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "The deadline that was missed, when missed"}
    )
    resolve_breached_at = ma.fields.AwareDateTime(allow_none=True)
    waiting = ma.fields.Boolean(
        attribute="is_waiting",
        metadata={"description": "Waiting for the reporter or the supplier: the clock is stopped"},
    )
    waiting_since = ma.fields.AwareDateTime(allow_none=True)
    paused_minutes = ma.fields.Integer(metadata={"description": "Calendar minutes waited so far"})
    resolved_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    parent_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The incident this ticket is part of"}
    )
    is_incident = ma.fields.Boolean(
        metadata={"description": "A parent incident: resolving it resolves its tickets"}
    )
    supplier_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The supplier it was escalated to"}
    )
    supplier_ref = ma.fields.String(
        allow_none=True, metadata={"description": "The supplier's own case number"}
    )
    escalated_at = ma.fields.AwareDateTime(allow_none=True)
    supplier_answered_at = ma.fields.AwareDateTime(allow_none=True)
    supplier_fixed_at = ma.fields.AwareDateTime(allow_none=True)
    external_id = ma.fields.String(
        allow_none=True,
        metadata={"description": "The monitoring system's or response centre's own id"},
    )
    created_by_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


class TicketEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    kind = ma.fields.String(
        metadata={
            "enum": ENTRY_KINDS,
            "description": "note: internal; reply: what the reporter was told; "
            "event: written by vftops",
        }
    )
    body = ma.fields.String(metadata={"description": "The line as written (Bokmål)"})
    event = ma.fields.String(
        allow_none=True,
        metadata={"description": "For a line vftops wrote: what happened, as a code"},
    )
    params = ma.fields.Dict(
        allow_none=True, metadata={"description": "The values of `event`, as codes and ids"}
    )
    author_id = ma.fields.Integer(allow_none=True)
    author = ma.fields.Function(
        lambda e: e.author.username if e.author is not None else None,
        metadata={"type": "string", "nullable": True, "description": "Username; null: vftops"},
    )
    author_name = ma.fields.Function(
        lambda e: (e.author.full_name or e.author.username) if e.author is not None else None,
        metadata={"type": "string", "nullable": True},
    )


class TicketAttachmentSchema(ma.Schema):
    id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer(metadata={"description": "Bytes"})
    uploaded_at = ma.fields.AwareDateTime()
    uploaded_by_id = ma.fields.Integer(allow_none=True)


class TicketClockSchema(ma.Schema):
    state = ma.fields.String(
        metadata={"enum": ["breached", "soon", "ok", "paused", "done"]},
    )
    what = ma.fields.String(
        metadata={"enum": ["acknowledge", "resolve"], "description": "The next deadline"}
    )
    deadline = ma.fields.AwareDateTime(allow_none=True)
    minutes_left = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "Minutes on the ticket's calendar; negative: overdue"},
    )


class TicketDetailSchema(TicketSchema):
    """One ticket with its description, devices, work log and attachments."""

    description = ma.fields.String(allow_none=True)
    resolution = ma.fields.String(allow_none=True)
    team = ma.fields.Nested(TeamRefSchema, allow_none=True)
    devices = ma.fields.List(ma.fields.Nested(TicketDeviceSchema))
    children_ids = ma.fields.Function(
        lambda t: [child.id for child in t.children],
        metadata={
            "type": "array",
            "items": {"type": "integer"},
            "description": "An incident's tickets",
        },
    )
    sla = ma.fields.Nested(
        TicketClockSchema, attribute="clock", metadata={"description": "The SLA clock right now"}
    )
    entries = ma.fields.List(
        ma.fields.Nested(TicketEntrySchema),
        attribute="log_entries",
        metadata={
            "description": "The work log, oldest first. Internal notes only for those who "
            "handle tickets (tickets.manage)"
        },
    )
    attachments = ma.fields.List(
        ma.fields.Nested(TicketAttachmentSchema), attribute="attachment_list"
    )


class TicketQuerySchema(CursorQuerySchema):
    queue = ma.fields.String(
        load_default="all",
        validate=ma.validate.OneOf(QUEUES),
        metadata={
            "description": "mine: open and yours; team: open in your teams; unassigned; "
            "soon: past the warning point or breached; supplier: waiting for a supplier; "
            "open; all (default)"
        },
    )
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(KINDS))
    priority = ma.fields.Integer(load_default=None, validate=ma.validate.OneOf(PRIORITIES))
    team_id = ma.fields.Integer(load_default=None)
    municipality_id = ma.fields.Integer(load_default=None)
    external_id = ma.fields.String(
        load_default=None, metadata={"description": "The id a monitoring system sent"}
    )
    updated_since = ma.fields.AwareDateTime(
        load_default=None,
        metadata={"description": "Changed at or after this moment (ISO 8601 with zone)"},
    )
    order = ma.fields.String(
        load_default="newest",
        validate=ma.validate.OneOf(["newest", "oldest"]),
        metadata={"description": "newest: highest id first (default); oldest: by id"},
    )


class TicketCreateSchema(StrictSchema):
    municipality_id = ma.fields.Integer(
        metadata={
            "description": "Required when you work in several municipalities and no device names it"
        }
    )
    title = ma.fields.String(required=True)
    description = optional_text()
    kind = ma.fields.String(required=True, metadata={"enum": KINDS})
    category = optional_text(metadata={"description": "Free text, used by the routing rules"})
    channel = ma.fields.String(
        load_default=Channel.API.value, metadata={"enum": CHANNELS, "default": "api"}
    )
    reporter_kind = ma.fields.String(required=True, metadata={"enum": REPORTERS})
    reporter_name = optional_text()
    reporter_contact = optional_text(metadata={"description": "Phone or e-mail"})
    device_ids = ma.fields.List(
        ma.fields.Integer(), metadata={"description": "Devices of your municipalities"}
    )
    serials = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "Serial numbers, looked up in your municipalities"},
    )
    recipient_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "Default: from the first device's placement"}
    )
    system_id = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "The system it is about (GET /api/v1/systems), if any"},
    )
    urgency = ma.fields.String(
        allow_none=True, metadata={"enum": LEVELS, "description": "Default medium"}
    )
    impact = ma.fields.String(
        allow_none=True, metadata={"enum": LEVELS, "description": "Default medium"}
    )
    external_id = optional_text(
        validate=_external_id_length,
        metadata={
            "description": "Your own id: sending it again returns the same ticket (200)",
            "maxLength": 100,
        },
    )


class TicketUpdateSchema(StrictSchema):
    title = ma.fields.String()
    description = optional_text()
    category = optional_text()
    system_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: none"})
    urgency = ma.fields.String(metadata={"enum": LEVELS})
    impact = ma.fields.String(metadata={"enum": LEVELS})
    version = ma.fields.Integer(required=True, metadata={"description": VERSION})


class TicketCommentSchema(StrictSchema):
    body = ma.fields.String(required=True)
    kind = ma.fields.String(
        load_default=EntryKind.NOTE.value,
        metadata={
            "enum": [EntryKind.NOTE.value, EntryKind.REPLY.value],
            "description": "note (internal, default) or reply (what the reporter was told)",
        },
    )


class TicketEscalateSchema(StrictSchema):
    supplier_id = ma.fields.Integer(required=True)
    supplier_ref = optional_text(metadata={"description": "The supplier's case number"})
    note = optional_text()
    version = ma.fields.Integer(allow_none=True, metadata={"description": VERSION})


class TicketResolveSchema(StrictSchema):
    note = ma.fields.String(required=True, metadata={"description": "What was done"})
    version = ma.fields.Integer(allow_none=True, metadata={"description": VERSION})


class TicketStatusSchema(StrictSchema):
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(STATUSES))
    note = optional_text(metadata={"description": "Required when resolving"})
    version = ma.fields.Integer(allow_none=True, metadata={"description": VERSION})


class TicketAssignSchema(StrictSchema):
    team_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "An active team of the ticket's municipality"}
    )
    assignee = UserReference(
        allow_none=True,
        metadata={
            "oneOf": [{"type": "integer"}, {"type": "string"}],
            "nullable": True,
            "description": "User id or username; null: nobody; left out: unchanged",
        },
    )
    version = ma.fields.Integer(allow_none=True, metadata={"description": VERSION})


# --- teams --------------------------------------------------------------------------


class TeamSchema(ma.Schema):
    id = ma.fields.Integer()
    municipality_id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": TEAM_KINDS})
    kind_label = _label(TEAM_KIND_LABELS, TeamKind, "kind")
    supplier_id = ma.fields.Integer(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    hours = ma.fields.String(allow_none=True, metadata={"description": "When they answer"})
    note = ma.fields.String(allow_none=True)
    is_default = ma.fields.Boolean(
        metadata={"description": "Gets the tickets no routing rule matches"}
    )
    is_active = ma.fields.Boolean()
    members = ma.fields.List(ma.fields.Nested(TeamMemberSchema))
    version = ma.fields.Integer()


class TeamQuerySchema(CursorQuerySchema):
    municipality_id = ma.fields.Integer(load_default=None)
    is_active = ma.fields.Boolean(load_default=None)


# --- function tests -----------------------------------------------------------------


class FunctionTestSchema(ma.Schema):
    id = ma.fields.Integer()
    municipality_id = ma.fields.Integer()
    device_id = ma.fields.Integer()
    serial_number = ma.fields.Function(
        lambda t: t.device.serial_number, metadata={"type": "string"}
    )
    placement_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The installation that was tested"}
    )
    tested_at = ma.fields.AwareDateTime()
    tested_by_id = ma.fields.Integer(allow_none=True)
    tested_by = ma.fields.Function(
        lambda t: t.tested_by.username if t.tested_by is not None else None,
        metadata={"type": "string", "nullable": True, "description": "Username"},
    )
    result = ma.fields.String(metadata={"enum": TEST_RESULTS})
    note = ma.fields.String(allow_none=True)
    ticket_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The ticket a failed test opened"}
    )


class FunctionTestCreateSchema(StrictSchema):
    device_id = ma.fields.Integer(metadata={"description": "The device tested, or:"})
    serial = ma.fields.String(metadata={"description": "its serial number, or:"})
    placement_id = ma.fields.Integer(
        metadata={"description": "the installation tested (as the due list names it)"}
    )
    result = ma.fields.String(required=True, metadata={"enum": TEST_RESULTS})
    note = optional_text(
        metadata={"description": "What was tested; a failed test's ticket gets it"}
    )
    tested_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "When it was tested (default: now)"}
    )


TicketPageSchema = list_envelope(TicketSchema)
TeamPageSchema = list_envelope(TeamSchema)
