"""Pages of reconciliation: read a system's account list (a dry run), see what it says
against the register, apply it, and order the removal of accounts nobody knows."""

from __future__ import annotations

import os

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from vftops.access import operations as ops
from vftops.access import queries
from vftops.access.forms import AccountListForm, ReviewStepForm
from vftops.access.permissions import ACCESS_MANAGE
from vftops.access.views import bp
from vftops.core.errors import DomainError
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404
from vftops.core.web import actor, flash_domain_error
from vftops.systems.models import ItSystem


@bp.route("/systems/<int:system_id>/accounts", methods=["GET", "POST"])
@require(ACCESS_MANAGE)
def accounts(system_id: int):
    """Upload an account list: read in a dry run, nothing changes yet."""
    user = actor()
    system = get_scoped_or_404(ItSystem, system_id, user)
    form = AccountListForm()
    kept = ops.mapping_for(system)
    if request.method == "GET" and kept:
        for name, value in kept.items():
            getattr(form, name).data = value
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            upload = form.file.data
            data = upload.read()
            filename = os.path.basename(upload.filename or "")
            mapping = {
                name: getattr(form, name).data
                for name in ("account", "display_name", "role", "last_login")
            }
            try:
                if not any(mapping.values()):
                    mapping = kept or ops.guess_mapping(ops.headers_of(filename, data))
                listing = ops.read_account_list(user, system, filename, data, mapping)
                return redirect(url_for("access.account_list", list_id=listing.id))
            except DomainError as exc:
                flash_domain_error(exc, form, renamed={"file": "file"})
                status = exc.status
        form.file.errors = [*form.file.errors, _("Choose the file again.")]
    return render_template(
        "access/accounts.html",
        form=form,
        system=system,
        lists=queries.account_lists_of(system),
    ), status


@bp.get("/account-lists/<int:list_id>")
@require(ACCESS_MANAGE)
def account_list(list_id: int):
    user = actor()
    listing = queries.account_list_or_404(list_id, user)
    step = ReviewStepForm()
    step.version.data = listing.version
    return render_template("access/account_list.html", listing=listing, step=step)


@bp.post("/account-lists/<int:list_id>/apply")
@require(ACCESS_MANAGE)
def account_list_apply(list_id: int):
    user = actor()
    listing = queries.account_list_or_404(list_id, user)
    form = ReviewStepForm()
    if form.validate_on_submit():
        try:
            ops.apply_account_list(user, listing, expected_version=form.expected_version())
            flash(_("The account list is applied to the register."), "success")
        except DomainError as exc:
            flash_domain_error(exc, form)
    return redirect(url_for("access.account_list", list_id=listing.id))


@bp.post("/systems/<int:system_id>/accounts/remove")
@require(ACCESS_MANAGE)
def account_remove(system_id: int):
    """Order the removal of an account the register does not know."""
    user = actor()
    system = get_scoped_or_404(ItSystem, system_id, user)
    form = ReviewStepForm()
    back = request.form.get("list_id", type=int)
    if form.validate_on_submit():
        try:
            task = ops.order_account_removal(
                user, system, request.form.get("account", ""), reason=request.form.get("reason")
            )
            flash(
                _(
                    "The removal of %(account)s is ordered (ticket #%(id)d).",
                    account=task.account_name,
                    id=task.ticket_id,
                ),
                "success",
            )
        except DomainError as exc:
            flash_domain_error(exc, form)
    if back:
        return redirect(url_for("access.account_list", list_id=back))
    return redirect(url_for("access.accounts", system_id=system.id))
