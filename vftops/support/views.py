"""Support pages: the queues, a ticket, reporting a ticket.

Thin views: read the form, load what it names through the municipality scope,
call one operation in `vftops.support.operations`, flash what happened and
redirect. A refused operation is shown beside the field it names, with what was
typed kept.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from vftops.auth.models import User
from vftops.auth.queries import active_users_with
from vftops.core import modules
from vftops.core.errors import DomainError
from vftops.core.forms import choices
from vftops.core.inputs import db_int
from vftops.core.models import utcnow
from vftops.core.pagination import capped_page
from vftops.core.permissions import may_open, require
from vftops.core.picker import picker
from vftops.core.scope import get_scoped_or_404, optional_scoped_or_404
from vftops.core.web import actor, flash_domain_error, submit
from vftops.equipment import queries as eq_queries
from vftops.equipment.identifiers import normalise_serial
from vftops.equipment.models import Device, Recipient
from vftops.equipment.permissions import RECIPIENTS_VIEW
from vftops.org.models import Municipality
from vftops.org.queries import municipalities_of
from vftops.support import mail, queries, worklog
from vftops.support import operations as ops
from vftops.support.attachments import add_attachment, file_name, path_of
from vftops.support.forms import (
    ENTRY_KINDS,
    AssignForm,
    AttachForm,
    EntryForm,
    QueueFilterForm,
    StatusForm,
    TicketEditForm,
    TicketForm,
)
from vftops.support.models import (
    CHANNEL_LABELS,
    IMPACT_LABELS,
    KIND_LABELS,
    PRIORITY_LABELS,
    REPORTER_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    EntryKind,
    RoutingRule,
    Team,
    Ticket,
)
from vftops.support.permissions import TICKETS_CREATE, TICKETS_MANAGE, TICKETS_VIEW
from vftops.systems.models import ItSystem
from vftops.systems.queries import system_pairs

bp = Blueprint("support", __name__, url_prefix="/support")

PER_PAGE = 50
MAX_SERIALS = 50

QUEUE_LABELS = {
    "mine": _l("Mine"),
    "team": _l("My teams"),
    "unassigned": _l("Unassigned"),
    "soon": _l("Breaching soon"),
    "supplier": _l("Waiting on supplier"),
    "open": _l("All open"),
    "all": _l("All, also resolved"),
}
SORT_LABELS = {
    "due": _l("Deadline first"),
    "priority": _l("Priority"),
    "newest": _l("Newest"),
    "oldest": _l("Oldest"),
}
PRIORITY_STYLES = {1: "danger", 2: "warning", 3: "primary", 4: "secondary"}
STATUS_STYLES = {
    "new": "danger",
    "acknowledged": "primary",
    "in_progress": "primary",
    "waiting_reporter": "info",
    "waiting_supplier": "info",
    "resolved": "success",
    "closed": "secondary",
}
# Shown in the browser; HEIC and PDF are downloaded (browsers show HEIC poorly, and
# a PDF viewer is a program of its own).
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp"}

# The module's own menu: a page that is not there, or that the user may not open, is not
# linked. Pages of the module are added by several parts, each on its own schedule.
SUPPORT_MENU = [
    ("support.queue", _l("Tickets")),
    ("support.ticket_new", _l("New ticket")),
    ("support.reports", _l("Reports")),
    ("support.tests_due", _l("Function tests")),
    ("support.contacts", _l("Who to contact")),
    ("support.teams", _l("Teams")),
    ("support.rules", _l("Routing rules")),
    ("support.sla", _l("SLA")),
]


def can_reach(endpoint: str) -> bool:
    """The page exists and the current user holds every permission it needs."""
    view = current_app.view_functions.get(endpoint)
    if view is None or not current_user.is_authenticated:
        return False
    return may_open(view)


def start_tickets(user, now) -> dict | None:
    """The start page's ticket counts: one aggregate over the open tickets, and one look
    per municipality for a burst of technical alarms."""
    if not user.can(TICKETS_VIEW):
        return None
    return {
        "counts": queries.queue_counts(user, now),
        "suggestions": queries.incident_suggestions(user, now),
        "incident_page": user.can(TICKETS_MANAGE) and can_reach("support.incident_new"),
    }


@bp.context_processor
def support_context():
    return {
        "support_menu": [(e, label) for e, label in SUPPORT_MENU if can_reach(e)],
        "can_reach": can_reach,
        "kind_labels": KIND_LABELS,
        "ticket_status_labels": STATUS_LABELS,
        "ticket_status_styles": STATUS_STYLES,
        "priority_labels": PRIORITY_LABELS,
        "priority_styles": PRIORITY_STYLES,
        "channel_labels": CHANNEL_LABELS,
        "reporter_labels": REPORTER_LABELS,
        "urgency_labels": URGENCY_LABELS,
        "impact_labels": IMPACT_LABELS,
        "duration": duration,
        "work_log_text": worklog.text,
    }


def _scoped_ticket(ticket_id: int) -> Ticket:
    return get_scoped_or_404(Ticket, ticket_id, current_user)


def _municipalities() -> list[Municipality]:
    return list(municipalities_of(current_user))


def _teams(*, active_only: bool = False, municipality_id: int | None = None) -> list[Team]:
    return queries.teams_for(current_user, active_only=active_only, municipality_id=municipality_id)


def _team_pairs(teams: list[Team]) -> list[tuple[int, str]]:
    """Team choices; the municipality is named only when the teams span several."""
    several = len({t.municipality_id for t in teams}) > 1
    return [(t.id, f"{t.name} ({t.municipality.name})" if several else t.name) for t in teams]


# --- the SLA clock as people read it ------------------------------------------------


@dataclass
class ClockView:
    state: str  # breached, soon, ok, paused, done
    label: str  # in the badge
    hint: str  # beside it
    style: str  # Bootstrap badge colour
    deadline: object = None


def duration(minutes: int, calendar: str) -> str:
    """«2 t 15 min»; whole days on the 24/7 calendar when it is two days or more."""
    minutes = abs(int(minutes))
    hours, mins = divmod(minutes, 60)
    if calendar == "24x7" and hours >= 48:
        days, hours = divmod(hours, 24)
        return _("%(d)d d %(h)d h", d=days, h=hours)
    if hours and mins:
        return _("%(h)d h %(m)d min", h=hours, m=mins)
    if hours:
        return _("%(h)d h", h=hours)
    return _("%(m)d min", m=mins)


def clock_view(ticket: Ticket, now, hours) -> ClockView:
    clock = queries.clock(ticket, now, hours)
    working = ticket.sla_calendar == "business"
    if clock.state == "paused":
        return ClockView("paused", _("Paused"), _("waiting: the clock is stopped"), "info")
    if clock.state == "done":
        return ClockView("done", "–", "", "light")
    if clock.state == "breached":
        if clock.minutes_left is None:
            return ClockView("breached", _("Breach"), _("the deadline was passed"), "danger")
        late = duration(clock.minutes_left, ticket.sla_calendar)
        hint = (
            _("%(time)s past the deadline to acknowledge", time=late)
            if clock.what == "acknowledge"
            else _("%(time)s past the deadline to resolve", time=late)
        )
        return ClockView("breached", _("Breach"), hint, "danger", clock.deadline)
    left = duration(clock.minutes_left or 0, ticket.sla_calendar)
    hint = (_("left to acknowledge") if clock.what == "acknowledge" else _("left to resolve")) + (
        " · " + _("working hours") if working else ""
    )
    style = "warning" if clock.state == "soon" else "light"
    return ClockView(clock.state, left, hint, style, clock.deadline)


# --- the queue ----------------------------------------------------------------------


def _queue_filters(municipalities: list[Municipality]) -> tuple[QueueFilterForm, dict]:
    filters = QueueFilterForm(request.args)
    filters.status.choices = choices([("", _("All statuses")), *STATUS_LABELS.items()])
    filters.kind.choices = choices([("", _("All kinds")), *KIND_LABELS.items()])
    filters.priority.choices = choices([("", _("All priorities")), *PRIORITY_LABELS.items()])
    filters.team_id.choices = choices([("", _("All teams")), *_team_pairs(_teams())])
    filters.municipality_id.choices = choices(
        [("", _("All municipalities")), *[(m.id, m.name) for m in municipalities]]
    )
    filters.sort.choices = choices(list(SORT_LABELS.items()))
    filters.validate()

    def ok(field):
        return field.data if field.data and not field.errors else None

    criteria = {
        "q": (filters.q.data or "").strip()[:200] or None,
        "status": ok(filters.status),
        "kind": ok(filters.kind),
        "priority": ok(filters.priority),
        "team_id": ok(filters.team_id),
        "municipality_id": ok(filters.municipality_id),
        "sort": ok(filters.sort) or "due",
    }
    return filters, criteria


@bp.get("")
@require(TICKETS_VIEW)
def queue():
    user = actor()
    name = request.args.get("queue", "open")
    if name not in queries.QUEUES:
        name = "open"
    municipalities = _municipalities()
    filters, criteria = _queue_filters(municipalities)
    now = utcnow()
    page = capped_page(
        queries.queue(user, name, now=now, **criteria),
        page=request.args.get("page", 1, type=db_int),
        per_page=PER_PAGE,
    )
    hours = ops.business_hours()
    clocks = {t.id: clock_view(t, now, hours) for t in page.items}
    # The tabs keep the filters; a new tab starts on its first page.
    kept = {k: v for k, v in request.args.items() if k not in ("queue", "page") and v}
    return render_template(
        "support/queue.html",
        page=page,
        name=name,
        filters=filters,
        counts=queries.queue_counts(user, now),
        queue_labels=QUEUE_LABELS,
        kept=kept,
        clocks=clocks,
        suggestions=queries.incident_suggestions(user, now),
        several=len(municipalities) > 1,
        municipality_names={m.id: m.name for m in municipalities},
        filtered=any(v for k, v in criteria.items() if k != "sort"),
    )


# --- reporting a ticket -------------------------------------------------------------


def _known_values(column, rule_column, limit: int = 100) -> list[str]:
    """Values of a ticket column used lately and by the routing rules (for a datalist)."""
    return queries.known_values(current_user, column, rule_column, limit)


def _datalists() -> dict[str, list[str]]:
    return {"categories": _known_values(Ticket.category, RoutingRule.category)}


def _form_system(form) -> ItSystem | None:
    """The register's system the form names (another municipality's: 404)."""
    return optional_scoped_or_404(ItSystem, form.system_id.data, current_user)


def _prefill(form: TicketForm) -> None:
    """What the link says: the device (?device_id=) and the recipient (?recipient_id=)."""
    device_id = request.args.get("device_id", type=db_int)
    if device_id:
        device = get_scoped_or_404(Device, device_id, current_user)
        form.serials.data = device.serial_number
        form.device_hint.data = str(device.id)
        form.municipality_id.data = device.municipality_id
    recipient_id = request.args.get("recipient_id", type=db_int)
    if recipient_id:
        form.recipient_id.data = recipient_id


def _form_recipient(form: TicketForm) -> Recipient | None:
    if not form.recipient_id.data:
        return None
    recipient = get_scoped_or_404(Recipient, form.recipient_id.data, current_user)
    if form.municipality_id.data is None:
        form.municipality_id.data = recipient.municipality_id
    return recipient


def _ticket_choices(form: TicketForm, municipalities, recipient: Recipient | None) -> None:
    form.municipality_id.choices = choices(
        [("", _("Where the device is")), *[(m.id, m.name) for m in municipalities]]
    )
    options = [("", _("From the device's placement, or none"))]
    if recipient is not None:
        label = (
            recipient.name
            if current_user.can(RECIPIENTS_VIEW)
            else _("The recipient the link named")
        )
        options.append((recipient.id, label))
    form.recipient_id.choices = choices(options)
    form.team_id.choices = choices(
        [("", _("Routing decides")), *_team_pairs(_teams(active_only=True))]
    )
    form.system_id.choices = choices(system_pairs(current_user, _("None")))


# A label printed by vftops carries the device page's address; a camera reads it whole.
LABEL_URL = re.compile(r"/devices/(\d+)(?:[/?#]|$)")


def _split_serials(text: str | None) -> list[str | int]:
    """Serial numbers (normalised) and device ids from scanned labels, in order, once each."""
    wanted: list[str | int] = []
    for part in re.split(r"[\r\n,;]+", text or ""):
        label = LABEL_URL.search(part)
        item: str | int = int(label.group(1)) if label else normalise_serial(part)
        if item and item not in wanted:
            wanted.append(item)
    return wanted


def resolve_serials(text: str | None, hint: int | None = None) -> tuple[list[Device], list[str]]:
    """The devices the typed or scanned serials name, in the user's municipalities.

    Returns the devices and a message per serial that names no device (or, rarely,
    several devices of different products: the one the link named is taken).
    """
    wanted = _split_serials(text)
    if not wanted:
        return [], []
    if len(wanted) > MAX_SERIALS:
        return [], [_("At most %(n)d devices on one ticket.", n=MAX_SERIALS)]
    serials = [w for w in wanted if isinstance(w, str)]
    ids = [w for w in wanted if isinstance(w, int)]
    rows = eq_queries.devices_named(
        current_user, ids=ids, serials=serials, options=(joinedload(Device.product),)
    )
    by_id = {d.id: d for d in rows}
    found: dict[str, list[Device]] = {}
    for device in rows:
        found.setdefault(device.serial_number, []).append(device)
    devices: list[Device] = []
    problems: list[str] = []
    for item in wanted:
        if isinstance(item, int):
            matches = [by_id[item]] if item in by_id else []
            serial = _("the label of device %(id)d", id=item)
        else:
            matches = found.get(item, [])
            serial = item
        if len(matches) > 1:
            matches = [d for d in matches if d.id == hint] or matches
        if not matches:
            problems.append(
                _("No device has serial number %(serial)s in your municipalities.", serial=serial)
            )
        elif len(matches) > 1:
            problems.append(
                _(
                    "Serial number %(serial)s is on devices of several products (%(products)s): "
                    "report the ticket from the device's own page.",
                    serial=serial,
                    products=", ".join(d.product.name for d in matches),
                )
            )
        elif matches[0] not in devices:
            devices.append(matches[0])
    return devices, problems


def _hint(form: TicketForm) -> int | None:
    try:
        return int(form.device_hint.data)
    except (TypeError, ValueError):
        return None


def _create_ticket(form: TicketForm, municipalities, recipient):
    """Register the ticket (and its photo): the ticket on success, else the status to answer."""
    devices, problems = resolve_serials(form.serials.data, _hint(form))
    if problems:
        form.serials.errors = [*form.serials.errors, *problems]
        return None, 422
    ids = [m.id for m in municipalities]
    if len(ids) == 1:
        municipality_id = ids[0]
    elif form.municipality_id.data in ids:
        municipality_id = form.municipality_id.data
    else:
        derived = {d.municipality_id for d in devices}
        if recipient is not None:
            derived.add(recipient.municipality_id)
        if len(derived) != 1:
            form.municipality_id.errors = [
                *form.municipality_id.errors,
                _("Choose the municipality the ticket belongs to."),
            ]
            return None, 422
        municipality_id = derived.pop()
    team = get_scoped_or_404(Team, form.team_id.data, current_user) if form.team_id.data else None
    upload = form.file.data
    data = b""
    if upload is not None and getattr(upload, "filename", None):
        data = upload.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1)
    user = actor()
    try:
        ticket = ops.create_ticket(
            user,
            municipality_id,
            title=form.title.data,
            kind=form.kind.data,
            channel=form.channel.data,
            reporter_kind=form.reporter_kind.data,
            description=form.description.data,
            category=form.category.data,
            reporter_name=form.reporter_name.data,
            reporter_contact=form.reporter_contact.data,
            devices=devices,
            recipient=recipient,
            system=_form_system(form),
            urgency=form.urgency.data,
            impact=form.impact.data,
            team=team,
        )
        if data:
            add_attachment(user, ticket, upload.filename, data)
    except DomainError as exc:
        # Undoes the ticket too when only its photo was refused: nothing half-made.
        flash_domain_error(exc, form, renamed={"device_ids": "serials"})
        return None, exc.status
    return ticket, 302


@bp.route("/new", methods=["GET", "POST"])
@require(TICKETS_CREATE)
def ticket_new():
    form = TicketForm()
    municipalities = _municipalities()
    if request.method == "GET":
        _prefill(form)
    recipient = _form_recipient(form)
    _ticket_choices(form, municipalities, recipient)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            ticket, status = _create_ticket(form, municipalities, recipient)
            if ticket is not None:
                team = ticket.team
                flash(
                    _(
                        "Ticket #%(id)d is registered and sent to %(team)s.",
                        id=ticket.id,
                        team=team.name,
                    )
                    if team is not None
                    else _(
                        "Ticket #%(id)d is registered. No team was found for it: assign it.",
                        id=ticket.id,
                    ),
                    "success",
                )
                return redirect(url_for("support.ticket_detail", ticket_id=ticket.id))
        else:
            status = 422
        if form.file.data is not None and getattr(form.file.data, "filename", None):
            # Browsers never fill a file field in again.
            form.file.errors = [*form.file.errors, _("Choose the file again.")]
    return render_template(
        "support/ticket_new.html",
        form=form,
        several=len(municipalities) > 1,
        recipient=recipient,
        **_datalists(),
    ), status


# --- one ticket ---------------------------------------------------------------------


def _handlers(municipality_id: int) -> list[User]:
    """Active people of the municipality who handle tickets (may own one)."""
    return active_users_with(TICKETS_MANAGE, municipalities=[municipality_id])


def _assign_choices(form: AssignForm, ticket: Ticket) -> dict[int, User]:
    """Fill the choices; returns the people who may own the ticket, by id."""
    teams = [t for t in _teams(municipality_id=ticket.municipality_id) if t.is_active]
    form.team_id.choices = choices([("", _("Keep the team"))] + [(t.id, t.name) for t in teams])
    handlers = {u.id: u for u in _handlers(ticket.municipality_id)}
    form.assignee_id.choices = choices(
        [("", _("Nobody"))] + [(u.id, u.full_name) for u in handlers.values()]
    )
    picker(form.assignee_id)
    return handlers


def _status_choices(form: StatusForm, ticket: Ticket) -> None:
    form.status.choices = choices(
        [("", _("Choose"))] + [(s, STATUS_LABELS[s]) for s in ticket.allowed_statuses]
    )


def _render_detail(ticket_id: int, status: int = 200, **forms):
    user = actor()
    ticket = queries.ticket_detail(ticket_id, user)
    if ticket is None:
        abort(404)
    now = utcnow()
    manage = user.can(TICKETS_MANAGE)
    assign_form = forms.get("assign_form")
    status_form = forms.get("status_form")
    entry_form = forms.get("entry_form")
    if manage:
        if assign_form is None:
            assign_form = AssignForm(
                formdata=None,
                prefix="assign",
                version=ticket.version,
                team_id=ticket.team_id,
                assignee_id=ticket.assignee_id,
            )
        _assign_choices(assign_form, ticket)
        if status_form is None:
            status_form = StatusForm(formdata=None, prefix="status", version=ticket.version)
        status_form.version.data = ticket.version
        _status_choices(status_form, ticket)
        if entry_form is None:
            entry_form = EntryForm(formdata=None, prefix="entry")
    return render_template(
        "support/ticket.html",
        ticket=ticket,
        clock=clock_view(ticket, now, ops.business_hours()),
        entries=queries.entries_for(ticket, current_user),
        attachments=queries.attachments_for(ticket),
        assign_form=assign_form,
        status_form=status_form,
        entry_form=entry_form,
        entry_kinds=ENTRY_KINDS,
        attach_form=forms.get("attach_form") or AttachForm(formdata=None, prefix="attach"),
        inline_types=INLINE_TYPES,
        max_mb=max(1, current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024)),
        # What the modules above add: e.g. the escalation against the supplier's agreement.
        parts=modules.page_parts("support.ticket", ticket, current_user),
    ), status


def _to_ticket(ticket_id: int, anchor: str | None = None):
    return redirect(url_for("support.ticket_detail", ticket_id=ticket_id, _anchor=anchor))


@bp.get("/<int:ticket_id>")
@require(TICKETS_VIEW)
def ticket_detail(ticket_id: int):
    return _render_detail(ticket_id)


@bp.route("/<int:ticket_id>/edit", methods=["GET", "POST"])
@require(TICKETS_MANAGE)
def ticket_edit(ticket_id: int):
    ticket = _scoped_ticket(ticket_id)
    form = TicketEditForm(obj=ticket if request.method == "GET" else None)
    form.system_id.choices = choices(system_pairs(current_user, _("None"), ticket.system))
    if request.method == "GET":
        form.version.data = ticket.version
    priority = ticket.priority
    done = submit(
        form,
        lambda: ops.update_ticket(
            actor(),
            ticket,
            expected_version=form.expected_version(),
            title=form.title.data,
            description=form.description.data,
            category=form.category.data,
            system=_form_system(form),
            urgency=form.urgency.data,
            impact=form.impact.data,
        ),
    )
    if done.ok:
        if ticket.priority != priority:
            flash(
                _(
                    "The changes are saved. The priority is now %(priority)s, "
                    "and the deadlines follow it.",
                    priority=PRIORITY_LABELS[ticket.priority],
                ),
                "success",
            )
        else:
            flash(_("The changes are saved."), "success")
        return _to_ticket(ticket.id)
    ticket = _scoped_ticket(ticket_id)  # as it is now, after a refused change
    return render_template(
        "support/ticket_edit.html",
        form=form,
        ticket=ticket,
        **_datalists(),
    ), done.status


@bp.post("/<int:ticket_id>/acknowledge")
@require(TICKETS_MANAGE)
def ticket_acknowledge(ticket_id: int):
    """«Kvitter»: one click. Whoever was faster owns it; the other is told who."""
    ticket = _scoped_ticket(ticket_id)
    try:
        ops.acknowledge_or_explain(actor(), ticket.id)
    except DomainError as exc:
        flash_domain_error(exc)
    else:
        flash(_("You have acknowledged ticket #%(id)d and own it.", id=ticket_id), "success")
    return _to_ticket(ticket_id)


@bp.post("/<int:ticket_id>/assign")
@require(TICKETS_MANAGE)
def ticket_assign(ticket_id: int):
    ticket = _scoped_ticket(ticket_id)
    form = AssignForm(prefix="assign")
    handlers = _assign_choices(form, ticket)
    team = get_scoped_or_404(Team, form.team_id.data, current_user) if form.team_id.data else None
    assignee = None
    owner_before = ticket.assignee_id
    if form.assignee_id.data:
        # Only the people offered: anyone else gets the same answer, whoever they are.
        assignee = handlers.get(form.assignee_id.data)
        if assignee is None:
            form.assignee_id.errors = [_("Choose someone who handles tickets.")]
            return _render_detail(ticket_id, 422, assign_form=form)
    done = submit(
        form,
        lambda: ops.assign(
            actor(),
            ticket,
            assignee=assignee,
            team=team,
            expected_version=form.expected_version(),
        ),
    )
    if done.ok:
        if assignee is not None and assignee.id != owner_before:
            mail.notify_assignment_after_commit(ticket, assignee, actor())
        if assignee is not None:
            flash(
                _(
                    "Ticket #%(id)d is now owned by %(name)s.",
                    id=ticket.id,
                    name=assignee.full_name,
                ),
                "success",
            )
        else:
            flash(_("Ticket #%(id)d has no owner now.", id=ticket.id), "success")
        return _to_ticket(ticket_id)
    if done.status == 409:
        return _to_ticket(ticket_id)
    return _render_detail(ticket_id, done.status, assign_form=form)


@bp.post("/<int:ticket_id>/status")
@require(TICKETS_MANAGE)
def ticket_status(ticket_id: int):
    ticket = _scoped_ticket(ticket_id)
    form = StatusForm(prefix="status")
    _status_choices(form, ticket)
    done = submit(
        form,
        lambda: ops.change_status(
            actor(),
            ticket,
            form.status.data,
            note=form.note.data,
            expected_version=form.expected_version(),
        ),
    )
    if done.ok:
        flash(
            _(
                "Ticket #%(id)d is now «%(status)s».",
                id=ticket.id,
                status=STATUS_LABELS[ticket.status],
            ),
            "success",
        )
        return _to_ticket(ticket_id)
    if done.status == 409:  # someone was faster, or the lifecycle does not allow it
        return _to_ticket(ticket_id)
    return _render_detail(ticket_id, done.status, status_form=form)


@bp.post("/<int:ticket_id>/entries")
@require(TICKETS_MANAGE)
def ticket_entry(ticket_id: int):
    ticket = _scoped_ticket(ticket_id)
    form = EntryForm(prefix="entry")
    done = submit(form, lambda: ops.add_entry(actor(), ticket, form.body.data, kind=form.kind.data))
    if done.ok:
        if done.result.kind == EntryKind.REPLY:
            flash(_("The reply is written in the log."), "success")
        else:
            flash(_("The internal note is saved."), "success")
        return _to_ticket(ticket_id, "log")
    return _render_detail(ticket_id, done.status, entry_form=form)


@bp.post("/<int:ticket_id>/attachments")
@require(TICKETS_CREATE)
def ticket_attach(ticket_id: int):
    ticket = _scoped_ticket(ticket_id)
    form = AttachForm(prefix="attach")
    if not form.validate_on_submit():
        return _render_detail(ticket_id, 422, attach_form=form)
    upload = form.file.data
    data = b""
    if upload is not None and getattr(upload, "filename", None):
        data = upload.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1)
    try:
        attachment = add_attachment(
            actor(), ticket, getattr(upload, "filename", None) if upload else None, data
        )
    except DomainError as exc:
        # The form again, the problem beside the file field (413 when it is too large).
        flash_domain_error(exc, form)
        return _render_detail(ticket_id, exc.status, attach_form=form)
    flash(_("%(name)s is attached to the ticket.", name=attachment.filename), "success")
    return _to_ticket(ticket_id, "attachments")


@bp.get("/<int:ticket_id>/attachments/<int:attachment_id>")
@require(TICKETS_VIEW)
def attachment(ticket_id: int, attachment_id: int):
    """The file, only after the ticket has been found in the user's municipalities."""
    ticket = _scoped_ticket(ticket_id)
    row = queries.attachment_or_404(ticket, attachment_id)
    path = path_of(row)
    if not path.is_file():
        abort(404)
    # Read whole (at most ATTACHMENT_MAX_BYTES): no file handle outlives the request.
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=row.content_type,
        as_attachment=row.content_type not in INLINE_TYPES,
        download_name=file_name(row.filename, row.content_type),
        conditional=False,
        etag=False,
        max_age=None,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# Route modules register on `bp` when imported.
from vftops.support import (  # noqa: E402, F401
    views_actions,
    views_admin,
    views_reports,
    views_tests,
)
