"""Pages of orders and leavers: a unit manager orders access for someone in their unit, or
the end of a leaver's access; the access administrators see the open tasks and mark each
done (or refuse it)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from vftops.access import operations as ops
from vftops.access import queries
from vftops.access.forms import NONE, LeaverForm, OrderForm, TaskDoneForm, TaskRefuseForm
from vftops.access.models import HolderKind
from vftops.access.permissions import ACCESS_MANAGE, ACCESS_ORDER, ACCESS_VIEW
from vftops.access.views import bp
from vftops.auth.models import User
from vftops.core.errors import DomainError
from vftops.core.forms import choices
from vftops.core.inputs import db_int
from vftops.core.pagination import capped_page
from vftops.core.permissions import require, require_any
from vftops.core.scope import optional_scoped_or_404
from vftops.core.web import actor, flash_domain_error, submit
from vftops.org.models import Unit
from vftops.systems.models import SystemRole

PER_PAGE = 50


def _who_choices(form, user, *, with_closed: bool = False) -> list[Unit]:
    units = queries.orderable_units(user)
    several = len({u.municipality_id for u in units}) > 1
    form.unit_id.choices = choices(
        [NONE] + [(u.id, f"{u.name} ({u.municipality.name})" if several else u.name) for u in units]
    )
    people = {}
    for person, _unit in queries.people_of_units([u.id for u in units], with_closed=with_closed):
        name = person.full_name or person.username
        people[person.id] = (
            name if person.is_active_user else _("%(name)s (login closed)", name=name)
        )
    form.user_id.choices = choices([NONE, *people.items()])
    return units


def _order_holder(form, user) -> ops.Holder:
    """Ids from the form through the scoped loader: another municipality's is not found
    (and a person outside the manager's units is refused as not found by the operation)."""
    if form.holder_kind.data == HolderKind.USER:
        return ops.Holder.of_user(optional_scoped_or_404(User, form.user_id.data, user))
    return ops.Holder.person(form.person_name.data, form.person_detail.data)


def _unit(form, user) -> Unit | None:
    return optional_scoped_or_404(Unit, form.unit_id.data, user)


@bp.get("/orders")
@require_any(ACCESS_ORDER, ACCESS_VIEW)
def orders():
    """Orders (newest first), and for the administrators the open tasks, oldest first."""
    user = actor()
    show_closed = request.args.get("closed") == "1"
    page = capped_page(
        queries.orders_statement(user, open_only=not show_closed).order_by(
            queries.AccessOrder.id.desc()
        ),
        page=request.args.get("page", 1, type=db_int),
        per_page=PER_PAGE,
    )
    tasks = queries.open_tasks(user) if user.can(ACCESS_MANAGE) else []
    return render_template(
        "access/orders.html",
        orders=page,
        tasks=tasks,
        show_closed=show_closed,
        may_order=user.can(ACCESS_ORDER),
    )


@bp.route("/orders/new", methods=["GET", "POST"])
@require(ACCESS_ORDER)
def order_new():
    user = actor()
    form = OrderForm()
    units = _who_choices(form, user)
    # Each system's roles under its name.
    form.role_id.choices = [SelectChoice(*NONE)] + [
        SelectChoice(role.id, role.name, optgroup=role.system.name)
        for role in queries.orderable_roles({u.municipality_id for u in units})
    ]
    if request.method == "GET" and len(units) == 1:
        form.unit_id.data = units[0].id

    def create():
        role = optional_scoped_or_404(SystemRole, form.role_id.data, user)
        return ops.order_access(
            user,
            unit=_unit(form, user),
            holder=_order_holder(form, user),
            system=role.system if role is not None else None,
            role=role,
            starts_on=form.starts_on.data,
            reason=form.reason.data,
        )

    done = submit(form, create)
    if done.ok:
        flash(
            _(
                "The order is sent to those who grant access. "
                "You are told by e-mail when it is done."
            ),
            "success",
        )
        return redirect(url_for("access.order_detail", order_id=done.result.id))
    return render_template("access/order_form.html", form=form), done.status


@bp.route("/orders/leaver", methods=["GET", "POST"])
@require(ACCESS_ORDER)
def leaver_new():
    """Two steps: who and when, then the access that will end, confirmed."""
    user = actor()
    form = LeaverForm()
    units = _who_choices(form, user, with_closed=True)  # one who has left may be closed
    if request.method == "GET":
        if len(units) == 1:
            form.unit_id.data = units[0].id
        if request.args.get("user_id"):
            form.user_id.data = request.args.get("user_id", type=db_int)
    grants = None
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        unit = _unit(form, user)
        holder = _order_holder(form, user)
        if form.confirm.data == "1":
            done = submit(
                form,
                lambda: ops.order_leaver(
                    user,
                    unit=unit,
                    holder=holder,
                    last_day=form.ends_on.data,
                    reason=form.reason.data,
                ),
            )
            if done.ok:
                flash(
                    _("The end of the access is ordered: each system's administrator confirms it."),
                    "success",
                )
                return redirect(url_for("access.order_detail", order_id=done.result.id))
            status = done.status
        if status == 200:
            try:
                grants = ops.leaver_preview(
                    user, unit=unit, holder=holder, last_day=form.ends_on.data
                )
                form.confirm.data = "1"
            except DomainError as exc:
                flash_domain_error(exc, form)
                return render_template(
                    "access/leaver_form.html", form=form, grants=None
                ), exc.status
        if not grants and status == 200:
            form.user_id.errors = [
                *form.user_id.errors,
                _("The person has no access in the register to end."),
            ]
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("access/leaver_form.html", form=form, grants=grants), status


@bp.get("/orders/<int:order_id>")
@require_any(ACCESS_ORDER, ACCESS_VIEW)
def order_detail(order_id: int):
    user = actor()
    order = queries.order_or_404(order_id, user)
    may_do = user.can(ACCESS_MANAGE)
    forms = {}
    if may_do:
        for task in order.tasks:
            if task.is_open:
                forms[task.id] = _task_forms(task)
    return render_template("access/order_detail.html", order=order, forms=forms, may_do=may_do)


def _own_ids(form, task_id):
    """Several tasks' forms on one page: each field (and its label) gets an id of its own."""
    for field in form:
        field.id = f"{field.id}-{task_id}"
        field.label.field_id = field.id
    return form


def _task_forms(task) -> tuple[TaskDoneForm, TaskRefuseForm]:
    """The two empty forms of an open task (each posts to its own address)."""
    done = TaskDoneForm(formdata=None)
    done.version.data = task.version
    refuse = TaskRefuseForm(formdata=None)
    refuse.version.data = task.version
    return _own_ids(done, task.id), _own_ids(refuse, f"{task.id}-refuse")


@bp.get("/tasks/<int:task_id>")
@require(ACCESS_MANAGE)
def task_detail(task_id: int):
    """One task: a removal an access review or an account list asked for, or one of an
    order (its page links the order)."""
    user = actor()
    task = queries.task_or_404(task_id, user)
    return _lone_task_page(task, _task_forms(task) if task.is_open else None, 200)


def _lone_task_page(task, form_pair, status):
    return render_template(
        "access/task_detail.html",
        task=task,
        forms={task.id: form_pair} if form_pair else {},
        review_item=queries.review_item_of(task),
    ), status


def _task_page(task, form_pair, status):
    """The order's page again, the posted task's forms as they were filled in."""
    user = actor()
    if task.order_id is None:
        return _lone_task_page(task, form_pair, status)
    order = queries.order_or_404(task.order_id, user)
    forms = {}
    for other in order.tasks:
        if other.is_open:
            forms[other.id] = form_pair if other.id == task.id else _task_forms(other)
    return render_template(
        "access/order_detail.html", order=order, forms=forms, may_do=True
    ), status


@bp.post("/tasks/<int:task_id>/done")
@require(ACCESS_MANAGE)
def task_done(task_id: int):
    user = actor()
    task = queries.task_or_404(task_id, user)
    form = TaskDoneForm()
    refuse = _task_forms(task)[1]
    done = submit(
        form,
        lambda: ops.complete_task(
            user,
            task,
            account_name=form.account_name.data,
            note=form.note.data,
            expected_version=form.expected_version(),
        ),
    )
    _own_ids(form, task.id)
    if done.ok:
        if task.order_id is None:
            flash(_("The task is done."), "success")
            return redirect(url_for("access.task_detail", task_id=task.id))
        flash(_("The task is done. The orderer is told."), "success")
        return redirect(url_for("access.order_detail", order_id=task.order_id))
    return _task_page(task, (form, refuse), done.status)


@bp.post("/tasks/<int:task_id>/refuse")
@require(ACCESS_MANAGE)
def task_refuse(task_id: int):
    user = actor()
    task = queries.task_or_404(task_id, user)
    form = TaskRefuseForm()
    done_form = _task_forms(task)[0]
    done = submit(
        form,
        lambda: ops.refuse_task(
            user, task, reason=form.reason.data, expected_version=form.expected_version()
        ),
    )
    _own_ids(form, f"{task.id}-refuse")
    if done.ok:
        flash(_("The task is refused. The orderer is told why."), "success")
        if task.order_id is None:
            return redirect(url_for("access.task_detail", task_id=task.id))
        return redirect(url_for("access.order_detail", order_id=task.order_id))
    return _task_page(task, (done_form, form), done.status)
