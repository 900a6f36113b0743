"""Pages of mini-competitions (fornyet konkurranse): opened under a framework agreement,
the bids registered as they come in, and the award with its reason once the last day to
bid has passed."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from vftops.agreements import operations as ops
from vftops.agreements import queries
from vftops.agreements.forms import (
    NONE,
    AwardForm,
    BidForm,
    CancelCompetitionForm,
    CompetitionForm,
)
from vftops.agreements.models import (
    Agreement,
    CallOff,
    CompetitionBid,
    CompetitionStatus,
    MiniCompetition,
)
from vftops.agreements.permissions import AGREEMENTS_MANAGE, AGREEMENTS_VIEW
from vftops.agreements.views import bp, flash_refusal
from vftops.core.forms import Form
from vftops.core.i18n import format_kr
from vftops.core.models import local_today
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404, municipality_ids
from vftops.core.web import actor, submit
from vftops.extensions import db
from vftops.org.queries import municipalities_of


def _competition_or_404(competition_id: int) -> MiniCompetition:
    return get_scoped_or_404(
        MiniCompetition,
        competition_id,
        actor(),
        options=(
            joinedload(MiniCompetition.framework).joinedload(Agreement.supplier),
            joinedload(MiniCompetition.municipality),
            joinedload(MiniCompetition.decided_by),
            selectinload(MiniCompetition.bids)
            .joinedload(CompetitionBid.agreement)
            .joinedload(Agreement.supplier),
        ),
    )


def _holders(form: CompetitionForm, framework: Agreement, user) -> None:
    """Held by one of the reader's municipalities that the framework covers."""
    served = framework.served_municipality_ids
    form.municipality_id.choices = [
        (m.id, m.name) for m in municipalities_of(user) if m.id in served
    ]
    if form.municipality_id.data is None and form.municipality_id.choices:
        ids = [c[0] for c in form.municipality_id.choices]
        form.municipality_id.data = (
            framework.municipality_id if framework.municipality_id in ids else ids[0]
        )


@bp.route("/agreements/<int:agreement_id>/competitions/new", methods=["GET", "POST"])
@require(AGREEMENTS_MANAGE)
def competition_new(agreement_id: int):
    user = actor()
    framework = queries.agreement_or_404(agreement_id, user)
    form = CompetitionForm()
    _holders(form, framework, user)
    done = submit(
        form, lambda: ops.create_competition(user, framework, **form.data_for_operation())
    )
    if done.ok:
        flash(_("The mini-competition is opened: register the bids as they come."), "success")
        return redirect(url_for("agreement.competition_detail", competition_id=done.result.id))
    return render_template(
        "agreements/competition_form.html", form=form, framework=framework, competition=None
    ), done.status


@bp.route("/agreements/competitions/<int:competition_id>/edit", methods=["GET", "POST"])
@require(AGREEMENTS_MANAGE)
def competition_edit(competition_id: int):
    user = actor()
    competition = _competition_or_404(competition_id)
    if competition.status != CompetitionStatus.OPEN:
        flash(_("The competition is decided: it is not changed any more."), "info")
        return redirect(url_for("agreement.competition_detail", competition_id=competition.id))
    form = CompetitionForm(obj=competition)
    _holders(form, competition.framework, user)
    done = submit(
        form,
        lambda: ops.update_competition(
            user,
            competition,
            expected_version=form.expected_version(),
            **{k: v for k, v in form.data_for_operation().items() if k != "municipality_id"},
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("agreement.competition_detail", competition_id=competition.id))
    return render_template(
        "agreements/competition_form.html",
        form=form,
        framework=competition.framework,
        competition=competition,
    ), done.status


def _bid_form(competition: MiniCompetition) -> BidForm:
    form = BidForm()
    taken = {b.agreement_id for b in competition.bids}
    form.agreement_id.choices = [
        (a.id, f"{a.supplier.name} – {a.title}")
        for a in ops.bidders(competition)
        if a.id not in taken
    ]
    return form


def _award_form(competition: MiniCompetition) -> AwardForm:
    form = AwardForm(obj=competition if competition.status == CompetitionStatus.OPEN else None)
    # Nothing chosen until the buyer chooses: the cheapest bid is not the winner by itself.
    form.bid_id.choices = [
        NONE,
        *[(b.id, f"{b.agreement.supplier.name}: {format_kr(b.price)}") for b in competition.bids],
    ]
    return form


@bp.get("/agreements/competitions/<int:competition_id>")
@require(AGREEMENTS_VIEW)
def competition_detail(competition_id: int):
    user = actor()
    competition = _competition_or_404(competition_id)
    orders = db.session.scalars(
        select(CallOff)
        .where(CallOff.competition_id == competition.id)
        .options(joinedload(CallOff.order))
        .limit(100)
    ).all()
    may_run = user.can(AGREEMENTS_MANAGE) and competition.municipality_id in municipality_ids(user)
    is_open = competition.status == CompetitionStatus.OPEN
    return render_template(
        "agreements/competition_detail.html",
        competition=competition,
        bid_form=_bid_form(competition) if may_run and is_open else None,
        award_form=_award_form(competition) if may_run and is_open else None,
        cancel_form=CancelCompetitionForm(obj=competition) if may_run and is_open else None,
        may_run=may_run,
        orders=orders,
        today=local_today(),
    )


@bp.post("/agreements/competitions/<int:competition_id>/bids")
@require(AGREEMENTS_MANAGE)
def competition_bid(competition_id: int):
    user = actor()
    competition = _competition_or_404(competition_id)
    form = _bid_form(competition)
    done = submit(
        form,
        lambda: ops.add_bid(
            user,
            competition,
            agreement_id=form.agreement_id.data,
            price=form.price.data,
            score=form.score.data,
            received_on=form.received_on.data,
            notes=form.notes.data,
        ),
    )
    if done.ok:
        flash(
            _(
                "The bid from %(supplier)s is registered.",
                supplier=done.result.agreement.supplier.name,
            ),
            "success",
        )
    else:
        flash_refusal(done, form)
    return redirect(
        url_for("agreement.competition_detail", competition_id=competition.id) + "#bids"
    )


@bp.post("/agreements/competitions/<int:competition_id>/bids/<int:bid_id>/remove")
@require(AGREEMENTS_MANAGE)
def competition_bid_remove(competition_id: int, bid_id: int):
    user = actor()
    competition = _competition_or_404(competition_id)
    bid = next((b for b in competition.bids if b.id == bid_id), None) or abort(404)
    supplier = bid.agreement.supplier.name
    form = Form()
    done = submit(form, lambda: ops.remove_bid(user, bid))
    if done.ok:
        flash(_("The bid from %(supplier)s is removed.", supplier=supplier), "success")
    else:
        flash_refusal(done, form)
    return redirect(
        url_for("agreement.competition_detail", competition_id=competition.id) + "#bids"
    )


@bp.post("/agreements/competitions/<int:competition_id>/award")
@require(AGREEMENTS_MANAGE)
def competition_award(competition_id: int):
    user = actor()
    competition = _competition_or_404(competition_id)
    form = _award_form(competition)
    done = submit(
        form,
        lambda: ops.award(
            user,
            competition,
            bid_id=form.bid_id.data,
            reason=form.reason.data,
            expected_version=form.expected_version(),
        ),
    )
    if done.ok:
        winner = done.result.winner
        flash(
            _(
                "Awarded to %(supplier)s. Place the order on %(title)s and name the competition.",
                supplier=winner.agreement.supplier.name,
                title=winner.agreement.title,
            ),
            "success",
        )
    else:
        flash_refusal(done, form)
    return redirect(url_for("agreement.competition_detail", competition_id=competition.id))


@bp.post("/agreements/competitions/<int:competition_id>/cancel")
@require(AGREEMENTS_MANAGE)
def competition_cancel(competition_id: int):
    user = actor()
    competition = _competition_or_404(competition_id)
    form = CancelCompetitionForm()
    done = submit(
        form,
        lambda: ops.cancel_competition(
            user, competition, reason=form.reason.data, expected_version=form.expected_version()
        ),
    )
    if done.ok:
        flash(_("The mini-competition is cancelled."), "success")
    else:
        flash_refusal(done, form)
    return redirect(url_for("agreement.competition_detail", competition_id=competition.id))
