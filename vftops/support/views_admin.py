"""Support configuration pages: teams, routing rules, SLA and settings, the contact page.

Every page works on one municipality at a time, chosen with `?municipality_id=`
(the first of the user's municipalities when not given); a municipality outside
the user's scope answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from vftops.auth.models import User
from vftops.auth.queries import active_users_with
from vftops.core.errors import DomainError
from vftops.core.forms import choices
from vftops.core.inputs import db_int
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404, optional_scoped_or_404
from vftops.core.web import actor, flash_domain_error, submit
from vftops.equipment import queries as eq_queries
from vftops.equipment.labels import CATEGORY_LABELS
from vftops.equipment.models import DeviceStatus, Product
from vftops.org.models import Municipality
from vftops.org.queries import municipalities_of
from vftops.suppliers.queries import active_suppliers
from vftops.support import operations as ops
from vftops.support import queries
from vftops.support.forms_admin import (
    CALENDAR_LABELS,
    ConfirmDeleteForm,
    RouteTestForm,
    RuleForm,
    SlaTargetForm,
    SupportSettingsForm,
    TeamForm,
)
from vftops.support.models import (
    IMPACT_LABELS,
    KIND_LABELS,
    PRIORITY_LABELS,
    TEAM_KIND_LABELS,
    URGENCY_LABELS,
    Level,
    Priority,
    RoutingRule,
    SlaTarget,
    Team,
    TicketKind,
)
from vftops.support.permissions import SUPPORT_CONFIGURE, TICKETS_MANAGE, TICKETS_VIEW
from vftops.support.views import bp
from vftops.systems.models import ItSystem
from vftops.systems.queries import system_pairs


def first_lower(text) -> str:
    """«Medisindispenser» → «medisindispenser» inside a sentence; «GPS» stays «GPS»."""
    text = str(text)
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def sla_duration(minutes: int | None) -> str:
    """Minutes as people say them: «15 min», «4 t», «1 t 30 min»."""
    if minutes is None:
        return "–"
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(h)d h %(m)d min", h=hours, m=rest)
    if hours:
        return _("%(h)d h", h=hours)
    return _("%(m)d min", m=rest)


@bp.context_processor
def admin_helpers():
    # Names of their own: every support page gets these (the labels are the same objects
    # the queue pages use).
    return {
        "team_kind_labels": TEAM_KIND_LABELS,
        "kind_labels": KIND_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "calendar_labels": CALENDAR_LABELS,
        "category_labels": CATEGORY_LABELS,
        "first_lower": first_lower,
        "sla_duration": sla_duration,
    }


# --- the municipality a page is about ---------------------------------------------------


def _municipalities() -> list[Municipality]:
    return list(municipalities_of(current_user))


def _chosen(municipalities: list[Municipality], value=None) -> Municipality:
    """The municipality named by `value` (or ?municipality_id=), else the user's first."""
    if value is None:
        value = request.args.get("municipality_id")
    if value not in (None, ""):
        try:
            wanted = int(value)
        except (TypeError, ValueError):
            abort(404)
        for m in municipalities:
            if m.id == wanted:
                return m
        abort(404)
    if not municipalities:
        abort(404)
    return municipalities[0]


# --- teams ---------------------------------------------------------------------------


@bp.get("/teams")
@require(TICKETS_VIEW)
def teams():
    """Every team of my municipalities, with how to reach it and who is in it."""
    municipalities = _municipalities()
    rows = queries.teams_for(current_user)
    by_municipality: dict[int, list[Team]] = {m.id: [] for m in municipalities}
    for team in rows:
        by_municipality.setdefault(team.municipality_id, []).append(team)
    for listed in by_municipality.values():
        listed.sort(key=lambda t: (not t.is_default, not t.is_active, t.name.casefold()))
    return render_template(
        "support/teams.html", municipalities=municipalities, by_municipality=by_municipality
    )


def _handlers(municipality_id: int) -> list[User]:
    """Active people who handle tickets in the municipality: who may be a team member."""
    return active_users_with(TICKETS_MANAGE, municipalities=[municipality_id])


def _fill_team_choices(form: TeamForm, municipality_id: int, team: Team | None = None) -> dict:
    people = _handlers(municipality_id)
    known = {u.id for u in people}
    pairs = [(u.id, u.full_name) for u in people]
    if team is not None:
        for member in team.members:
            if member.id not in known:
                pairs.append(
                    (member.id, _("%(name)s (no longer handles tickets)", name=member.full_name))
                )
    form.member_ids.choices = choices(pairs)
    suppliers = active_suppliers()
    supplier_pairs = [(s.id, s.name) for s in suppliers]
    if team is not None and team.supplier is not None and not team.supplier.is_active:
        supplier_pairs.append((team.supplier.id, team.supplier.name))
    form.supplier_id.choices = choices([("", _("No supplier")), *supplier_pairs])
    return {u.id: u for u in people} | ({m.id: m for m in team.members} if team is not None else {})


def _team_data(form: TeamForm) -> dict:
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "supplier_id": form.supplier_id.data,
        "phone": form.phone.data,
        "email": form.email.data,
        "hours": form.hours.data,
        "note": form.note.data,
    }


@bp.route("/teams/new", methods=["GET", "POST"])
@require(SUPPORT_CONFIGURE)
def team_new():
    municipalities = _municipalities()
    municipality = _chosen(municipalities)
    form = TeamForm()
    del form.is_active  # a new team is active
    people = _fill_team_choices(form, municipality.id)

    def run():
        return ops.create_team(
            actor(),
            municipality.id,
            members=[people[i] for i in form.member_ids.data or [] if i in people],
            is_default=form.is_default.data,
            **_team_data(form),
        )

    done = submit(form, run)
    if done.ok:
        flash(_("The team %(name)s is created.", name=done.result.name), "success")
        return redirect(url_for("support.teams"))
    return render_template(
        "support/team_form.html",
        form=form,
        team=None,
        municipality=municipality,
        municipalities=municipalities,
    ), done.status


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@require(SUPPORT_CONFIGURE)
def team_edit(team_id: int):
    team = get_scoped_or_404(
        Team,
        team_id,
        current_user,
        options=(
            selectinload(Team.members),
            joinedload(Team.supplier),
            joinedload(Team.municipality),
        ),
    )
    form = TeamForm(obj=team)
    people = _fill_team_choices(form, team.municipality_id, team)
    if request.method == "GET":
        form.member_ids.data = [m.id for m in team.members]

    def run():
        return ops.update_team(
            actor(),
            team,
            members=[people[i] for i in form.member_ids.data or [] if i in people],
            is_default=form.is_default.data,
            expected_version=form.expected_version(),
            is_active=form.is_active.data,
            **_team_data(form),
        )

    done = submit(form, run)
    if done.ok:
        flash(_("The changes to %(name)s are saved.", name=done.result.name), "success")
        return redirect(url_for("support.teams"))
    return render_template(
        "support/team_form.html",
        form=form,
        team=team,
        municipality=team.municipality,
        municipalities=[],
    ), done.status


# --- routing rules -------------------------------------------------------------------


def _product_pairs(current: Product | None = None) -> list[tuple[int, str]]:
    # A catalogue can be long: read only the columns the list needs.
    rows = eq_queries.product_options(serialised_only=True)
    pairs = [(pid, f"{maker} {model}") for pid, maker, model, _category in rows]
    if current is not None and current.id not in {p for p, _name in pairs}:
        pairs.append((current.id, current.name))
    return pairs


@bp.get("/rules")
@require(TICKETS_VIEW)
def rules():
    """The municipality's routing rules in the order they are tried, and a routing test."""
    municipalities = _municipalities()
    municipality = _chosen(municipalities)
    rows = queries.rules_for(current_user, municipality.id)
    default = queries.default_team(municipality.id)
    test = RouteTestForm(request.args)
    test.kind.choices = choices(
        [("", _("Any kind"))] + [(k.value, v) for k, v in KIND_LABELS.items()]
    )
    test.product_id.choices = choices([("", _("No device")), *_product_pairs()])
    test.system_id.choices = choices(system_pairs(current_user, _("No system")))
    outcome = None
    if request.args.get("test") and test.validate():
        team, rule = ops.route(
            municipality.id,
            kind=test.kind.data or None,
            category=test.category.data,
            product_ids={test.product_id.data} if test.product_id.data else set(),
            system_id=test.system_id.data,
        )
        outcome = {"team": team, "rule": rule}
    return render_template(
        "support/rules.html",
        municipality=municipality,
        municipalities=municipalities,
        rules=rows,
        default=default,
        test=test,
        outcome=outcome,
    )


def _fill_rule_choices(form: RuleForm, municipality_id: int, rule: RoutingRule | None) -> dict:
    teams_here = queries.teams_in(municipality_id)
    usable = [t for t in teams_here if t.is_active or (rule is not None and t.id == rule.team_id)]
    form.team_id.choices = choices(
        [("", _("Choose a team"))]
        + [(t.id, t.name if t.is_active else _("%(name)s (inactive)", name=t.name)) for t in usable]
    )
    form.fill_kinds(_("Any kind"))
    form.product_id.choices = choices(
        [("", _("Any product")), *_product_pairs(rule.product if rule is not None else None)]
    )
    form.system_id.choices = choices(
        system_pairs(current_user, _("Any system"), rule.system if rule is not None else None)
    )
    return {t.id: t for t in usable}


def _save_rule(form: RuleForm, municipality_id: int, teams_here: dict, rule=None):
    return ops.save_rule(
        actor(),
        municipality_id,
        rule=rule,
        team=teams_here.get(form.team_id.data),
        position=form.position.data,
        kind=form.kind.data or None,
        category=form.category.data,
        product_id=form.product_id.data,
        system=optional_scoped_or_404(ItSystem, form.system_id.data, current_user),
        note=form.note.data,
        is_active=form.is_active.data,
        expected_version=form.expected_version() if rule is not None else None,
    )


@bp.route("/rules/new", methods=["GET", "POST"])
@require(SUPPORT_CONFIGURE)
def rule_new():
    municipalities = _municipalities()
    municipality = _chosen(municipalities)
    form = RuleForm()
    teams_here = _fill_rule_choices(form, municipality.id, None)
    if request.method == "GET":
        form.position.data = str(queries.next_rule_position(municipality.id))
        form.team_id.data = request.args.get("team_id", type=db_int)
    done = submit(form, lambda: _save_rule(form, municipality.id, teams_here))
    if done.ok:
        flash(
            _(
                "Rule %(n)d is saved: new tickets it matches go to %(team)s.",
                n=done.result.position,
                team=done.result.team.name,
            ),
            "success",
        )
        return redirect(url_for("support.rules", municipality_id=municipality.id))
    return render_template(
        "support/rule_form.html",
        form=form,
        rule=None,
        municipality=municipality,
        municipalities=municipalities,
    ), done.status


def _rule(rule_id: int) -> RoutingRule:
    return get_scoped_or_404(
        RoutingRule,
        rule_id,
        current_user,
        options=(joinedload(RoutingRule.team), joinedload(RoutingRule.product)),
    )


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@require(SUPPORT_CONFIGURE)
def rule_edit(rule_id: int):
    rule = _rule(rule_id)
    municipality = get_scoped_or_404(Municipality, rule.municipality_id, current_user)
    form = RuleForm(obj=rule)
    teams_here = _fill_rule_choices(form, rule.municipality_id, rule)
    if request.method == "GET":
        form.position.data = str(rule.position)
        form.kind.data = rule.kind or ""
    done = submit(form, lambda: _save_rule(form, rule.municipality_id, teams_here, rule))
    if done.ok:
        flash(
            _(
                "Rule %(n)d is saved: new tickets it matches go to %(team)s.",
                n=done.result.position,
                team=done.result.team.name,
            ),
            "success",
        )
        return redirect(url_for("support.rules", municipality_id=rule.municipality_id))
    return render_template(
        "support/rule_form.html",
        form=form,
        rule=rule,
        municipality=municipality,
        municipalities=[],
    ), done.status


@bp.route("/rules/<int:rule_id>/delete", methods=["GET", "POST"])
@require(SUPPORT_CONFIGURE)
def rule_delete(rule_id: int):
    """Asks first; the rule is deleted only by the button on that page."""
    rule = _rule(rule_id)
    municipality_id = rule.municipality_id
    form = ConfirmDeleteForm()
    if request.method == "GET":
        form.version.data = rule.version
    elif form.validate_on_submit():
        position = rule.position
        try:
            ops.delete_rule(actor(), rule, expected_version=form.expected_version())
        except DomainError as exc:
            flash_domain_error(exc)
        else:
            flash(
                _(
                    "Rule %(n)d is deleted. New tickets it matched follow the other rules.",
                    n=position,
                ),
                "success",
            )
        return redirect(url_for("support.rules", municipality_id=municipality_id))
    else:
        abort(400)
    return render_template(
        "support/rule_form.html",
        form=form,
        rule=rule,
        municipality=get_scoped_or_404(Municipality, municipality_id, current_user),
        municipalities=[],
        deleting=True,
    )


# --- SLA targets and settings --------------------------------------------------------


def _defaults() -> dict[int, tuple[int, int, str]]:
    return {int(p): tuple(v) for p, v in current_app.config["SUPPORT_SLA"].items()}


def _own_targets(municipality_id: int) -> dict[int, SlaTarget]:
    return queries.sla_targets(municipality_id)


def _target_forms(municipality_id: int, posted: int | None = None) -> dict[int, SlaTargetForm]:
    """One form per priority, filled with what holds now; the posted one with what was sent."""
    effective = ops.sla_targets(municipality_id)
    own = _own_targets(municipality_id)
    forms = {}
    for priority in Priority:
        p = int(priority)
        if p == posted:
            forms[p] = SlaTargetForm(prefix=f"p{p}")
        else:
            forms[p] = SlaTargetForm(prefix=f"p{p}", formdata=None)
            forms[p].set_minutes(*effective[p])
            forms[p].version.data = own[p].version if p in own else ""
    return forms


def _settings_form(municipality_id: int, posted: bool = False) -> SupportSettingsForm:
    if posted:
        return SupportSettingsForm(prefix="settings")
    form = SupportSettingsForm(prefix="settings", formdata=None)
    current = ops.settings_for(municipality_id)
    for name, value in current.items():
        getattr(form, name).data = str(value)
    row = queries.own_settings(municipality_id)
    form.version.data = row.version if row is not None else ""
    return form


def _sla_page(municipality, municipalities, target_forms, settings_form, status=200):
    config = current_app.config
    matrix = config["SUPPORT_PRIORITY_MATRIX"]
    levels = [Level.HIGH, Level.MEDIUM, Level.LOW]
    return render_template(
        "support/sla.html",
        municipality=municipality,
        municipalities=municipalities,
        levels=levels,
        matrix=matrix,
        urgency_labels=URGENCY_LABELS,
        impact_labels=IMPACT_LABELS,
        priorities=[int(p) for p in Priority],
        defaults=_defaults(),
        own=_own_targets(municipality.id),
        target_forms=target_forms,
        settings_form=settings_form,
        settings_defaults={
            "auto_close_days": config["SUPPORT_AUTO_CLOSE_DAYS"],
            "incident_threshold": config["SUPPORT_INCIDENT_THRESHOLD"],
            "incident_window_minutes": config["SUPPORT_INCIDENT_WINDOW_MINUTES"],
        },
        own_settings=queries.own_settings(municipality.id),
        business_hours=config["SUPPORT_BUSINESS_HOURS"],
        warn_percent=config["SUPPORT_WARN_PERCENT"],
    ), status


@bp.get("/sla")
@require(TICKETS_VIEW)
def sla():
    """The priority matrix, the SLA targets per priority and the municipality's settings."""
    municipalities = _municipalities()
    municipality = _chosen(municipalities)
    return _sla_page(
        municipality,
        municipalities,
        _target_forms(municipality.id),
        _settings_form(municipality.id),
    )


@bp.post("/sla")
@require(SUPPORT_CONFIGURE)
def sla_save():
    """Save one priority's targets (section=target) or the settings (section=settings)."""
    municipalities = _municipalities()
    municipality = _chosen(municipalities, request.form.get("municipality_id"))
    section = request.form.get("section")
    back = url_for("support.sla", municipality_id=municipality.id)
    if section == "settings":
        form = _settings_form(municipality.id, posted=True)
        done = submit(
            form,
            lambda: ops.save_support_settings(
                actor(),
                municipality.id,
                auto_close_days=form.auto_close_days.data,
                incident_threshold=form.incident_threshold.data,
                incident_window_minutes=form.incident_window_minutes.data,
                expected_version=form.expected_version(),
            ),
        )
        if done.ok:
            flash(_("The settings for %(name)s are saved.", name=municipality.name), "success")
            return redirect(back)
        return _sla_page(
            municipality, municipalities, _target_forms(municipality.id), form, done.status
        )
    if section not in ("target", "reset"):
        abort(400)
    priority = request.form.get("priority", type=db_int)
    if priority not in {int(p) for p in Priority}:
        abort(400)
    if section == "reset":
        label = PRIORITY_LABELS[Priority(priority)]
        if ops.reset_sla_target(actor(), municipality.id, priority):
            flash(
                _(
                    "Priority %(priority)s uses the default SLA again, for tickets registered "
                    "from now on.",
                    priority=label,
                ),
                "success",
            )
        else:
            flash(_("Priority %(priority)s already uses the default.", priority=label), "info")
        return redirect(back)
    forms = _target_forms(municipality.id, posted=priority)
    form = forms[priority]
    done = submit(
        form,
        lambda: ops.set_sla_target(
            actor(),
            municipality.id,
            priority,
            acknowledge_minutes=form.total("acknowledge"),
            resolve_minutes=form.total("resolve"),
            calendar=form.calendar.data,
            expected_version=form.expected_version(),
        ),
    )
    if done.ok:
        flash(
            _(
                "The SLA for priority %(priority)s is saved. It applies to tickets registered "
                "from now on.",
                priority=PRIORITY_LABELS[Priority(priority)],
            ),
            "success",
        )
        return redirect(back)
    return _sla_page(
        municipality, municipalities, forms, _settings_form(municipality.id), done.status
    )


# --- who to contact about what -------------------------------------------------------

# Devices that still count as in use in a municipality (not scrapped, not lost).
IN_USE = (
    DeviceStatus.INSTALLED.value,
    DeviceStatus.IN_STOCK.value,
    DeviceStatus.AWAITING_RESET.value,
    DeviceStatus.IN_REPAIR.value,
    DeviceStatus.IN_TRANSIT.value,
)
# What can go wrong with a device, in the order the page names it.
DEVICE_KINDS = (TicketKind.EQUIPMENT_FAULT.value, TicketKind.TECHNICAL_ALARM.value)


@dataclass
class ProductContact:
    product: Product
    installed: int
    # (kinds, team, rule): one line per team, with the kinds of tickets it gets.
    routes: list[tuple[list[str], Team | None, RoutingRule | None]] = field(default_factory=list)


def _route_in_memory(rules, default, *, kind, product_ids):
    """ops.route without a query per question: the rules are read once for the page."""
    for rule in rules:
        if rule.matches(kind=kind, category=None, product_ids=product_ids, system_id=None):
            return rule.team, rule
    return default, None


@bp.get("/contacts")
@require(TICKETS_VIEW)
def contacts():
    """«Hvem kontakter vi om hva?»: from the rules, the teams and the suppliers' support."""
    municipalities = _municipalities()
    municipality = _chosen(municipalities)
    teams_here = queries.teams_in(municipality.id, active_only=True, with_contacts=True)
    by_id = {t.id: t for t in teams_here}
    rules_here = [
        r
        for r in queries.rules_for(current_user, municipality.id)
        if r.is_active and r.team_id in by_id
    ]
    default = next((t for t in teams_here if t.is_default), None)
    installed = eq_queries.installed_by_product(municipality.id)
    products = list(eq_queries.products_in_use(municipality.id, IN_USE))
    entries = []
    for product in products:
        entry = ProductContact(product=product, installed=installed.get(product.id, 0))
        for kind in DEVICE_KINDS:
            team, rule = _route_in_memory(rules_here, default, kind=kind, product_ids={product.id})
            for kinds, seen_team, _rule in entry.routes:
                if seen_team is team:
                    kinds.append(kind)
                    break
            else:
                entry.routes.append(([kind], team, rule))
        entries.append(entry)
    suppliers = {p.supplier.id: p.supplier for p in products if p.supplier is not None}
    for team in teams_here:
        if team.supplier is not None:
            suppliers.setdefault(team.supplier.id, team.supplier)
    return render_template(
        "support/contacts.html",
        municipality=municipality,
        municipalities=municipalities,
        entries=entries,
        other_rules=[r for r in rules_here if r.product_id is None],
        default=default,
        teams=teams_here,
        suppliers=sorted(suppliers.values(), key=lambda s: s.name.casefold()),
    )
