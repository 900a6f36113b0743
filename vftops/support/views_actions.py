"""Acting on a ticket: escalate to the supplier and record their answer, replace or repair
the device, plan a visit for a technician, gather many tickets under one incident.

Thin views: the ticket and every row a form names are loaded through the municipality
scope (another municipality's id answers 404), one operation in
`vftops.support.operations` does the work, and the user goes back to the ticket. A
refused operation is shown beside the field it names, with what was typed kept (422).

The ticket page includes "support/_actions.html"; `actions_context(ticket, user)`
prepares everything that partial shows in a fixed number of queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from vftops.auth.queries import active_users_with
from vftops.core.errors import DomainError
from vftops.core.forms import choices
from vftops.core.i18n import format_d
from vftops.core.inputs import db_int, fits
from vftops.core.models import OSLO, local_today
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404, scoped_or_none
from vftops.core.validation import digits, invalid
from vftops.core.web import actor, flash_domain_error, submit
from vftops.equipment import operations as equipment_ops
from vftops.equipment import queries as eq_queries
from vftops.equipment.identifiers import normalise_serial
from vftops.equipment.labels import CATEGORY_LABELS
from vftops.equipment.models import Device, DeviceStatus, Placement, Product, Store
from vftops.equipment.permissions import PLACEMENTS_MANAGE, RECIPIENTS_VIEW
from vftops.equipment.status import STATUS_LABELS as DEVICE_STATUS_LABELS
from vftops.extensions import db
from vftops.stock import queries as stock_queries
from vftops.suppliers.models import Supplier
from vftops.suppliers.queries import active_suppliers
from vftops.support import operations as ops
from vftops.support import queries
from vftops.support.forms_actions import (
    EscalateForm,
    IncidentForm,
    LinkForm,
    RepairForm,
    ReplaceForm,
    SupplierResponseForm,
    VisitForm,
)
from vftops.support.models import STATUS_LABELS, Ticket, TicketKind
from vftops.support.permissions import TICKETS_MANAGE
from vftops.support.views import bp

# Form prefixes: the partial sits on the ticket page beside its other forms.
RESPONSE_PREFIX = "supplier"
LINK_PREFIX = "link"
# Devices that can go to the supplier for repair straight from a store.
REPAIRABLE = (DeviceStatus.IN_STOCK.value, DeviceStatus.AWAITING_RESET.value)
# How many open incidents the «link to incident» list offers, newest first.
INCIDENT_CHOICES = 50
# How many tickets one incident page takes (a dashboard suggestion holds at most 1,000).
MAX_INCIDENT_TICKETS = 1000


def _ticket(ticket_id: int, *options) -> Ticket:
    return get_scoped_or_404(Ticket, ticket_id, current_user, options=options)


def _to_ticket(ticket: Ticket):
    return redirect(url_for("support.ticket_detail", ticket_id=ticket.id))


def _open_placements(ticket: Ticket) -> list[Placement]:
    """Devices that can be replaced from the ticket: the ticket's own installed devices
    first, then the others installed at the ticket's recipient (one query)."""
    device_ids = [d.id for d in ticket.devices]
    rows = eq_queries.open_placements_of(
        ticket.municipality_id, device_ids=device_ids, recipient_id=ticket.recipient_id
    )
    linked = set(device_ids)
    return sorted(rows, key=lambda p: p.device_id not in linked)


# --- the partial on the ticket page ----------------------------------------------------


@dataclass
class TicketActions:
    """What «support/_actions.html» offers on one ticket, for one user."""

    can_manage: bool = False
    can_escalate: bool = False
    escalated: bool = False
    response_form: SupplierResponseForm | None = None
    replaceable: list[Placement] = field(default_factory=list)
    repairable: list[Device] = field(default_factory=list)
    can_visit: bool = False
    parent: Ticket | None = None
    link_form: LinkForm | None = None
    can_start_incident: bool = False

    @property
    def shown(self) -> bool:
        """Anything to show at all: a closed ticket with no history of these offers nothing."""
        return self.can_manage and bool(
            self.can_escalate
            or self.escalated
            or self.replaceable
            or self.repairable
            or self.can_visit
            or self.parent
            or self.link_form
            or self.can_start_incident
        )


def _local_minute(value: datetime | None) -> datetime | None:
    """A stored UTC moment as the naive Norwegian time a datetime-local field shows."""
    if value is None:
        return None
    return value.astimezone(OSLO).replace(tzinfo=None, second=0, microsecond=0)


def _response_form(ticket: Ticket) -> SupplierResponseForm:
    """The supplier's times as recorded so far, to show and change (never the request's data)."""
    return SupplierResponseForm(
        formdata=None,
        prefix=RESPONSE_PREFIX,
        data={
            "answered_at": _local_minute(ticket.supplier_answered_at),
            "fixed_at": _local_minute(ticket.supplier_fixed_at),
            "supplier_ref": ticket.supplier_ref,
        },
    )


def actions_context(ticket: Ticket, user) -> TicketActions:
    """Everything «support/_actions.html» shows for `ticket`, in at most four queries.

    The ticket page view may pass it as `ticket_actions=actions_context(ticket,
    current_user)`; when it does not, the partial calls `ticket_actions_for(ticket)`
    (a template helper registered below) which computes it once per request. Load the
    ticket with `queries.ticket_detail` (devices, supplier and parent already loaded)
    and nothing here reads a row per device. A user without TICKETS_MANAGE gets an
    empty result and no query is made.
    """
    if user is None or not user.is_authenticated or not user.can(TICKETS_MANAGE):
        return TicketActions()
    acts = TicketActions(can_manage=True)
    is_open = ticket.is_open
    acts.can_escalate = is_open
    acts.escalated = ticket.escalated_at is not None
    if acts.escalated:
        acts.response_form = _response_form(ticket)
    if is_open:
        acts.replaceable = _open_placements(ticket)
        acts.repairable = [d for d in ticket.devices if d.status in REPAIRABLE]
        acts.can_visit = ticket.recipient_id is not None
    if ticket.parent_id is not None:
        acts.parent = ticket.parent
    elif is_open and not ticket.is_incident:
        acts.can_start_incident = True
        incidents = queries.open_incidents(user, ticket, INCIDENT_CHOICES)
        if incidents:
            form = LinkForm(formdata=None, prefix=LINK_PREFIX)
            form.incident_id.choices = choices(
                [("", _("Choose an incident"))] + [(i, f"#{i} {title}") for i, title in incidents]
            )
            acts.link_form = form
    return acts


def _actions_for_current_user(ticket: Ticket) -> TicketActions:
    cache = g.setdefault("_ticket_actions", {})
    if ticket.id not in cache:
        cache[ticket.id] = actions_context(ticket, current_user)
    return cache[ticket.id]


@bp.app_context_processor
def ticket_action_helpers():
    # A function, not a value: nothing is read unless a page includes the partial.
    return {"ticket_actions_for": _actions_for_current_user}


# --- escalation to the supplier -------------------------------------------------------


def _suppliers(current: Supplier | None) -> list[Supplier]:
    rows = list(active_suppliers())
    if current is not None and current not in rows:
        rows.insert(0, current)
    return rows


def _product_suppliers(ticket: Ticket) -> list[Supplier]:
    """The suppliers of the ticket's devices' products, in the order of the devices."""
    found: dict[int, Supplier] = {}
    for device in ticket.devices:
        supplier = device.product.supplier
        if supplier is not None:
            found.setdefault(supplier.id, supplier)
    return list(found.values())


def _escalation_ticket(ticket_id: int) -> Ticket:
    return _ticket(
        ticket_id,
        joinedload(Ticket.supplier),
        selectinload(Ticket.devices).joinedload(Device.product).joinedload(Product.supplier),
    )


def _render_escalate(ticket: Ticket, form: EscalateForm, response_form, status: int = 200):
    contacts = _product_suppliers(ticket)
    if ticket.supplier is not None and ticket.supplier not in contacts:
        contacts.insert(0, ticket.supplier)
    return render_template(
        "support/escalate.html",
        ticket=ticket,
        form=form,
        response_form=response_form,
        contacts=contacts,
        status_labels=STATUS_LABELS,
    ), status


def _escalate_form(ticket: Ticket, *, posted: bool) -> EscalateForm:
    """The escalation form: as posted, or prefilled with the product's supplier."""
    form = EscalateForm() if posted else EscalateForm(formdata=None)
    form.supplier_id.choices = choices(
        [("", _("Choose a supplier"))] + [(s.id, s.name) for s in _suppliers(ticket.supplier)]
    )
    if not posted:
        suggested = ticket.supplier or next(iter(_product_suppliers(ticket)), None)
        form.supplier_id.data = suggested.id if suggested is not None else None
        form.supplier_ref.data = ticket.supplier_ref
    return form


@bp.route("/<int:ticket_id>/escalate", methods=["GET", "POST"])
@require(TICKETS_MANAGE)
def ticket_escalate(ticket_id: int):
    """Hand the fault to the supplier with their case reference: the SLA clock stops."""
    ticket = _escalation_ticket(ticket_id)
    form = _escalate_form(ticket, posted=request.method == "POST")

    def run():
        supplier = scoped_or_none(Supplier, form.supplier_id.data, current_user)
        if supplier is None:
            raise invalid({"supplier_id": [_("Choose the supplier.")]})
        ops.escalate(
            actor(), ticket, supplier, supplier_ref=form.supplier_ref.data, note=form.note.data
        )
        return supplier

    done = submit(form, run)
    if done.ok:
        flash(
            _(
                "The ticket is escalated to %(supplier)s and waits for them: "
                "the SLA clock is stopped.",
                supplier=done.result.name,
            ),
            "success",
        )
        return _to_ticket(ticket)
    if done.error is not None:
        ticket = _escalation_ticket(ticket_id)  # the refusal rolled back: read it again
    response_form = _response_form(ticket) if ticket.escalated_at else None
    return _render_escalate(ticket, form, response_form, done.status)


def _local_to_utc(value: datetime | None, escalated_at: datetime) -> datetime | None:
    """A Norwegian wall-clock time from the form as a UTC moment.

    The form counts whole minutes while the escalation was stamped to the second: a
    time in the escalation's own minute means «straight after it».
    """
    if value is None:
        return None
    at = value.replace(tzinfo=OSLO).astimezone(UTC)
    if escalated_at.replace(second=0, microsecond=0) <= at < escalated_at:
        return escalated_at
    return at


@bp.post("/<int:ticket_id>/supplier-response")
@require(TICKETS_MANAGE)
def ticket_supplier(ticket_id: int):
    """Record when the supplier answered and when they fixed it (their SLA is measured on it)."""
    ticket = _escalation_ticket(ticket_id)
    form = SupplierResponseForm(prefix=RESPONSE_PREFIX)

    def run():
        if ticket.escalated_at is None:
            # Let the operation say why: the ticket has not been escalated.
            return ops.record_supplier_response(actor(), ticket)
        return ops.record_supplier_response(
            actor(),
            ticket,
            answered_at=_local_to_utc(form.answered_at.data, ticket.escalated_at),
            fixed_at=_local_to_utc(form.fixed_at.data, ticket.escalated_at),
            # Not sent: leave the reference alone; sent empty: clear it.
            supplier_ref=form.supplier_ref.data if form.supplier_ref.raw_data else None,
        )

    done = submit(form, run)
    if done.ok:
        flash(_("The supplier's times are saved."), "success")
        return _to_ticket(ticket)
    if done.status == 409:
        return _to_ticket(ticket)
    if done.error is not None:
        ticket = _escalation_ticket(ticket_id)
    return _render_escalate(ticket, _escalate_form(ticket, posted=False), form, done.status)


# --- replacing and repairing the device -----------------------------------------------

_LABEL_URL = re.compile(r"/devices/(\d+)(?:[/?#]|$)")


def _find_replacement(text: str, placement: Placement) -> Device:
    """The device a scanned label or a typed serial number or IMEI names.

    A serial number is unique per product, not overall: of several devices with the
    same number, the one that fits (same category, in stock, same municipality) wins.
    """
    text = (text or "").strip()
    options = (joinedload(Device.product), joinedload(Device.store))
    label = _LABEL_URL.search(text)
    if label:
        found = list(
            eq_queries.devices_named(current_user, ids=[int(label.group(1))], options=options)
        )
    else:
        needle = normalise_serial(text)
        digits = needle.replace("-", "")
        found = list(eq_queries.devices_by_number(current_user, needle, digits, options=options))
    if not found:
        raise invalid(
            {"serial": [_("No device with that number in your municipalities. Check the label.")]}
        )
    old = placement.device

    def fits(d: Device) -> tuple[bool, bool, bool]:
        return (
            d.municipality_id == placement.municipality_id,
            d.product.category == old.product.category,
            d.status == DeviceStatus.IN_STOCK.value,
        )

    device = max(found, key=fits)
    if device.id == old.id:
        raise invalid({"serial": [_("That is the faulty device itself. Scan the replacement.")]})
    if device.municipality_id != placement.municipality_id:
        raise invalid({"serial": [_("That device belongs to another municipality.")]})
    if device.product.category != old.product.category:

        def name(category: str) -> str:
            return str(CATEGORY_LABELS.get(category, category)).lower()

        message = _(
            "That is a %(found)s: the replacement must be a %(wanted)s, like the faulty device.",
            found=name(device.product.category),
            wanted=name(old.product.category),
        )
        raise invalid({"serial": [message]})
    if device.status != DeviceStatus.IN_STOCK.value:
        conflict = equipment_ops.status_conflict(device, DeviceStatus.INSTALLED.value)
        raise invalid({"serial": [conflict.message]})
    return device


def _spares(placements: list[Placement]) -> list[Device]:
    """Devices in stock that could replace one of these, for the suggestion list."""
    if not placements:
        return []
    categories = {p.device.product.category for p in placements}
    return list(eq_queries.spares(current_user, categories, placements[0].municipality_id))


def _store_choices(form_field, municipality_id: int) -> None:
    stores = [
        s
        for s in db.session.scalars(stock_queries.stores_for(current_user))
        if s.serves(municipality_id)
    ]
    form_field.choices = choices([("", _("Choose a store"))] + [(s.id, s.name) for s in stores])


def _recipient_name(recipient) -> str:
    """The recipient's name for those who may see recipients; a neutral word for others."""
    if current_user.can(RECIPIENTS_VIEW):
        return recipient.name
    return _("At a recipient").lower()


def _placement_label(p: Placement) -> str:
    return f"{p.device.serial_number} – {p.device.product.name} ({_recipient_name(p.recipient)})"


@bp.route("/<int:ticket_id>/replace", methods=["GET", "POST"])
@require(TICKETS_MANAGE)
def ticket_replace(ticket_id: int):
    """Swap the faulty device at the recipient for one from a store, on the ticket."""
    ticket = _ticket(ticket_id, selectinload(Ticket.devices))
    placements = _open_placements(ticket)
    by_id = {p.id: p for p in placements}
    form = ReplaceForm()
    form.placement_id.choices = choices(
        ([("", _("Choose the device"))] if len(placements) > 1 else [])
        + [(p.id, _placement_label(p)) for p in placements]
    )
    _store_choices(form.store_id, ticket.municipality_id)
    if request.method == "GET":
        wanted = request.args.get("placement_id", type=db_int)
        if wanted in by_id:
            form.placement_id.data = wanted
        elif len(placements) == 1:
            form.placement_id.data = placements[0].id
        form.note.data = f"#{ticket.id} {ticket.title}"

    def run():
        placement = by_id.get(form.placement_id.data)
        if placement is None:
            raise invalid({"placement_id": [_("Choose one of the devices installed here.")]})
        replacement = _find_replacement(form.serial.data, placement)
        store = None
        if form.store_id.data:
            store = get_scoped_or_404(Store, form.store_id.data, current_user)
        try:
            new = ops.replace_from_ticket(
                actor(),
                ticket,
                placement,
                replacement,
                destination=form.destination.data,
                store=store,
                note=form.note.data,
            )
        except DomainError as exc:
            # The operation names its own argument; the page the field the user typed in.
            raise exc.renamed({"replacement_id": "serial", "device_id": "serial"}) from None
        return placement.device.serial_number, replacement.serial_number, new.recipient

    done = submit(form, run)
    if done.ok:
        old, new, recipient = done.result
        if current_user.can(RECIPIENTS_VIEW):
            message = _(
                "%(old)s is replaced by %(new)s at %(name)s, with the same settings.",
                old=old,
                new=new,
                name=recipient.name,
            )
        else:
            message = _(
                "%(old)s is replaced by %(new)s at the recipient, with the same settings.",
                old=old,
                new=new,
            )
        flash(message, "success")
        return _to_ticket(ticket)
    if done.error is not None:
        ticket = _ticket(ticket_id, selectinload(Ticket.devices))
        placements = _open_placements(ticket)
    spares = _spares(placements)
    if spares:
        form.serial.render_kw = {**(form.serial.render_kw or {}), "list": "spares"}
    return render_template(
        "support/replace.html", ticket=ticket, form=form, placements=placements, spares=spares
    ), done.status


@bp.post("/<int:ticket_id>/repair")
@require(TICKETS_MANAGE)
def ticket_repair(ticket_id: int):
    """Send a device that is in a store to the supplier for repair, on the ticket."""
    ticket = _ticket(ticket_id)
    form = RepairForm()
    if not form.validate_on_submit() or not digits(str(form.device_id.data)):
        flash(_("Choose the device to repair."), "danger")
        return _to_ticket(ticket)
    device = get_scoped_or_404(
        Device,
        int(form.device_id.data),
        current_user,
        options=(joinedload(Device.product), joinedload(Device.store)),
    )
    try:
        ops.repair_from_ticket(actor(), ticket, device, note=form.note.data)
    except DomainError as exc:
        flash_domain_error(exc)
    else:
        flash(
            _(
                "%(serial)s is registered as sent to the supplier for repair.",
                serial=device.serial_number,
            ),
            "success",
        )
    return _to_ticket(ticket)


# --- a visit for a technician ----------------------------------------------------------


def _technicians(municipality_id: int):
    """Active people of the municipality who install and take back devices."""
    return active_users_with(PLACEMENTS_MANAGE, municipalities=[municipality_id])


def _visit_devices(ticket: Ticket, placements: list[Placement]) -> dict[int, tuple[Device, str]]:
    """The devices a visit can be about: installed at the recipient first, then the ticket's."""
    devices: dict[int, tuple[Device, str]] = {}
    for d in [p.device for p in placements] + list(ticket.devices):
        if d.id not in devices:
            label = DEVICE_STATUS_LABELS.get(DeviceStatus(d.status), d.status)
            devices[d.id] = (d, f"{d.serial_number} – {d.product.name} ({label})")
    return devices


@bp.route("/<int:ticket_id>/visit", methods=["GET", "POST"])
@require(TICKETS_MANAGE)
def ticket_visit(ticket_id: int):
    """Put a job at the ticket's recipient on a technician's «Mine oppdrag i dag»."""

    def load():
        return _ticket(
            ticket_id,
            joinedload(Ticket.recipient),
            selectinload(Ticket.devices).joinedload(Device.product),
        )

    ticket = load()
    placements = _open_placements(ticket)
    people = {u.id: u for u in _technicians(ticket.municipality_id)}
    devices = _visit_devices(ticket, placements)
    form = VisitForm()
    form.assigned_to_id.choices = choices(
        [("", _("Choose a technician"))] + [(u.id, u.full_name) for u in people.values()]
    )
    form.device_id.choices = choices(
        [("", _("No particular device"))] + [(i, label) for i, (_d, label) in devices.items()]
    )
    if request.method == "GET":
        form.planned_on.data = local_today()
        for candidate in (ticket.assignee_id, current_user.id):
            if candidate in people:
                form.assigned_to_id.data = candidate
                break
        if placements:
            form.kind.data = "replace"
            form.device_id.data = placements[0].device_id
        else:
            form.kind.data = "test"

    def run():
        person = people.get(form.assigned_to_id.data)
        if person is None:
            raise invalid(
                {"assigned_to_id": [_("Choose a technician who works in the municipality.")]}
            )
        device = None
        if form.device_id.data:
            if form.device_id.data not in devices:
                raise invalid({"device_id": [_("Choose one of the ticket's devices.")]})
            device = devices[form.device_id.data][0]
        return ops.plan_visit_from_ticket(
            actor(),
            ticket,
            assigned_to=person,
            planned_on=form.planned_on.data,
            kind=form.kind.data,
            device=device,
            note=form.note.data,
        )

    done = submit(form, run)
    if done.ok:
        flash(
            _(
                "The job is on %(name)s's list for %(date)s.",
                name=done.result.assigned_to.full_name,
                date=format_d(done.result.planned_on),
            ),
            "success",
        )
        return _to_ticket(ticket)
    if done.error is not None:
        ticket = load()
    return render_template("support/visit.html", ticket=ticket, form=form), done.status


# --- mass incidents -------------------------------------------------------------------


def _ids(values) -> list[int]:
    """Ticket numbers from «1,2,3», «#12 #15» or repeated parameters, in order, once each."""
    found: dict[int, None] = {}
    for value in values:
        for number in re.findall(r"\d+", value or ""):
            if fits(int(number)):  # a number no ticket can have is no ticket
                found.setdefault(int(number), None)
    return list(found)[:MAX_INCIDENT_TICKETS]


def _scoped_tickets(ids: list[int]) -> list[Ticket]:
    """The tickets, in the order given; one the user may not see answers 404."""
    if not ids:
        return []
    rows = queries.tickets_by_id(
        current_user, ids, options=(joinedload(Ticket.recipient), joinedload(Ticket.municipality))
    )
    if len(rows) != len(ids):
        abort(404)
    return [rows[i] for i in ids]


def _may_join(ticket: Ticket) -> bool:
    return ticket.is_open and not ticket.is_incident and ticket.parent_id is None


def _incident_kind(tickets: list[Ticket]) -> str:
    kinds = {t.kind for t in tickets}
    return kinds.pop() if len(kinds) == 1 else TicketKind.OTHER.value


@bp.route("/incidents/new", methods=["GET", "POST"])
@require(TICKETS_MANAGE)
def incident_new():
    """One parent incident for many tickets (e.g. a mobile network outage): resolving it
    resolves them all. Opened with ?ticket_ids=1,2,3 from a selection, a ticket or a
    dashboard suggestion; more tickets can be added by number."""
    form = IncidentForm()
    if request.method == "POST":
        # Every ticket the page listed (ticked or not) stays listed when it comes back.
        listed = _scoped_tickets(
            _ids(request.form.getlist("listed") + request.form.getlist("ticket_ids"))
        )
    else:
        listed = _scoped_tickets(_ids(request.args.getlist("ticket_ids")))
    form.ticket_ids.choices = choices((t.id, str(t)) for t in listed)
    if request.method == "GET":
        form.ticket_ids.data = [t.id for t in listed if _may_join(t)]

    def run():
        chosen_ids = set(form.ticket_ids.data or [])
        typed = [i for i in _ids([form.more.data]) if i not in chosen_ids]
        visible = queries.tickets_by_id(current_user, typed)
        missing = [i for i in typed if i not in visible]
        if missing:
            raise invalid(
                {
                    "more": [
                        _(
                            "No ticket %(numbers)s in your municipalities.",
                            numbers=", ".join(f"#{i}" for i in missing),
                        )
                    ]
                }
            )
        chosen = [t for t in listed if t.id in chosen_ids] + [visible[i] for i in typed]
        if not chosen:
            raise invalid({"ticket_ids": [_("Choose the tickets the incident covers.")]})
        return ops.create_incident(
            actor(),
            chosen[0].municipality_id,
            title=form.title.data,
            description=form.description.data,
            tickets=chosen,
            kind=_incident_kind(chosen),
        )

    done = submit(form, run)
    if done.ok:
        incident = done.result
        count = len(incident.children)
        flash(
            ngettext(
                "Incident #%(id)d is created with %(num)d ticket. Resolving it resolves the "
                "ticket too.",
                "Incident #%(id)d is created with %(num)d tickets. Resolving it resolves them "
                "all with the same note.",
                count,
                id=incident.id,
            ),
            "success",
        )
        return _to_ticket(incident)
    if done.error is not None:
        listed = _scoped_tickets([t.id for t in listed])
    return render_template(
        "support/incident_new.html",
        form=form,
        listed=listed,
        may_join=_may_join,
        status_labels=STATUS_LABELS,
    ), done.status


@bp.post("/<int:ticket_id>/link")
@require(TICKETS_MANAGE)
def ticket_link(ticket_id: int):
    """Put the ticket under an open incident of its municipality."""
    ticket = _ticket(ticket_id)
    form = LinkForm(prefix=LINK_PREFIX)
    if not form.validate_on_submit():
        flash(_("Choose an incident."), "danger")
        return _to_ticket(ticket)
    incident = get_scoped_or_404(Ticket, form.incident_id.data, current_user)
    try:
        ops.link_to_incident(actor(), incident, [ticket])
    except DomainError as exc:
        flash_domain_error(exc)
    else:
        flash(
            _(
                "The ticket is part of incident #%(id)d now: resolving the incident resolves it.",
                id=incident.id,
            ),
            "success",
        )
    return _to_ticket(ticket)


@bp.post("/<int:ticket_id>/unlink")
@require(TICKETS_MANAGE)
def ticket_unlink(ticket_id: int):
    """Take the ticket out of its incident: it is handled on its own again."""
    ticket = _ticket(ticket_id)  # the request's CSRF token is checked before any view runs
    parent_id = ticket.parent_id
    if parent_id is None:
        flash(_("The ticket is not part of an incident."), "info")
        return _to_ticket(ticket)
    try:
        ops.unlink_from_incident(actor(), ticket)
    except DomainError as exc:
        flash_domain_error(exc)
    else:
        flash(_("The ticket is taken out of incident #%(id)d.", id=parent_id), "success")
    return _to_ticket(ticket)
