"""JSON API for support: tickets and technical alarms, their work log, teams.

Thin: parse with marshmallow, load the ticket through the municipality scope,
call one function in `vftops.support.operations`, dump the result. Another
municipality's ticket, device, recipient, team or colleague answers 404, also
when its id is sent in a body; a refused change answers the operation's 409/422
with `fields` and `details`.

A monitoring system or response centre reports with an API token of a user who
may create tickets (service desk, technician, IT or unit manager) and sends its
own `external_id`: a retried call, or two calls at the same moment, give one
ticket. The first answer is 201, every later one 200 with the same ticket and
the header `X-Existing-Ticket: true`.

Internal notes in the work log are shown only to those who handle tickets
(tickets.manage); everyone else who may see the ticket sees the replies to the
reporter and what vftops wrote.
"""

from __future__ import annotations

import time

from flask import abort, url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from vftops.auth.models import User
from vftops.auth.queries import colleague_or_404
from vftops.core.api import ApiBlueprint
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import utcnow
from vftops.core.pagination import cursor_page
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404, municipality_ids, optional_scoped_or_404
from vftops.core.validation import text_or_none
from vftops.core.web import actor
from vftops.equipment import queries as eq_queries
from vftops.equipment.identifiers import normalise_serial
from vftops.equipment.models import Device, Placement, Recipient
from vftops.extensions import db
from vftops.suppliers.models import Supplier
from vftops.support import mail, queries
from vftops.support import operations as ops
from vftops.support.function_tests import record_function_test
from vftops.support.models import Team, Ticket, TicketStatus
from vftops.support.permissions import TESTS_RECORD, TICKETS_CREATE, TICKETS_MANAGE, TICKETS_VIEW
from vftops.support.schemas import (
    FunctionTestCreateSchema,
    FunctionTestSchema,
    TeamPageSchema,
    TeamQuerySchema,
    TicketAssignSchema,
    TicketCommentSchema,
    TicketCreateSchema,
    TicketDetailSchema,
    TicketEntrySchema,
    TicketEscalateSchema,
    TicketPageSchema,
    TicketQuerySchema,
    TicketResolveSchema,
    TicketSchema,
    TicketStatusSchema,
    TicketUpdateSchema,
)
from vftops.systems.models import ItSystem

tickets_blp = ApiBlueprint(
    "tickets",
    __name__,
    url_prefix="/api/v1/tickets",
    description="Support tickets and technical alarms: report, acknowledge, work, escalate, "
    "resolve",
)
teams_blp = ApiBlueprint(
    "teams",
    __name__,
    url_prefix="/api/v1/teams",
    description="The teams tickets are routed to: service desk, technicians, IT, suppliers",
)
function_tests_blp = ApiBlueprint(
    "function_tests",
    __name__,
    url_prefix="/api/v1/function-tests",
    description="Periodic function tests of installed devices («periodisk alarmkontroll»)",
)
blueprints = (tickets_blp, teams_blp, function_tests_blp)

EXISTING_HEADER = "X-Existing-Ticket"


def _ticket(ticket_id) -> Ticket:
    """A ticket of your municipalities; otherwise 404."""
    return get_scoped_or_404(Ticket, ticket_id, current_user)


def _invalid(field: str, message) -> ValidationError:
    return ValidationError(message, fields={field: [message]})


# --- reading ----------------------------------------------------------------------------


def _with_device_ids(tickets: list[Ticket]) -> None:
    """The devices of a whole page of tickets in one query."""
    found = queries.device_ids_by_ticket(t.id for t in tickets)
    for ticket in tickets:
        ticket._device_ids = found[ticket.id]


def _detail(ticket_id: int) -> Ticket:
    """One ticket with its log, attachments and SLA clock, in a fixed number of queries."""
    ticket = queries.ticket_detail(ticket_id, current_user)
    if ticket is None:
        abort(404)
    ticket.log_entries = queries.entries_for(ticket, current_user)
    ticket.attachment_list = queries.attachments_for(ticket)
    ticket.clock = queries.clock(ticket, utcnow(), ops.business_hours())
    return ticket


@tickets_blp.route("")
class Tickets(MethodView):
    @require(TICKETS_VIEW)
    @tickets_blp.arguments(TicketQuerySchema, location="query")
    @tickets_blp.response(200, TicketPageSchema)
    @tickets_blp.errors(422)
    def get(self, args):
        """List the tickets of your municipalities, newest first.

        `queue` picks one of the service desk's queues (`mine`, `team`, `unassigned`,
        `soon`, `supplier`, `open`; default `all`); the other filters narrow it.
        `updated_since` gives what changed since your last call (for a sync), and
        `external_id` finds the ticket a monitoring system reported. Follow
        `next_cursor` for the next page; `order=oldest` pages by id ascending.
        """
        stmt = (
            queries.queue(
                current_user,
                args["queue"],
                status=args["status"],
                kind=args["kind"],
                priority=args["priority"],
                team_id=args["team_id"],
                municipality_id=args["municipality_id"],
            )
            .order_by(None)
            .options(joinedload(Ticket.acknowledged_by))
        )
        if args["external_id"] is not None:
            stmt = stmt.where(Ticket.external_id == args["external_id"].strip())
        if args["updated_since"] is not None:
            stmt = stmt.where(Ticket.updated_at >= args["updated_since"])
        page = cursor_page(
            stmt,
            Ticket.id,
            limit=args["limit"],
            cursor=args["cursor"],
            descending=args["order"] == "newest",
        )
        _with_device_ids(page.items)
        return page

    @require(TICKETS_CREATE)
    @tickets_blp.arguments(
        TicketCreateSchema,
        example={
            "title": "Mistet forbindelse med trygghetsalarmen",
            "kind": "technical_alarm",
            "channel": "alarm",
            "reporter_kind": "monitoring",
            "reporter_name": "Alarmsentralen Trøndelag",
            "serials": ["TA-100234"],
            "description": "Ingen periodisk test mottatt siste 24 timer.",
            "external_id": "ARC-2026-118873",
        },
    )
    @tickets_blp.response(201, TicketSchema)
    @tickets_blp.alt_response(
        200,
        schema=TicketSchema,
        description="A ticket with this external_id already exists: that ticket, unchanged "
        "(header X-Existing-Ticket: true)",
    )
    @tickets_blp.errors(404, 409, 422)
    def post(self, data):
        """Report a ticket or a technical alarm: routed, prioritised and given SLA deadlines.

        Name the devices by `device_ids` or by `serials` (looked up in your
        municipalities; an unknown serial is named in `fields.serials`, 422).
        Another municipality's device, recipient or municipality answers 404.
        `municipality_id` may be left out when the devices name it or you work in
        only one municipality. The recipient is taken from the first device's open
        placement, and a critical recipient makes the ticket urgent.

        Send your own `external_id`: a retried call, or two calls at the same moment,
        give one ticket — 201 with `Location` the first time, then 200 with the same
        ticket and the header `X-Existing-Ticket: true`.
        """
        user = actor()
        scope = municipality_ids(user)
        municipality_id = data.pop("municipality_id", None)
        if municipality_id is not None and municipality_id not in scope:
            abort(404)
        devices = _devices(
            data.pop("device_ids", None) or [], data.pop("serials", None) or [], municipality_id
        )
        municipality_id = _municipality_for(municipality_id, devices, scope)
        recipient_id = data.pop("recipient_id", None)
        recipient = (
            get_scoped_or_404(Recipient, recipient_id, user) if recipient_id is not None else None
        )
        system = optional_scoped_or_404(ItSystem, data.pop("system_id", None), user)
        ticket, existed = _create_once(
            user, municipality_id, devices=devices, recipient=recipient, system=system, **data
        )
        headers = {"Location": url_for("tickets.TicketById", ticket_id=ticket.id)}
        if existed:
            headers[EXISTING_HEADER] = "true"
        return ticket, 200 if existed else 201, headers


def _devices(
    ids: list[int], serials: list[str], municipality_id: int | None, field: str = "serials"
) -> list[Device]:
    """The devices named by id (404 outside your municipalities) and by serial (422 unknown,
    named in `fields[field]`)."""
    devices: list[Device] = []
    if ids:
        wanted = list(dict.fromkeys(ids))
        found = {d.id: d for d in eq_queries.devices_named(current_user, ids=wanted)}
        if len(found) != len(wanted):
            abort(404)
        devices.extend(found[i] for i in wanted)
    wanted_serials = list(dict.fromkeys(s for s in map(normalise_serial, serials) if s))
    if wanted_serials:
        by_serial: dict[str, list[Device]] = {}
        for device in eq_queries.devices_named(
            current_user, serials=wanted_serials, municipality_id=municipality_id
        ):
            by_serial.setdefault(device.serial_number, []).append(device)
        problems = []
        for serial in wanted_serials:
            matches = by_serial.get(serial, [])
            if not matches:
                problems.append(_l("No device with serial number %(serial)s.", serial=serial))
            elif len(matches) > 1:
                problems.append(
                    _l(
                        "Serial number %(serial)s matches more than one device: "
                        "send its device id instead.",
                        serial=serial,
                    )
                )
            else:
                devices.append(matches[0])
        if problems:
            raise ValidationError(problems[0], fields={field: problems})
    return list(dict.fromkeys(devices))


def _municipality_for(municipality_id: int | None, devices: list[Device], scope) -> int:
    """The municipality named, else the devices', else the only one you work in."""
    if municipality_id is not None:
        return municipality_id
    owners = {d.municipality_id for d in devices}
    if len(owners) > 1:
        raise _invalid("device_ids", _l("The devices belong to different municipalities."))
    if owners:
        return owners.pop()
    if len(scope) == 1:
        return next(iter(scope))
    raise _invalid("municipality_id", _l("Choose the municipality: you work in more than one."))


def _create_once(actor, municipality_id: int, **data) -> tuple[Ticket, bool]:
    """Create the ticket, or find the one an earlier or simultaneous call with the same
    external id created. Returns (ticket, already existed).

    Two calls at once both pass the operation's own look-up; the database's unique
    index lets one insert through and refuses the other (PostgreSQL once the first
    has committed; SQLite at once, perhaps before it has). The refused call ends its
    transaction and looks again on fresh data, trying a few times.
    """
    external_id = text_or_none(data.get("external_id"))
    for attempt in range(3):
        try:
            ticket, created = ops.report_ticket(actor, municipality_id, **data)
            return ticket, not created
        except ConflictError:
            if external_id is None or attempt == 2:
                raise
            db.session.rollback()
            existing = queries.ticket_by_external_id(municipality_id, external_id)
            if existing is not None:
                return existing, True
            db.session.rollback()
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


@tickets_blp.route("/<int:ticket_id>")
class TicketById(MethodView):
    @require(TICKETS_VIEW)
    @tickets_blp.response(200, TicketDetailSchema)
    @tickets_blp.errors(404)
    def get(self, ticket_id):
        """One ticket with its devices, work log, attachments and SLA clock.

        The work log holds internal notes only for those who handle tickets
        (tickets.manage); others see the replies to the reporter and the events
        vftops wrote.
        """
        return _detail(ticket_id)

    @require(TICKETS_MANAGE)
    @tickets_blp.arguments(
        TicketUpdateSchema,
        example={"title": "Alarmen piper om natta", "urgency": "high", "version": 3},
    )
    @tickets_blp.response(200, TicketSchema)
    @tickets_blp.errors(404, 409, 422)
    def patch(self, data, ticket_id):
        """Change what the ticket is about: title, description, category, system,
        urgency, impact.

        `version` is the version you read: 409 with `details.current_version` when
        someone changed the ticket since. A new urgency or impact gives a new
        priority and new deadlines.
        """
        ticket = _ticket(ticket_id)
        expected = data.pop("version")
        if "system_id" in data:
            data["system"] = optional_scoped_or_404(ItSystem, data.pop("system_id"), current_user)
        return ops.update_ticket(actor(), ticket, expected_version=expected, **data)


@tickets_blp.route("/<int:ticket_id>/acknowledge")
class TicketAcknowledge(MethodView):
    @require(TICKETS_MANAGE)
    @tickets_blp.response(200, TicketSchema)
    @tickets_blp.errors(404, 409, 422)
    def post(self, ticket_id):
        """Acknowledge («kvittere»): you have seen the ticket and own it.

        Only a new ticket can be acknowledged. When someone else was first, 409
        names them in the message and in `details.acknowledged_by` (username) and
        `details.acknowledged_at`; of two people at once exactly one wins.
        """
        _ticket(ticket_id)
        return ops.acknowledge_or_explain(actor(), ticket_id)


@tickets_blp.route("/<int:ticket_id>/comments")
class TicketComments(MethodView):
    @require(TICKETS_MANAGE)
    @tickets_blp.arguments(
        TicketCommentSchema,
        example={"body": "Ringte pårørende, batteriet byttes i morgen.", "kind": "reply"},
    )
    @tickets_blp.response(201, TicketEntrySchema)
    @tickets_blp.errors(404, 422)
    def post(self, data, ticket_id):
        """Write in the work log: an internal note (default) or a reply to the reporter."""
        ticket = _ticket(ticket_id)
        return ops.add_entry(actor(), ticket, data["body"], kind=data["kind"])


@tickets_blp.route("/<int:ticket_id>/escalate")
class TicketEscalate(MethodView):
    @require(TICKETS_MANAGE)
    @tickets_blp.arguments(
        TicketEscalateSchema,
        example={"supplier_id": 2, "supplier_ref": "CS-88412", "note": "Sendt på e-post"},
    )
    @tickets_blp.response(200, TicketSchema)
    @tickets_blp.errors(404, 409, 422)
    def post(self, data, ticket_id):
        """Escalate to a supplier with their case number: the ticket waits for them.

        The SLA clock stops while waiting; a resolved or closed ticket answers 409
        with `details.allowed`.
        """
        ticket = _ticket(ticket_id)
        supplier = get_scoped_or_404(Supplier, data["supplier_id"], current_user)
        return ops.escalate(
            actor(),
            ticket,
            supplier,
            supplier_ref=data.get("supplier_ref"),
            note=data.get("note"),
            expected_version=data.get("version"),
        )


@tickets_blp.route("/<int:ticket_id>/resolve")
class TicketResolve(MethodView):
    @require(TICKETS_MANAGE)
    @tickets_blp.arguments(
        TicketResolveSchema, example={"note": "Byttet batteri og testet alarmen mot sentralen."}
    )
    @tickets_blp.response(200, TicketSchema)
    @tickets_blp.errors(404, 409, 422)
    def post(self, data, ticket_id):
        """Resolve the ticket with a note of what was done (required, 422 when blank).

        Resolving an incident resolves its open tickets with the same note. An
        already resolved or closed ticket answers 409 with `details.allowed`.
        """
        ticket = _ticket(ticket_id)
        return ops.change_status(
            actor(),
            ticket,
            TicketStatus.RESOLVED.value,
            note=data["note"],
            expected_version=data.get("version"),
        )


@tickets_blp.route("/<int:ticket_id>/status")
class TicketStatusChange(MethodView):
    @require(TICKETS_MANAGE)
    @tickets_blp.arguments(
        TicketStatusSchema, example={"status": "waiting_reporter", "note": "Ba om bilde"}
    )
    @tickets_blp.response(200, TicketSchema)
    @tickets_blp.errors(404, 409, 422)
    def post(self, data, ticket_id):
        """Move the ticket along its lifecycle.

        new → acknowledged → in progress → waiting (reporter / supplier) → resolved →
        closed; a resolved or closed ticket can be reopened (in progress). A step the
        lifecycle does not allow answers 409 with `details.status` and
        `details.allowed`. Waiting stops the resolve clock; resolving needs a `note`.
        """
        ticket = _ticket(ticket_id)
        return ops.change_status(
            actor(),
            ticket,
            data["status"],
            note=data.get("note"),
            expected_version=data.get("version"),
        )


@tickets_blp.route("/<int:ticket_id>/assign")
class TicketAssign(MethodView):
    @require(TICKETS_MANAGE)
    @tickets_blp.arguments(
        TicketAssignSchema, example={"team_id": 3, "assignee": "tor.tekniker", "version": 2}
    )
    @tickets_blp.response(200, TicketSchema)
    @tickets_blp.errors(404, 409, 422)
    def post(self, data, ticket_id):
        """Give the ticket to a team and/or a person.

        `assignee` is a user id or username; `null` leaves it to nobody, left out
        keeps the person it has. `team_id` left out or `null` keeps the team. The
        person must handle tickets in the ticket's municipality (422 otherwise) and
        is told by e-mail when mail is set up.
        """
        ticket = _ticket(ticket_id)
        team = None
        if data.get("team_id") is not None:
            team = get_scoped_or_404(Team, data["team_id"], current_user)
        assignee = _colleague(data["assignee"]) if "assignee" in data else ticket.assignee
        before = ticket.assignee_id
        ops.assign(
            actor(), ticket, assignee=assignee, team=team, expected_version=data.get("version")
        )
        if ticket.assignee_id is not None and ticket.assignee_id != before:
            mail.notify_assignment_after_commit(ticket)
        return ticket


def _colleague(reference) -> User | None:
    """A person who works in one of your municipalities, by id or username; otherwise 404."""
    if reference is None:
        return None
    return colleague_or_404(current_user, reference)


# --- teams ------------------------------------------------------------------------------


@teams_blp.route("")
class Teams(MethodView):
    @require(TICKETS_VIEW)
    @teams_blp.arguments(TeamQuerySchema, location="query")
    @teams_blp.response(200, TeamPageSchema)
    @teams_blp.errors(422)
    def get(self, args):
        """The teams of your municipalities with their members and contact details.

        Use a team's id in `POST /api/v1/tickets/{ticket_id}/assign`.
        """
        stmt = queries.team_list(
            current_user, municipality_id=args["municipality_id"], is_active=args["is_active"]
        )
        return cursor_page(stmt, Team.id, limit=args["limit"], cursor=args["cursor"])


# --- function tests ---------------------------------------------------------------------


@function_tests_blp.route("")
class FunctionTests(MethodView):
    @require(TESTS_RECORD)
    @function_tests_blp.arguments(
        FunctionTestCreateSchema,
        example={
            "serial": "TA-100234",
            "result": "failed",
            "note": "Ingen kontakt med alarmsentralen ved testtrykk.",
            "tested_at": "2026-11-23T10:15:00+01:00",
        },
    )
    @function_tests_blp.response(201, FunctionTestSchema)
    @function_tests_blp.errors(404, 409, 422)
    def post(self, data):
        """Record a function test of an installed device; a failed test opens a ticket.

        Name the device by exactly one of `device_id`, `serial` (looked up in your
        municipalities) or `placement_id` (the installation, as the due list names
        it). Another municipality's device or placement answers 404; a device that
        is not installed at a recipient answers 409. A failed test opens a ticket
        about the device and its recipient at once: its id is `ticket_id`.
        """
        device = _tested_device(data)
        return record_function_test(
            actor(),
            device,
            result=data["result"],
            note=data.get("note"),
            tested_at=data.get("tested_at"),
        )


def _tested_device(data: dict) -> Device:
    named = [key for key in ("device_id", "serial", "placement_id") if data.get(key) is not None]
    if len(named) != 1:
        raise _invalid(
            "device_id", _l("Name the device by one of device_id, serial or placement_id.")
        )
    if "device_id" in named:
        return get_scoped_or_404(Device, data["device_id"], current_user)
    if "placement_id" in named:
        placement = get_scoped_or_404(Placement, data["placement_id"], current_user)
        return placement.device
    if not normalise_serial(data["serial"]):
        raise _invalid("serial", _l("Name the device by one of device_id, serial or placement_id."))
    return _devices([], [data["serial"]], None, field="serial")[0]
