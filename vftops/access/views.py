"""Pages of access control: the systems register, a system with its roles and who has
access to it, and the authorisation register with a grant's history."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from vftops.access import operations as ops
from vftops.access import queries
from vftops.access.forms import (
    NONE,
    ChangeRoleForm,
    EndGrantForm,
    GrantFilterForm,
    GrantForm,
    RoleForm,
    SystemForm,
)
from vftops.access.labels import (
    ACCOUNT_SOURCE_LABELS,
    ADMIN_KIND_LABELS,
    DECISION_LABELS,
    HOLDER_KIND_LABELS,
    JOB_LABELS,
    ORDER_KIND_LABELS,
    REVIEW_STATUS_LABELS,
    SYSTEM_KIND_LABELS,
    SYSTEM_STATUS_LABELS,
    TASK_ACTION_LABELS,
    TASK_STATUS_LABELS,
    WARNING_LABELS,
    holder_label,
)
from vftops.access.models import AccessGrant, HolderKind
from vftops.access.permissions import ACCESS_MANAGE, ACCESS_VIEW
from vftops.auth.models import User
from vftops.auth.queries import active_colleagues
from vftops.core.inputs import db_int
from vftops.core.models import local_today
from vftops.core.pagination import capped_page
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404, municipality_ids, scoped_or_none
from vftops.core.web import actor, submit
from vftops.equipment.models import Recipient
from vftops.equipment.permissions import RECIPIENTS_VIEW
from vftops.org.models import Municipality, Unit
from vftops.org.queries import municipalities_of, units_of
from vftops.suppliers.queries import active_suppliers
from vftops.support.queries import teams_for
from vftops.systems.models import ItSystem, SystemRole

bp = Blueprint("access", __name__, url_prefix="/access")

PER_PAGE = 50
LABELS = {
    "kind": SYSTEM_KIND_LABELS,
    "admin_kind": ADMIN_KIND_LABELS,
    "account_source": ACCOUNT_SOURCE_LABELS,
    "status": SYSTEM_STATUS_LABELS,
    "job": JOB_LABELS,
    "holder_kind": HOLDER_KIND_LABELS,
    "order_kind": ORDER_KIND_LABELS,
    "task_action": TASK_ACTION_LABELS,
    "task_status": TASK_STATUS_LABELS,
    "review_status": REVIEW_STATUS_LABELS,
    "review_warning": WARNING_LABELS,
    "decision": DECISION_LABELS,
}


@bp.context_processor
def _labels():
    return {"labels": LABELS, "holder": lambda grant: holder_label(grant, actor())}


# --- the systems register ---------------------------------------------------------------


@bp.get("")
@require(ACCESS_VIEW)
def systems():
    user = actor()
    today = local_today()
    rows = queries.systems_for(user, include_retired=request.args.get("retired") == "1")
    counts = queries.active_grant_counts([s.id for s in rows], user, today)
    return render_template("access/systems.html", systems=rows, counts=counts)


def _system_choices(form: SystemForm, user, system: ItSystem | None) -> None:
    mine = municipalities_of(user)
    form.municipality_id.choices = [(m.id, m.name) for m in mine]
    form.shared_with_ids.choices = [(m.id, m.name) for m in mine]
    form.supplier_id.choices = [NONE, *[(s.id, s.name) for s in active_suppliers()]]
    people = [NONE, *[(u.id, u.full_name) for u in active_colleagues(user)]]
    form.owner_id.choices = people
    form.admin_user_id.choices = people
    form.admin_team_id.choices = [
        NONE,
        *[(t.id, f"{t.name} ({t.municipality.name})") for t in teams_for(user, active_only=True)],
    ]
    if system is not None:
        # The municipality that runs it does not change (the shares the editor does not
        # work in are kept as they are, by the operation).
        del form.municipality_id
        form.shared_with_ids.choices = [
            (m.id, m.name) for m in mine if m.id != system.municipality_id
        ]
        form.admin_team_id.choices = [
            NONE,
            *[
                (t.id, t.name)
                for t in teams_for(user, active_only=True)
                if t.municipality_id == system.municipality_id
            ],
        ]
        if system.is_vftops:
            form.kind.choices = [(system.kind, SYSTEM_KIND_LABELS[system.kind])]


@bp.route("/systems/new", methods=["GET", "POST"])
@require(ACCESS_MANAGE)
def system_new():
    user = actor()
    form = SystemForm()
    _system_choices(form, user, None)

    def create():
        municipality = get_scoped_or_404(Municipality, form.municipality_id.data, user)
        return ops.create_system(user, municipality, **form.data_for_operation())

    done = submit(form, create)
    if done.ok:
        flash(_("%(name)s is in the register.", name=done.result.name), "success")
        return redirect(url_for("access.system_detail", system_id=done.result.id))
    return render_template("access/system_form.html", form=form, system=None), done.status


@bp.route("/systems/<int:system_id>/edit", methods=["GET", "POST"])
@require(ACCESS_MANAGE)
def system_edit(system_id: int):
    user = actor()
    system = _run_by_reader(get_scoped_or_404(ItSystem, system_id, user), user)
    queries.with_access_teams([system])
    form = SystemForm(obj=system)
    _system_choices(form, user, system)
    if request.method == "GET":
        form.shared_with_ids.data = [m.id for m in system.shared_with]
        form.admin_team_id.data = system.access_team.id if system.access_team else None
    done = submit(
        form,
        lambda: ops.update_system(
            user,
            system,
            expected_version=form.expected_version(),
            **form.data_for_operation(),
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("access.system_detail", system_id=system.id))
    return render_template("access/system_form.html", form=form, system=system), done.status


def _run_by_reader(system: ItSystem, user) -> ItSystem:
    """A system's form opens for the people of the municipality that runs it: the
    operation would refuse anyone else, so they are not given a form to fill in."""
    if system.municipality_id not in municipality_ids(user):
        abort(403)
    return system


def _day_arg(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@bp.get("/systems/<int:system_id>")
@require(ACCESS_VIEW)
def system_detail(system_id: int):
    user = actor()
    system = queries.with_access_teams([get_scoped_or_404(ItSystem, system_id, user)])[0]
    today = local_today()
    day = _day_arg("at") or today
    holders = capped_page(
        queries.who_had_access_statement(system, day, user),
        page=request.args.get("page", 1, type=db_int),
        per_page=PER_PAGE,
    )
    return render_template(
        "access/system_detail.html",
        system=system,
        may_change=user.can(ACCESS_MANAGE) and system.municipality_id in municipality_ids(user),
        roles=queries.roles_of(system),
        holders=holders,
        day=day,
        today=today,
        asked_day=request.args.get("at"),
    )


# --- roles ------------------------------------------------------------------------------


@bp.route("/systems/<int:system_id>/roles/new", methods=["GET", "POST"])
@require(ACCESS_MANAGE)
def role_new(system_id: int):
    user = actor()
    system = _run_by_reader(get_scoped_or_404(ItSystem, system_id, user), user)
    form = RoleForm()
    done = submit(
        form,
        lambda: ops.create_role(
            user,
            system,
            name=form.name.data,
            description=form.description.data,
            is_privileged=form.is_privileged.data,
            job_functions=form.job_functions.data or [],
        ),
    )
    if done.ok:
        flash(_("The role %(name)s is added.", name=done.result.name), "success")
        return redirect(url_for("access.system_detail", system_id=system.id))
    return render_template("access/role_form.html", form=form, system=system, role=None), (
        done.status
    )


@bp.route("/roles/<int:role_id>/edit", methods=["GET", "POST"])
@require(ACCESS_MANAGE)
def role_edit(role_id: int):
    user = actor()
    role = queries.role_or_404(role_id, user)
    _run_by_reader(role.system, user)
    form = RoleForm(obj=role)
    done = submit(
        form,
        lambda: ops.update_role(
            user,
            role,
            expected_version=form.expected_version(),
            name=form.name.data,
            description=form.description.data,
            is_privileged=form.is_privileged.data,
            job_functions=form.job_functions.data or [],
            is_active=form.is_active.data,
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("access.system_detail", system_id=role.system_id))
    return render_template(
        "access/role_form.html", form=form, system=role.system, role=role
    ), done.status


# --- the authorisation register ---------------------------------------------------------


@bp.get("/grants")
@require(ACCESS_VIEW)
def grants():
    user = actor()
    today = local_today()
    form = GrantFilterForm(request.args)
    systems = queries.systems_for(user, include_retired=True)
    form.system_id.choices = [NONE, *[(s.id, s.name) for s in systems]]
    units = queries.units_for_register(user)
    form.unit_id.choices = [NONE, *[(u.id, f"{u.name} ({u.municipality.name})") for u in units]]
    form.validate()
    wanted = queries.GrantFilter(
        system_id=form.system_id.data if form.system_id.data in {s.id for s in systems} else None,
        unit_id=form.unit_id.data if form.unit_id.data in {u.id for u in units} else None,
        holder=(form.q.data or "").strip() or None,
        at=form.at.data if not form.at.errors else None,
        ended=bool(form.ended.data),
    )
    page = capped_page(
        queries.with_details(queries.grants_statement(user, wanted, today)).order_by(
            AccessGrant.starts_on.desc(), AccessGrant.id.desc()
        ),
        page=request.args.get("page", 1, type=db_int),
        per_page=PER_PAGE,
    )
    kept = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "access/grants.html",
        form=form,
        page=page,
        kept=kept,
        day=wanted.at or today,
        today=today,
        wanted=wanted,
    )


@bp.get("/grants/<int:grant_id>")
@require(ACCESS_VIEW)
def grant_detail(grant_id: int):
    user = actor()
    grant = queries.grant_or_404(grant_id, user)
    change_form = _fresh(ChangeRoleForm, grant)
    _change_choices(change_form, grant)
    return _grant_page(grant, _fresh(EndGrantForm, grant), change_form)


def _fresh(form_class, grant: AccessGrant):
    """An empty form on the grant's current version (nothing of the grant copied in)."""
    form = form_class(formdata=None)
    form.version.data = grant.version
    return form


def _grant_page(grant, end_form, change_form, status: int = 200):
    user = actor()
    return render_template(
        "access/grant_detail.html",
        grant=grant,
        history=queries.history_of(grant, user),
        end_form=end_form,
        change_form=change_form,
        today=local_today(),
    ), status


def _change_choices(form: ChangeRoleForm, grant: AccessGrant) -> None:
    form.role_id.choices = [
        (r.id, r.name)
        for r in queries.roles_of(grant.system)
        if r.is_active and r.id != grant.role_id
    ]


@bp.post("/grants/<int:grant_id>/end")
@require(ACCESS_MANAGE)
def grant_end(grant_id: int):
    user = actor()
    grant = queries.grant_or_404(grant_id, user)
    form = EndGrantForm()
    done = submit(
        form,
        lambda: ops.end_grant(
            user,
            grant,
            ends_on=form.ends_on.data,
            reason=form.end_reason.data,
            expected_version=form.expected_version(),
        ),
    )
    if done.ok:
        flash(_("The access is ended."), "success")
        return redirect(url_for("access.grant_detail", grant_id=grant.id))
    change_form = _fresh(ChangeRoleForm, grant)
    _change_choices(change_form, grant)
    return _grant_page(grant, form, change_form, done.status)


@bp.post("/grants/<int:grant_id>/change-role")
@require(ACCESS_MANAGE)
def grant_change_role(grant_id: int):
    user = actor()
    grant = queries.grant_or_404(grant_id, user)
    form = ChangeRoleForm()
    _change_choices(form, grant)
    done = submit(
        form,
        lambda: ops.change_role(
            user,
            grant,
            get_scoped_or_404(SystemRole, form.role_id.data, user),
            on=form.starts_on.data,
            reason=form.reason.data,
            expected_version=form.expected_version(),
        ),
    )
    if done.ok:
        flash(_("The role is changed."), "success")
        return redirect(url_for("access.grant_detail", grant_id=done.result.id))
    return _grant_page(grant, _fresh(EndGrantForm, grant), form, done.status)


def _grant_choices(form: GrantForm, user, system: ItSystem) -> None:
    form.role_id.choices = [(r.id, r.name) for r in queries.roles_of(system) if r.is_active]
    served = [m for m in municipalities_of(user) if m.id in system.served_municipality_ids]
    form.municipality_id.choices = [(m.id, m.name) for m in served]
    served_ids = {m.id for m in served}
    form.unit_id.choices = [
        NONE,
        *[
            (u.id, f"{u.name} ({u.municipality.name})")
            for u in units_of(user)
            if u.municipality_id in served_ids
        ],
    ]
    form.user_id.choices = [NONE, *[(u.id, u.full_name) for u in active_colleagues(user)]]


def _holder(form: GrantForm, user) -> ops.Holder:
    kind = form.holder_kind.data
    if kind == HolderKind.USER:
        return ops.Holder.of_user(scoped_or_none(User, form.user_id.data, user))
    if kind in (HolderKind.RELATIVE, HolderKind.RECIPIENT):
        # Whether a recipient exists is not told to those who may not see recipients.
        may_see = user.can(RECIPIENTS_VIEW)
        recipient = scoped_or_none(Recipient, form.recipient_id.data, user) if may_see else None
        if kind == HolderKind.RECIPIENT:
            return ops.Holder(HolderKind.RECIPIENT, recipient=recipient)
        return ops.Holder(
            HolderKind.RELATIVE,
            recipient=recipient,
            name=form.person_name.data,
            detail=form.person_detail.data,
        )
    return ops.Holder.person(form.person_name.data, form.person_detail.data)


@bp.route("/systems/<int:system_id>/grants/new", methods=["GET", "POST"])
@require(ACCESS_MANAGE)
def grant_new(system_id: int):
    user = actor()
    system = get_scoped_or_404(ItSystem, system_id, user)
    form = GrantForm()
    _grant_choices(form, user, system)
    if request.method == "GET" and request.args.get("account"):
        # «Register it» from an account list: the account the list named.
        form.account_name.data = request.args.get("account", "")[:120]

    def create():
        return ops.grant_access(
            user,
            system,
            get_scoped_or_404(SystemRole, form.role_id.data, user),
            _holder(form, user),
            municipality=get_scoped_or_404(Municipality, form.municipality_id.data, user),
            unit=scoped_or_none(Unit, form.unit_id.data, user),
            account_name=form.account_name.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            reason=form.reason.data,
        )

    done = submit(form, create)
    if done.ok:
        flash(_("The access is registered."), "success")
        return redirect(url_for("access.grant_detail", grant_id=done.result.id))
    return render_template("access/grant_form.html", form=form, system=system), done.status
