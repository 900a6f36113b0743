"""Pages of access reviews: the campaigns and their progress, a new campaign, the
reviewer's page (phone and desktop), and the evidence of a closed campaign."""

from __future__ import annotations

from itertools import groupby

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from vftops.access import evidence, queries
from vftops.access import operations as ops
from vftops.access.forms import NONE, DecideForm, ReviewForm, ReviewStepForm
from vftops.access.labels import holder_label
from vftops.access.models import AccessReview, ReviewStatus
from vftops.access.permissions import ACCESS_MANAGE, ACCESS_REVIEW, ACCESS_VIEW
from vftops.access.views import bp
from vftops.auth.queries import active_colleagues
from vftops.core.errors import DomainError
from vftops.core.forms import choices
from vftops.core.inputs import db_int
from vftops.core.models import local_today
from vftops.core.permissions import require, require_any
from vftops.core.scope import get_scoped_or_404, municipality_ids, optional_scoped_or_404
from vftops.core.spreadsheet import CSV_MIMETYPE, XLSX_MIMETYPE, download
from vftops.core.web import actor, flash_domain_error, submit
from vftops.org.models import Municipality
from vftops.org.queries import municipalities_of
from vftops.systems.models import SystemRole


@bp.get("/reviews")
@require_any(ACCESS_VIEW, ACCESS_REVIEW)
def reviews():
    """The campaigns (for those who read the register), and what waits for me."""
    user = actor()
    campaigns = queries.reviews_for(user) if user.can(ACCESS_VIEW) else []
    mine = queries.reviews_with_items_for(user) if user.can(ACCESS_REVIEW) else []
    return render_template(
        "access/reviews.html", campaigns=campaigns, mine=mine, today=local_today()
    )


def _review_choices(form: ReviewForm, user) -> None:
    mine = municipalities_of(user)
    form.municipality_ids.choices = choices((m.id, m.name) for m in mine)
    form.system_ids.choices = choices(
        (s.id, s.name) for s in queries.systems_for(user) if s.status == "active"
    )
    people = [NONE, *[(u.id, u.full_name) for u in active_colleagues(user)]]
    form.approver_id.choices = choices(people)
    form.fallback_reviewer_id.choices = choices(people)


@bp.route("/reviews/new", methods=["GET", "POST"])
@require(ACCESS_MANAGE)
def review_new():
    user = actor()
    form = ReviewForm()
    _review_choices(form, user)
    if request.method == "GET":
        form.municipality_ids.data = [c.value for c in form.municipality_ids.choices][:1]
        form.fallback_reviewer_id.data = user.id

    def create():
        ids = form.municipality_ids.data or []
        home = get_scoped_or_404(Municipality, ids[0], user) if ids else None
        if home is None:
            home = municipalities_of(user)[0]
        return ops.create_review(
            user,
            home,
            name=form.name.data,
            system_ids=form.system_ids.data,
            municipality_ids=ids,
            starts_on=form.starts_on.data,
            due_on=form.due_on.data,
            escalate_on=form.escalate_on.data,
            reminder_days=form.reminder_days.data,
            unanswered=form.unanswered.data,
            approver_id=form.approver_id.data,
            fallback_reviewer_id=form.fallback_reviewer_id.data,
            second_stage=form.second_stage.data,
        )

    done = submit(form, create)
    if done.ok:
        flash(_("The review is made. Start it when the reviewers are ready."), "success")
        return redirect(url_for("access.review_detail", review_id=done.result.id))
    return render_template("access/review_form.html", form=form), done.status


@bp.get("/reviews/<int:review_id>")
@require(ACCESS_VIEW)
def review_detail(review_id: int):
    user = actor()
    review = queries.review_or_404(review_id, user)
    step = ReviewStepForm()
    step.version.data = review.version
    progress = queries.review_progress(review) if review.status != ReviewStatus.DRAFT else None
    return render_template(
        "access/review_detail.html",
        review=review,
        progress=progress,
        step=step,
        may_run=user.can(ACCESS_MANAGE) and review.municipality_id in municipality_ids(user),
        today=local_today(),
        totals=evidence.totals(review) if review.status == ReviewStatus.CLOSED else None,
    )


def _step(review_id: int, run, message):
    user = actor()
    review = queries.review_or_404(review_id, user)
    form = ReviewStepForm()
    if form.validate_on_submit():
        try:
            run(user, review, form.expected_version())
            flash(message, "success")
        except DomainError as exc:
            flash_domain_error(exc, form)
    return redirect(url_for("access.review_detail", review_id=review.id))


@bp.post("/reviews/<int:review_id>/start")
@require(ACCESS_MANAGE)
def review_start(review_id: int):
    return _step(
        review_id,
        lambda user, review, version: ops.start_review(user, review, expected_version=version),
        _("The review is started: each reviewer finds their access to go through."),
    )


@bp.post("/reviews/<int:review_id>/close")
@require(ACCESS_MANAGE)
def review_close(review_id: int):
    return _step(
        review_id,
        lambda user, review, version: ops.close_review(user, review, expected_version=version),
        _("The review is closed. Its evidence is ready."),
    )


# --- the reviewer's page --------------------------------------------------------------------


def _reviewer_page(review, user, *, errors=None, typed=None, status=200):
    items = queries.my_items(review, user)
    roles = queries.roles_by_system({i.system_id for i in items})
    units = []
    for unit_id, unit_items in groupby(items, key=lambda i: i.unit_id):
        unit_items = list(unit_items)
        people = [
            (key, list(group)) for key, group in groupby(unit_items, key=lambda i: i.holder_key)
        ]
        units.append(
            {
                "id": unit_id,
                "name": unit_items[0].unit.name if unit_items[0].unit else _("No unit"),
                "people": people,
                "left": sum(1 for i in unit_items if i.decision is None),
                "sent": all(i.submitted_at is not None for i in unit_items),
            }
        )
    decided = sum(1 for i in items if i.decision is not None)
    return render_template(
        "access/review_mine.html",
        review=review,
        units=units,
        roles=roles,
        total=len(items),
        decided=decided,
        errors=errors or {},
        typed=typed or {},
        holder=lambda grant: holder_label(grant, user),
        today=local_today(),
    ), status


@bp.get("/reviews/<int:review_id>/mine")
@require(ACCESS_REVIEW)
def review_mine(review_id: int):
    user = actor()
    review = get_scoped_or_404(AccessReview, review_id, user)
    return _reviewer_page(review, user)


@bp.post("/reviews/<int:review_id>/items/<int:item_id>")
@require(ACCESS_REVIEW)
def review_decide(review_id: int, item_id: int):
    user = actor()
    review = get_scoped_or_404(AccessReview, review_id, user)
    item = queries.my_item_or_404(review, item_id, user)
    form = DecideForm()
    form.new_role_id.choices = choices([NONE])
    if not form.validate_on_submit():
        return _reviewer_page(
            review, user, errors={item.id: form.errors}, typed={item.id: form.data}, status=422
        )
    try:
        ops.decide(
            user,
            item,
            decision=form.decision.data,
            reason=form.reason.data,
            new_role=optional_scoped_or_404(SystemRole, form.new_role_id.data, user)
            if form.decision.data == "change"
            else None,
            expected_version=form.expected_version(),
        )
    except DomainError as exc:
        return _reviewer_page(
            review,
            user,
            errors={item.id: exc.fields or {"decision": [str(exc.message)]}},
            typed={item.id: form.data},
            status=exc.status,
        )
    return redirect(url_for("access.review_mine", review_id=review.id, _anchor=f"i{item.id}"))


@bp.post("/reviews/<int:review_id>/keep-unwarned")
@require(ACCESS_REVIEW)
def review_keep_unwarned(review_id: int):
    user = actor()
    review = get_scoped_or_404(AccessReview, review_id, user)
    form = ReviewStepForm()
    if form.validate_on_submit():
        try:
            kept = ops.keep_unwarned(user, review, request.form.get("holder", "")[:260])
            flash(
                _("%(n)d kept.", n=kept) if kept else _("Nothing without a warning was left."),
                "success" if kept else "info",
            )
        except DomainError as exc:
            flash_domain_error(exc, form)
    return redirect(url_for("access.review_mine", review_id=review.id))


@bp.post("/reviews/<int:review_id>/submit")
@require(ACCESS_REVIEW)
def review_submit(review_id: int):
    user = actor()
    review = get_scoped_or_404(AccessReview, review_id, user)
    form = ReviewStepForm()
    if form.validate_on_submit():
        raw = request.form.get("unit_id", "")
        try:
            unit_id = db_int(raw) if raw else None
        except (TypeError, ValueError):
            unit_id = -1
        try:
            sent = ops.submit_unit(user, review, unit_id)
            flash(
                _("%(n)d decisions sent. What is to end goes to those who remove access.", n=sent),
                "success",
            )
        except DomainError as exc:
            flash_domain_error(exc, form)
    return redirect(url_for("access.review_mine", review_id=review.id))


# --- evidence --------------------------------------------------------------------------------


@bp.get("/reviews/<int:review_id>/evidence")
@require(ACCESS_VIEW)
def review_evidence(review_id: int):
    """The printable report: totals, every item, and the SHA-256 of the CSV."""
    user = actor()
    review = queries.review_or_404(review_id, user)
    return render_template(
        "access/review_evidence.html",
        review=review,
        totals=evidence.totals(review),
        rows=list(evidence.rows(review, user)),
        headers=evidence.headers(),
        digest=evidence.sha256(review, user),
    )


@bp.get("/reviews/<int:review_id>/evidence.csv")
@require(ACCESS_VIEW)
def review_evidence_csv(review_id: int):
    user = actor()
    review = queries.review_or_404(review_id, user)
    return download(
        evidence.csv_chunks(review, user), evidence.filename(review, "csv"), CSV_MIMETYPE
    )


@bp.get("/reviews/<int:review_id>/evidence.xlsx")
@require(ACCESS_VIEW)
def review_evidence_xlsx(review_id: int):
    user = actor()
    review = queries.review_or_404(review_id, user)
    return download(
        evidence.xlsx_chunks(review, user), evidence.filename(review, "xlsx"), XLSX_MIMETYPE
    )


# --- second stage -----------------------------------------------------------------------------


@bp.get("/reviews/<int:review_id>/confirm")
@require(ACCESS_REVIEW)
def review_confirm(review_id: int):
    """The system owner's page: privileged roles the managers kept, to confirm or end."""
    user = actor()
    review = get_scoped_or_404(AccessReview, review_id, user)
    return _confirm_page(review, user)


def _confirm_page(review, user, *, errors=None, typed=None, status=200):
    return render_template(
        "access/review_confirm.html",
        review=review,
        items=queries.awaiting_owner(review, user),
        errors=errors or {},
        typed=typed or {},
        holder=lambda grant: holder_label(grant, user),
    ), status


@bp.post("/reviews/<int:review_id>/confirm/<int:item_id>")
@require(ACCESS_REVIEW)
def review_confirm_item(review_id: int, item_id: int):
    user = actor()
    review = get_scoped_or_404(AccessReview, review_id, user)
    item = queries.owned_item_or_404(review, item_id, user)
    form = ReviewStepForm()
    if not form.validate_on_submit():
        return _confirm_page(review, user, status=422)
    overrule = request.form.get("action") == "end"
    reason = request.form.get("reason", "")
    try:
        ops.confirm_item(
            user, item, overrule=overrule, reason=reason, expected_version=form.expected_version()
        )
    except DomainError as exc:
        return _confirm_page(
            review,
            user,
            errors={item.id: exc.fields or {"action": [str(exc.message)]}},
            typed={item.id: reason},
            status=exc.status,
        )
    flash(_("The access ends: a removal task is made.") if overrule else _("Confirmed."), "success")
    return redirect(url_for("access.review_confirm", review_id=review.id))
