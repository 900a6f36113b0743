"""Pages of supplier meetings: the meeting with its minutes, its actions followed up until
done, and the status report generated for it (on the page, printable and as XLSX)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from vftops.agreements import operations as ops
from vftops.agreements import queries
from vftops.agreements.forms import NONE, ActionForm, MeetingForm
from vftops.agreements.models import DEADLINE_LABELS, Agreement, MeetingAction, SupplierMeeting
from vftops.agreements.permissions import AGREEMENTS_MANAGE, AGREEMENTS_VIEW
from vftops.agreements.report import headers, rows, status_report
from vftops.agreements.views import bp, flash_refusal, managed_by_reader
from vftops.auth.queries import active_colleagues
from vftops.core.forms import VersionedForm
from vftops.core.models import local_today
from vftops.core.permissions import require
from vftops.core.spreadsheet import download, xlsx_stream
from vftops.core.web import actor, submit
from vftops.extensions import db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _meeting_or_404(meeting_id: int) -> SupplierMeeting:
    meeting = db.session.scalars(
        select(SupplierMeeting)
        .where(SupplierMeeting.id == meeting_id)
        .options(
            joinedload(SupplierMeeting.agreement).joinedload(Agreement.supplier),
            selectinload(SupplierMeeting.actions).joinedload(MeetingAction.owner),
        )
    ).first()
    if meeting is None:
        abort(404)
    queries.agreement_or_404(meeting.agreement_id, actor())
    return meeting


def _action_form(agreement: Agreement) -> ActionForm:
    form = ActionForm()
    form.owner_id.choices = [NONE, *[(u.id, u.full_name) for u in active_colleagues(actor())]]
    return form


@bp.route("/agreements/<int:agreement_id>/meetings/new", methods=["GET", "POST"])
@require(AGREEMENTS_MANAGE)
def meeting_new(agreement_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    form = MeetingForm()
    done = submit(form, lambda: ops.create_meeting(user, agreement, **form.data_for_operation()))
    if done.ok:
        flash(_("The meeting is registered, with its status report."), "success")
        return redirect(url_for("agreement.meeting_detail", meeting_id=done.result.id))
    return render_template(
        "agreements/meeting_form.html", form=form, agreement=agreement, meeting=None
    ), done.status


@bp.route("/agreements/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@require(AGREEMENTS_MANAGE)
def meeting_edit(meeting_id: int):
    user = actor()
    meeting = _meeting_or_404(meeting_id)
    managed_by_reader(meeting.agreement, user)
    form = MeetingForm(obj=meeting)
    done = submit(
        form,
        lambda: ops.update_meeting(
            user, meeting, expected_version=form.expected_version(), **form.data_for_operation()
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("agreement.meeting_detail", meeting_id=meeting.id))
    return render_template(
        "agreements/meeting_form.html", form=form, agreement=meeting.agreement, meeting=meeting
    ), done.status


@bp.get("/agreements/meetings/<int:meeting_id>")
@require(AGREEMENTS_VIEW)
def meeting_detail(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    return render_template(
        "agreements/meeting_detail.html",
        meeting=meeting,
        report=status_report(meeting),
        action_form=_action_form(meeting.agreement),
        printing=False,
        today=local_today(),
        deadline_labels=DEADLINE_LABELS,
    )


@bp.get("/agreements/meetings/<int:meeting_id>/print")
@require(AGREEMENTS_VIEW)
def meeting_print(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    return render_template(
        "agreements/meeting_print.html",
        meeting=meeting,
        report=status_report(meeting),
        deadline_labels=DEADLINE_LABELS,
    )


@bp.get("/agreements/meetings/<int:meeting_id>/report.xlsx")
@require(AGREEMENTS_VIEW)
def meeting_xlsx(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    report = status_report(meeting)
    title = _("Status report")
    filename = f"statusrapport-{meeting.held_on.isoformat()}.xlsx"
    # A few dozen rows: read now, while the objects are loaded.
    return download(xlsx_stream(title, headers(), list(rows(report))), filename, XLSX)


@bp.post("/agreements/meetings/<int:meeting_id>/actions")
@require(AGREEMENTS_MANAGE)
def action_add(meeting_id: int):
    user = actor()
    meeting = _meeting_or_404(meeting_id)
    managed_by_reader(meeting.agreement, user)
    form = _action_form(meeting.agreement)
    done = submit(
        form,
        lambda: ops.add_action(
            user,
            meeting,
            text=form.text.data,
            owner_id=form.owner_id.data,
            owner_name=form.owner_name.data,
            due_on=form.due_on.data,
        ),
    )
    if done.ok:
        flash(_("The action is added."), "success")
    else:
        flash_refusal(done, form)
    return redirect(url_for("agreement.meeting_detail", meeting_id=meeting.id) + "#actions")


@bp.post("/agreements/actions/<int:action_id>/done")
@require(AGREEMENTS_MANAGE)
def action_done(action_id: int):
    user = actor()
    action = db.session.get(MeetingAction, action_id) or abort(404)
    meeting = _meeting_or_404(action.meeting_id)
    managed_by_reader(meeting.agreement, user)
    form = VersionedForm()
    undo = request.form.get("undo") == "1"
    done = submit(
        form,
        lambda: ops.complete_action(
            user, action, expected_version=form.expected_version(), done=not undo
        ),
    )
    if done.ok:
        flash(_("The action is reopened.") if undo else _("The action is done."), "success")
    return redirect(url_for("agreement.meeting_detail", meeting_id=meeting.id) + "#actions")
