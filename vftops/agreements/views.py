"""Pages of agreements: the list, an agreement with its options, prices, service levels
and deadlines, the deadlines page, and the forms that change them."""

from __future__ import annotations

from datetime import date

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
from markupsafe import Markup
from sqlalchemy import select

from vftops.agreements import operations as ops
from vftops.agreements import queries
from vftops.agreements.forms import (
    NONE,
    AgreementForm,
    DecisionForm,
    OptionForm,
    PriceLineForm,
    ServiceLevelForm,
)
from vftops.agreements.models import (
    DEADLINE_LABELS,
    DECISION_LABELS,
    HANDOVER_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    Agreement,
    AgreementKind,
    ExtensionOption,
    PriceLine,
    ServiceLevel,
)
from vftops.agreements.permissions import AGREEMENTS_MANAGE, AGREEMENTS_VIEW
from vftops.agreements.terms import term_end
from vftops.auth.queries import active_colleagues
from vftops.core.forms import Form
from vftops.core.models import local_today
from vftops.core.pagination import capped_page
from vftops.core.permissions import Role, require, require_any
from vftops.core.scope import get_scoped_or_404, municipality_ids, scoped
from vftops.core.web import actor, submit
from vftops.equipment.queries import active_products
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.org.queries import municipalities_of
from vftops.stock.permissions import ORDERS_MANAGE
from vftops.suppliers.queries import active_suppliers
from vftops.systems.queries import systems_in_use

bp = Blueprint("agreement", __name__)
PER_PAGE = 50


def _int_arg(name: str) -> int | None:
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


def decision_options() -> Markup:
    """The options of a deadline's decision, written once for a page of many deadlines
    (a form field rendered for each row costs more than the rest of the page)."""
    return Markup("").join(
        Markup('<option value="{}">{}</option>').format(value, label)
        for value, label in [("", _("Choose …")), *DECISION_LABELS.items()]
    )


def flash_refusal(done, form) -> None:
    """A form posted from a page it redirects back to: what was refused, beside no field,
    is flashed (a conflict is flashed already)."""
    if done.ok or (done.error is not None and done.error.status == 409):
        return
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "danger")


def page_arg() -> int:
    """The page asked for: a number from 1, anything else the first; never past what an
    offset can hold."""
    return min(_int_arg("page") or 1, 10**6)


@bp.get("/agreements")
@require(AGREEMENTS_VIEW)
def index():
    user = actor()
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    stmt = queries.agreements(
        user,
        q=request.args.get("q"),
        status=status if status in STATUS_LABELS else None,
        kind=kind if kind in KIND_LABELS else None,
        supplier_id=_int_arg("supplier"),
    )
    page = capped_page(stmt, page=page_arg(), per_page=PER_PAGE)
    return render_template(
        "agreements/agreements.html",
        page=page,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        suppliers=active_suppliers(),
        today=local_today(),
    )


def _form_choices(form: AgreementForm, user, agreement: Agreement | None) -> None:
    mine = municipalities_of(user)
    form.municipality_id.choices = [(m.id, m.name) for m in mine]
    form.shared_with_ids.choices = [(m.id, m.name) for m in mine]
    suppliers = active_suppliers()
    if agreement is not None and agreement.supplier not in suppliers:
        suppliers = [agreement.supplier, *suppliers]
    form.supplier_id.choices = [NONE, *[(s.id, s.name) for s in suppliers]]
    frameworks = db.session.scalars(
        scoped(select(Agreement), Agreement, user)
        .where(Agreement.kind == AgreementKind.FRAMEWORK)
        .order_by(Agreement.title)
    ).all()
    form.parent_id.choices = [
        NONE,
        *[(a.id, str(a)) for a in frameworks if agreement is None or a.id != agreement.id],
    ]
    people = [NONE, *[(u.id, u.full_name) for u in active_colleagues(user)]]
    form.owner_id.choices = people
    form.follow_up_id.choices = people
    form.procurement_id.choices = people
    products = active_products()
    if agreement is not None:
        products = [*[p for p in agreement.products if p not in products], *products]
    form.product_ids.choices = [(p.id, str(p)) for p in products]
    form.system_ids.choices = [(s.id, s.name) for s in systems_in_use(user)]
    if agreement is not None:
        del form.municipality_id
        form.shared_with_ids.choices = [
            (m.id, m.name) for m in mine if m.id != agreement.municipality_id
        ]


@bp.route("/agreements/new", methods=["GET", "POST"])
@require(AGREEMENTS_MANAGE)
def new():
    user = actor()
    form = AgreementForm()
    _form_choices(form, user, None)
    if request.method == "GET":
        form.owner_id.data = user.id
        form.procurement_id.data = user.id if user.has_role(Role.PROCUREMENT) else None
        form.supplier_id.data = _int_arg("supplier")

    def create():
        municipality = get_scoped_or_404(Municipality, form.municipality_id.data, user)
        return ops.create_agreement(user, municipality, **form.data_for_operation())

    done = submit(form, create)
    if done.ok:
        flash(_("%(title)s is registered.", title=done.result.title), "success")
        return redirect(url_for("agreement.detail", agreement_id=done.result.id))
    return render_template("agreements/agreement_form.html", form=form, agreement=None), done.status


def managed_by_reader(agreement: Agreement, user) -> Agreement:
    """An agreement's forms open for the people of the municipality that manages it: the
    operation would refuse anyone else."""
    if agreement.municipality_id not in municipality_ids(user):
        abort(403)
    return agreement


@bp.route("/agreements/<int:agreement_id>/edit", methods=["GET", "POST"])
@require(AGREEMENTS_MANAGE)
def edit(agreement_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    form = AgreementForm(obj=agreement)
    _form_choices(form, user, agreement)
    if request.method == "GET":
        form.shared_with_ids.data = [m.id for m in agreement.shared_with]
        form.product_ids.data = [p.id for p in agreement.products]
        form.system_ids.data = [s.id for s in agreement.systems]
    done = submit(
        form,
        lambda: ops.update_agreement(
            user, agreement, expected_version=form.expected_version(), **form.data_for_operation()
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("agreement.detail", agreement_id=agreement.id))
    return render_template(
        "agreements/agreement_form.html", form=form, agreement=agreement
    ), done.status


@bp.get("/agreements/<int:agreement_id>")
@require(AGREEMENTS_VIEW)
def detail(agreement_id: int):
    user = actor()
    agreement = queries.agreement_or_404(agreement_id, user)
    today = local_today()
    due = queries.open_deadlines(
        select(Agreement).where(Agreement.id == agreement.id), today, horizon_days=3650
    )
    return render_template(
        "agreements/agreement_detail.html",
        agreement=agreement,
        today=today,
        current_end=term_end(agreement, today),
        due=due,
        decision_form=decision_options(),
        decision_labels=DECISION_LABELS,
        decisions=queries.decisions(agreement),
        prices=queries.price_lines(agreement),
        levels=queries.service_levels(agreement),
        deviations=queries.agreement_deviations(agreement),
        call_offs=queries.call_offs(agreement),
        meetings=queries.meetings(agreement),
        handover=queries.handover(agreement),
        documents=queries.documents(agreement),
        competitions=queries.competitions_for(agreement, user),
        may_compete=user.can(AGREEMENTS_MANAGE)
        and agreement.kind == "framework"
        and agreement.status in ("active", "notice"),
        handover_labels=HANDOVER_LABELS,
        may_change=user.can(AGREEMENTS_MANAGE)
        and agreement.municipality_id in municipality_ids(user),
        option_form=OptionForm(),
    )


def decision_page() -> dict:
    """What every decision form of a long page shares, worked out once and not once a
    row: the labels, the CSRF token and the form's address on either side of the id."""
    from flask_wtf.csrf import generate_csrf

    before, after = url_for("agreement.decide", agreement_id=0).rsplit("/0/", 1)
    return {
        "decided": _("Decided"),
        "note": _("Note"),
        "handled": _("Mark handled"),
        "csrf": generate_csrf(),
        "action_base": f"{before}/",
        "action_end": f"/{after}",
    }


@bp.get("/agreements/deadlines")
@require(AGREEMENTS_VIEW)
def deadlines():
    user = actor()
    today = local_today()
    return render_template(
        "agreements/deadlines.html",
        rows=queries.deadlines_for(user, today),
        today=today,
        decision_form=decision_options(),
        decision_page=decision_page(),
        managed=municipality_ids(user),
        agreement_kinds=KIND_LABELS,
        deadline_labels={k: str(v) for k, v in DEADLINE_LABELS.items()},
    )


@bp.post("/agreements/<int:agreement_id>/deadlines")
@require(AGREEMENTS_MANAGE)
def decide(agreement_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    form = DecisionForm()
    done = submit(
        form,
        lambda: ops.decide_deadline(
            user,
            agreement,
            kind=form.kind.data,
            due_on=form.due_on.data,
            decision=form.decision.data,
            decided_on=form.decided_on.data,
            note=form.note.data,
        ),
    )
    if done.ok:
        flash(
            _(
                "The deadline is handled: %(decision)s.",
                decision=DECISION_LABELS[done.result.decision],
            ),
            "success",
        )
    else:
        flash_refusal(done, form)
    back = request.form.get("back")
    if back == "deadlines":
        return redirect(url_for("agreement.deadlines"))
    return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#deadlines")


# --- options -------------------------------------------------------------------------


@bp.post("/agreements/<int:agreement_id>/options")
@require(AGREEMENTS_MANAGE)
def option_add(agreement_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    form = OptionForm()
    done = submit(
        form,
        lambda: ops.add_option(
            user, agreement, months=form.months.data, decide_by=form.decide_by.data
        ),
    )
    if done.ok:
        flash(_("The option is added."), "success")
    else:
        flash_refusal(done, form)
    return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#options")


@bp.post("/agreements/<int:agreement_id>/options/<int:option_id>/remove")
@require(AGREEMENTS_MANAGE)
def option_remove(agreement_id: int, option_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    option = db.session.get(ExtensionOption, option_id)
    if option is None or option.agreement_id != agreement.id:
        abort(404)
    done = submit(Form(), lambda: ops.remove_option(user, option))
    if done.ok:
        flash(_("The option is removed."), "success")
    return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#options")


# --- prices --------------------------------------------------------------------------


def _price_choices(form: PriceLineForm, line: PriceLine | None) -> None:
    products = active_products()
    if line is not None and line.product is not None and line.product not in products:
        products = [line.product, *products]
    form.product_id.choices = [NONE, *[(p.id, str(p)) for p in products]]


@bp.route("/agreements/<int:agreement_id>/prices/new", methods=["GET", "POST"])
@require(AGREEMENTS_MANAGE)
def price_new(agreement_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    form = PriceLineForm()
    _price_choices(form, None)
    if request.method == "GET":
        form.valid_from.data = max(agreement.starts_on, local_today())
    done = submit(form, lambda: ops.add_price_line(user, agreement, **form.data_for_operation()))
    if done.ok:
        flash(_("The price is added."), "success")
        return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#prices")
    return render_template(
        "agreements/price_form.html", form=form, agreement=agreement, line=None
    ), done.status


@bp.route("/agreements/<int:agreement_id>/prices/<int:line_id>/edit", methods=["GET", "POST"])
@require(AGREEMENTS_MANAGE)
def price_edit(agreement_id: int, line_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    line = db.session.get(PriceLine, line_id)
    if line is None or line.agreement_id != agreement.id:
        abort(404)
    form = PriceLineForm(obj=line)
    _price_choices(form, line)
    done = submit(
        form,
        lambda: ops.update_price_line(
            user, line, expected_version=form.expected_version(), **form.data_for_operation()
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#prices")
    return render_template(
        "agreements/price_form.html", form=form, agreement=agreement, line=line
    ), done.status


# --- service levels ------------------------------------------------------------------


def _level_choices(form: ServiceLevelForm, agreement: Agreement) -> None:
    form.system_id.choices = [NONE, *[(s.id, s.name) for s in agreement.systems]]


@bp.route("/agreements/<int:agreement_id>/levels/new", methods=["GET", "POST"])
@require(AGREEMENTS_MANAGE)
def level_new(agreement_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    form = ServiceLevelForm()
    _level_choices(form, agreement)
    done = submit(form, lambda: ops.add_service_level(user, agreement, **form.data_for_operation()))
    if done.ok:
        flash(_("The service level is added."), "success")
        return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#levels")
    return render_template(
        "agreements/level_form.html", form=form, agreement=agreement, level=None
    ), done.status


def _level_or_404(agreement: Agreement, level_id: int) -> ServiceLevel:
    level = db.session.get(ServiceLevel, level_id)
    if level is None or level.agreement_id != agreement.id:
        abort(404)
    return level


@bp.route("/agreements/<int:agreement_id>/levels/<int:level_id>/edit", methods=["GET", "POST"])
@require(AGREEMENTS_MANAGE)
def level_edit(agreement_id: int, level_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    level = _level_or_404(agreement, level_id)
    form = ServiceLevelForm(obj=level)
    _level_choices(form, agreement)
    done = submit(
        form,
        lambda: ops.update_service_level(
            user, level, expected_version=form.expected_version(), **form.data_for_operation()
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#levels")
    return render_template(
        "agreements/level_form.html", form=form, agreement=agreement, level=level
    ), done.status


@bp.post("/agreements/<int:agreement_id>/levels/<int:level_id>/remove")
@require(AGREEMENTS_MANAGE)
def level_remove(agreement_id: int, level_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    level = _level_or_404(agreement, level_id)
    done = submit(Form(), lambda: ops.remove_service_level(user, level))
    if done.ok:
        flash(_("The service level is removed."), "success")
    return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#levels")


def _period_args():
    """The period asked for (`from`, `to`), else the twelve months up to today; at most
    five years."""
    from vftops.agreements.evaluation import year_to
    from vftops.agreements.measure import Period

    today = local_today()
    default = year_to(today)
    try:
        first = date.fromisoformat(request.args["from"]) if request.args.get("from") else None
        last = date.fromisoformat(request.args["to"]) if request.args.get("to") else None
    except ValueError:
        return default, True
    first, last = first or default.first, last or default.last
    if last < first or (last - first).days > 5 * 366 or first.year < 1990 or last.year > 2100:
        return default, True
    return Period(first, last), False


@bp.get("/agreements/<int:agreement_id>/evaluation")
@require(AGREEMENTS_VIEW)
def evaluation(agreement_id: int):
    from vftops.agreements.evaluation import evaluate

    agreement = queries.agreement_or_404(agreement_id, actor())
    period, refused = _period_args()
    if refused:
        flash(_("Give a period from one date to a later one, at most five years."), "warning")
    return render_template(
        "agreements/evaluation.html",
        agreement=agreement,
        result=evaluate(agreement, period),
        period=period,
    )


# --- call-offs -----------------------------------------------------------------------


def _order_or_404(order_id: int):
    from vftops.stock.models import PurchaseOrder

    return get_scoped_or_404(PurchaseOrder, order_id, actor())


@bp.post("/agreements/orders/<int:order_id>/place")
@require_any(ORDERS_MANAGE, AGREEMENTS_MANAGE)
def order_place(order_id: int):
    user = actor()
    order = _order_or_404(order_id)
    agreement = queries.agreement_or_404(request.form.get("agreement_id"), user)
    competition = None
    if request.form.get("competition_id"):
        from vftops.agreements.models import MiniCompetition

        competition = get_scoped_or_404(MiniCompetition, request.form["competition_id"], user)
    done = submit(Form(), lambda: ops.place_on_agreement(user, order, agreement, competition))
    if done.ok:
        flash(_("The order is a call-off on %(title)s.", title=agreement.title), "success")
    return redirect(url_for("stock.order_detail", order_id=order.id))


@bp.post("/agreements/orders/<int:order_id>/take-off")
@require_any(ORDERS_MANAGE, AGREEMENTS_MANAGE)
def order_take_off(order_id: int):
    user = actor()
    order = _order_or_404(order_id)
    done = submit(Form(), lambda: ops.take_off_agreement(user, order))
    if done.ok:
        flash(_("The order is taken off the agreement."), "success")
    return redirect(url_for("stock.order_detail", order_id=order.id))


# --- handover ------------------------------------------------------------------------


@bp.post("/agreements/<int:agreement_id>/handover")
@require(AGREEMENTS_MANAGE)
def handover_add(agreement_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    form = Form()
    done = submit(
        form,
        lambda: ops.add_handover_item(
            user, agreement, section=request.form.get("section"), text=request.form.get("text")
        ),
    )
    if done.ok:
        flash(_("The item is in the handover protocol."), "success")
    else:
        flash_refusal(done, form)
    return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#handover")


def _handover_item_or_404(agreement: Agreement, item_id: int):
    from vftops.agreements.models import HandoverItem

    item = db.session.get(HandoverItem, item_id)
    if item is None or item.agreement_id != agreement.id:
        abort(404)
    return item


@bp.post("/agreements/<int:agreement_id>/handover/<int:item_id>/confirm")
@require(AGREEMENTS_VIEW)
def handover_confirm(agreement_id: int, item_id: int):
    from vftops.core.forms import VersionedForm

    user = actor()
    agreement = queries.agreement_or_404(agreement_id, user)
    item = _handover_item_or_404(agreement, item_id)
    form = VersionedForm()
    done = submit(
        form,
        lambda: ops.confirm_handover_item(user, item, expected_version=form.expected_version()),
    )
    if done.ok:
        flash(_("Confirmed: you have taken it over."), "success")
    return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#handover")


@bp.post("/agreements/<int:agreement_id>/handover/<int:item_id>/remove")
@require(AGREEMENTS_MANAGE)
def handover_remove(agreement_id: int, item_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    item = _handover_item_or_404(agreement, item_id)
    done = submit(Form(), lambda: ops.remove_handover_item(user, item))
    if done.ok:
        flash(_("The item is removed from the protocol."), "success")
    return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#handover")


# --- documents -----------------------------------------------------------------------


@bp.post("/agreements/<int:agreement_id>/documents")
@require(AGREEMENTS_MANAGE)
def document_add(agreement_id: int):
    from vftops.agreements.forms import DocumentForm

    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    form = DocumentForm()
    upload = form.file.data
    done = submit(
        form,
        lambda: ops.add_document(
            user,
            agreement,
            upload.filename,
            upload.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1),
        ),
    )
    if done.ok:
        flash(_("%(name)s is added.", name=done.result.filename), "success")
    else:
        flash_refusal(done, form)
    return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#documents")


def _document_or_404(agreement: Agreement, document_id: int):
    from vftops.agreements.models import AgreementDocument

    row = db.session.get(AgreementDocument, document_id)
    if row is None or row.agreement_id != agreement.id:
        abort(404)
    return row


@bp.post("/agreements/<int:agreement_id>/documents/<int:document_id>/remove")
@require(AGREEMENTS_MANAGE)
def document_remove(agreement_id: int, document_id: int):
    user = actor()
    agreement = managed_by_reader(queries.agreement_or_404(agreement_id, user), user)
    row = _document_or_404(agreement, document_id)
    name = row.filename
    done = submit(Form(), lambda: ops.remove_document(user, row))
    if done.ok:
        flash(_("%(name)s is removed from the agreement.", name=name), "success")
    return redirect(url_for("agreement.detail", agreement_id=agreement.id) + "#documents")


@bp.get("/agreements/<int:agreement_id>/documents/<int:document_id>")
@require(AGREEMENTS_VIEW)
def document(agreement_id: int, document_id: int):
    """The PDF, only after the agreement has been found in the reader's municipalities."""
    import io

    agreement = queries.agreement_or_404(agreement_id, actor())
    row = _document_or_404(agreement, document_id)
    path = ops.path_of(row)
    if not path.is_file():
        abort(404)
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=row.filename,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
