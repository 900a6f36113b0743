"""Pages of deviations: reported against an agreement (also in one click from a ticket
whose escalation broke a service level), followed up with the supplier, closed."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from vftops.agreements import operations as ops
from vftops.agreements import queries
from vftops.agreements.forms import DeviationForm
from vftops.agreements.measure import for_ticket
from vftops.agreements.models import (
    DEVIATION_STATUS_LABELS,
    Agreement,
    Deviation,
    DeviationStatus,
    ServiceLevel,
)
from vftops.agreements.permissions import AGREEMENTS_MANAGE, AGREEMENTS_VIEW, DEVIATIONS_REPORT
from vftops.agreements.views import bp, page_arg
from vftops.core.forms import VersionedForm
from vftops.core.models import local_today
from vftops.core.pagination import capped_page
from vftops.core.permissions import require, require_any
from vftops.core.scope import get_scoped_or_404, id_or_404, scoped
from vftops.core.web import actor, submit
from vftops.extensions import db
from vftops.support.models import Ticket

PER_PAGE = 50


def _deviation_or_404(deviation_id: int) -> Deviation:
    deviation = db.session.scalars(
        select(Deviation)
        .where(Deviation.id == deviation_id)
        .options(
            joinedload(Deviation.agreement).joinedload(Agreement.supplier),
            joinedload(Deviation.reported_by),
            joinedload(Deviation.service_level),
            selectinload(Deviation.tickets),
            selectinload(Deviation.devices),
        )
    ).first()
    if deviation is None:
        abort(404)
    queries.agreement_or_404(deviation.agreement_id, actor())  # 404 unless it is the reader's
    return deviation


@bp.get("/agreements/deviations")
@require(AGREEMENTS_VIEW)
def deviations():
    user = actor()
    status = request.args.get("status", "open")
    stmt = (
        select(Deviation)
        .join(Agreement, Agreement.id == Deviation.agreement_id)
        .where(Agreement.id.in_(scoped(select(Agreement.id), Agreement, user)))
        .options(joinedload(Deviation.agreement).joinedload(Agreement.supplier))
        .order_by(Deviation.created_at.desc(), Deviation.id.desc())
    )
    if status == "open":
        stmt = stmt.where(Deviation.status != DeviationStatus.CLOSED)
    elif status in DEVIATION_STATUS_LABELS:
        stmt = stmt.where(Deviation.status == status)
    page = capped_page(stmt, page=page_arg(), per_page=PER_PAGE)
    return render_template(
        "agreements/deviations.html", page=page, status=status, statuses=DEVIATION_STATUS_LABELS
    )


@bp.route("/agreements/<int:agreement_id>/deviations/new", methods=["GET", "POST"])
@require(DEVIATIONS_REPORT)
def deviation_new(agreement_id: int):
    user = actor()
    agreement = queries.agreement_or_404(agreement_id, user)
    form = DeviationForm()
    if request.method == "GET" and request.args.get("ticket", "").isdigit():
        form.ticket_ids.data = request.args["ticket"]
    done = submit(form, lambda: ops.report_deviation(user, agreement, **form.data_for_operation()))
    if done.ok:
        flash(_("The deviation is registered."), "success")
        return redirect(_after_report(done.result, user))
    return render_template(
        "agreements/deviation_form.html", form=form, agreement=agreement, deviation=None
    ), done.status


def _after_report(deviation: Deviation, user) -> str:
    if user.can(AGREEMENTS_VIEW):
        return url_for("agreement.deviation_detail", deviation_id=deviation.id)
    if deviation.tickets:
        return url_for("support.ticket_detail", ticket_id=deviation.tickets[0].id)
    return url_for("core.index")


@bp.post("/agreements/<int:agreement_id>/deviations/breach")
@require(DEVIATIONS_REPORT)
def deviation_from_breach(agreement_id: int):
    """One click from a ticket: the breach of a service level becomes a deviation with
    the ticket, the level and what was measured filled in."""
    user = actor()
    agreement = queries.agreement_or_404(agreement_id, user)
    ticket = get_scoped_or_404(Ticket, request.form.get("ticket_id"), user)
    level = db.session.get(ServiceLevel, id_or_404(request.form.get("level_id")))
    if level is None or level.agreement_id != agreement.id:
        abort(404)
    if ticket.supplier_id != agreement.supplier_id:
        flash(_("The ticket was not escalated to this agreement's supplier."), "warning")
        return redirect(url_for("support.ticket_detail", ticket_id=ticket.id))
    found = [b for b in for_ticket(ticket, [agreement]) if b.level.id == level.id and b.breached]
    if not found:
        flash(_("The escalation is within the service level: no deviation to report."), "warning")
        return redirect(url_for("support.ticket_detail", ticket_id=ticket.id))
    breach = found[0]
    if breach.deviation is not None:
        flash(_("A deviation is registered for this already."), "info")
        return redirect(_after_report(breach.deviation, user))
    title = _(
        "%(what)s broken on ticket #%(ticket)d: %(hours)s hours of %(target)s",
        what=level.metric_label,
        ticket=ticket.id,
        hours=format_decimal(breach.hours),
        target=format_decimal(level.target),
    )
    done = submit(
        VersionedForm(),
        lambda: ops.report_breach(
            user,
            agreement,
            ticket,
            level,
            severity="medium",
            title=title[:200],
            description=ticket.title,
        ),
    )
    if done.ok:
        deviation, created = done.result
        if created:
            flash(_("The deviation is registered."), "success")
        else:
            flash(_("A deviation is registered for this already."), "info")
        return redirect(_after_report(deviation, user))
    return redirect(url_for("support.ticket_detail", ticket_id=ticket.id))


@bp.get("/agreements/deviations/<int:deviation_id>")
@require_any(AGREEMENTS_VIEW, DEVIATIONS_REPORT)
def deviation_detail(deviation_id: int):
    deviation = _deviation_or_404(deviation_id)
    return render_template(
        "agreements/deviation_detail.html", deviation=deviation, today=local_today()
    )


@bp.route("/agreements/deviations/<int:deviation_id>/edit", methods=["GET", "POST"])
@require_any(AGREEMENTS_MANAGE, DEVIATIONS_REPORT)
def deviation_edit(deviation_id: int):
    user = actor()
    deviation = _deviation_or_404(deviation_id)
    form = DeviationForm(obj=deviation)
    if request.method == "GET":
        form.ticket_ids.data = ", ".join(str(t.id) for t in deviation.tickets)
    done = submit(
        form,
        lambda: ops.update_deviation(
            user, deviation, expected_version=form.expected_version(), **form.data_for_operation()
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("agreement.deviation_detail", deviation_id=deviation.id))
    return render_template(
        "agreements/deviation_form.html",
        form=form,
        agreement=deviation.agreement,
        deviation=deviation,
    ), done.status


@bp.post("/agreements/deviations/<int:deviation_id>/close")
@require(AGREEMENTS_MANAGE)
def deviation_close(deviation_id: int):
    user = actor()
    deviation = _deviation_or_404(deviation_id)
    form = VersionedForm()
    reopen = request.form.get("reopen") == "1"
    done = submit(
        form,
        lambda: (ops.reopen_deviation if reopen else ops.close_deviation)(
            user, deviation, expected_version=form.expected_version()
        ),
    )
    if done.ok:
        flash(
            _("The deviation is reopened.") if reopen else _("The deviation is closed."), "success"
        )
    return redirect(url_for("agreement.deviation_detail", deviation_id=deviation.id))
