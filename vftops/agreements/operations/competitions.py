"""Mini-competitions (fornyet konkurranse): a purchase competed among the suppliers of
parallel framework agreements. Held by a municipality the frameworks cover; bids are
registered until the last day to bid; after it, one bid wins with the reason written
down, or the competition is cancelled. The order that follows is a call-off on the
winner's agreement."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from vftops.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    CompetitionBid,
    CompetitionStatus,
    MiniCompetition,
)
from vftops.agreements.operations.checks import day, ident, kroner, refuse, text
from vftops.core import audit
from vftops.core.db import check_version, operation, take_write_lock
from vftops.core.errors import ConflictError, PermissionDeniedError
from vftops.core.models import local_today, utcnow
from vftops.core.scope import municipality_ids
from vftops.extensions import db
from vftops.org.models import Municipality

COMPETITION_FIELDS = ("title", "need", "criteria", "answer_by")
BID_FIELDS = ("price", "score", "received_on", "notes")
RUNNING = (AgreementStatus.ACTIVE, AgreementStatus.NOTICE)


def _record(actor, action: str, competition: MiniCompetition, summary: str, changes) -> None:
    """On the framework's audit trail, in the municipality that holds the competition
    (its auditors read it)."""
    audit.record(
        actor,
        action,
        competition.framework,
        summary,
        changes=changes | {"competition_id": {"before": None, "after": competition.id}},
        municipality_id=competition.municipality_id,
        object_type="agreements",
    )


def _holds(actor, competition: MiniCompetition) -> None:
    """A competition is run by the people of the municipality that holds it."""
    if actor is not None and competition.municipality_id not in municipality_ids(actor):
        raise PermissionDeniedError(
            _l(
                "%(municipality)s holds this competition: its people run it.",
                municipality=competition.municipality.name,
            )
        )


def _open(competition: MiniCompetition) -> None:
    if competition.status != CompetitionStatus.OPEN:
        raise ConflictError(
            _l(
                "The competition is %(status)s: it is not changed any more.",
                status=str(competition.status_label).lower(),
            )
        )


def _fresh(competition: MiniCompetition) -> None:
    """Lock the competition and read it again: a bid, a change, an award or a removal
    waits for the one before it and sees what it did (an award, a bid)."""
    take_write_lock(MiniCompetition, competition.id)
    db.session.refresh(competition)
    db.session.expire(competition, ["bids"])


def _apply(competition: MiniCompetition, data: dict[str, Any]) -> None:
    competition.title = text(
        data.get("title"), "title", required=_l("Say what is bought."), limit=200
    )
    competition.need = text(data.get("need"), "need", limit=5000)
    competition.criteria = text(
        data.get("criteria"),
        "criteria",
        required=_l("Write the award criteria and their weights, as the invitation says."),
        limit=5000,
    )
    competition.answer_by = day(
        data.get("answer_by"), "answer_by", required=_l("Give the last day to bid.")
    )


@operation
def create_competition(actor, framework: Agreement, **data) -> MiniCompetition:
    """Open a mini-competition under a running framework agreement, held by one of the
    municipalities it covers (the actor's own, or `municipality_id`)."""
    if framework.kind != AgreementKind.FRAMEWORK:
        raise refuse("framework_id", _l("A mini-competition is held under a framework agreement."))
    if framework.status not in RUNNING:
        raise refuse("framework_id", _l("The framework agreement is not running."))
    mine = municipality_ids(actor) if actor is not None else framework.served_municipality_ids
    wanted = ident(data.get("municipality_id"))
    if wanted is None:
        candidates = sorted(framework.served_municipality_ids & set(mine))
        if framework.municipality_id in candidates:
            wanted = framework.municipality_id
        else:
            wanted = candidates[0] if candidates else None
    if wanted is None or wanted not in mine or wanted not in framework.served_municipality_ids:
        raise refuse(
            "municipality_id",
            _l("Hold it for a municipality of yours that the framework covers."),
        )
    competition = MiniCompetition(
        framework_id=framework.id,
        framework=framework,
        municipality_id=wanted,
        municipality=db.session.get(Municipality, wanted),
        status=CompetitionStatus.OPEN,
    )
    _apply(competition, data)
    if competition.answer_by < local_today():
        raise refuse("answer_by", _l("The last day to bid cannot have passed already."))
    db.session.add(competition)
    db.session.flush()
    _record(
        actor,
        "agreement.competition_open",
        competition,
        f"Fornyet konkurranse under {framework.title}: {competition.title}",
        audit.diff({}, audit.snapshot(competition, COMPETITION_FIELDS)),
    )
    return competition


@operation
def update_competition(actor, competition: MiniCompetition, *, expected_version=None, **data):
    _holds(actor, competition)
    _fresh(competition)
    check_version(competition, expected_version)
    _open(competition)
    before = audit.snapshot(competition, COMPETITION_FIELDS)
    _apply(competition, {**before, **data})
    if competition.answer_by != before["answer_by"] and competition.answer_by < local_today():
        raise refuse("answer_by", _l("The last day to bid cannot have passed already."))
    late = [b for b in competition.bids if b.received_on > competition.answer_by]
    if late:
        raise refuse(
            "answer_by",
            _l(
                "%(supplier)s bid on %(date)s: the last day cannot be earlier.",
                supplier=late[0].agreement.supplier.name,
                date=late[0].received_on.strftime("%d.%m.%Y"),
            ),
        )
    changes = audit.diff(before, audit.snapshot(competition, COMPETITION_FIELDS))
    if changes:
        _record(
            actor,
            "agreement.competition_update",
            competition,
            f"Fornyet konkurranse endret: {competition.title}",
            changes,
        )
    return competition


def bidders(competition: MiniCompetition) -> list[Agreement]:
    """The running framework agreements that cover the holder: each supplier bids under
    its own."""
    from vftops.agreements.models import agreement_shares

    covered = select(agreement_shares.c.agreement_id).where(
        agreement_shares.c.municipality_id == competition.municipality_id
    )
    return list(
        db.session.scalars(
            select(Agreement)
            .where(
                Agreement.kind == AgreementKind.FRAMEWORK,
                Agreement.status.in_([s.value for s in RUNNING]),
                (Agreement.municipality_id == competition.municipality_id)
                | Agreement.id.in_(covered),
            )
            .options(joinedload(Agreement.supplier))
            .order_by(Agreement.title, Agreement.id)
        )
    )


def _score(value) -> Decimal | None:
    if value in (None, ""):
        return None
    message = _l("Give the score as a number from 0 to 100.")
    amount = kroner(value, "score", message, limit=Decimal("100.01"))
    if amount is None or amount > 100 or amount != amount.quantize(Decimal("0.1")):
        raise refuse("score", message)
    return amount


@operation
def add_bid(actor, competition: MiniCompetition, **data) -> CompetitionBid:
    """Register a supplier's bid, received by the last day to bid (a late bid is not
    taken into the competition)."""
    _holds(actor, competition)
    _fresh(competition)
    _open(competition)
    wanted = ident(data.get("agreement_id"))
    allowed = {a.id: a for a in bidders(competition)}
    if wanted not in allowed:
        raise refuse(
            "agreement_id",
            _l("Choose the framework agreement the supplier bids under."),
        )
    agreement = allowed[wanted]
    price = kroner(data.get("price"), "price", _l("Give the bid's price in kroner."))
    if price is None:
        raise refuse("price", _l("Give the bid's price in kroner."))
    received = day(data.get("received_on"), "received_on") or local_today()
    if received > competition.answer_by:
        raise refuse(
            "received_on",
            _l(
                "The bid came after the last day to bid (%(date)s): it cannot be taken in.",
                date=competition.answer_by.strftime("%d.%m.%Y"),
            ),
        )
    if received > local_today():
        raise refuse("received_on", _l("A bid cannot be received in the future."))
    taken = db.session.scalar(
        select(CompetitionBid.id)
        .join(Agreement, Agreement.id == CompetitionBid.agreement_id)
        .where(
            CompetitionBid.competition_id == competition.id,
            Agreement.supplier_id == agreement.supplier_id,
        )
        .limit(1)
    )
    if taken is not None:
        raise ConflictError(
            _l("%(supplier)s has a bid registered already.", supplier=agreement.supplier.name),
            fields={"agreement_id": [_l("Remove that bid first to register it again.")]},
        )
    bid = CompetitionBid(
        competition=competition,
        competition_id=competition.id,
        agreement=agreement,
        agreement_id=agreement.id,
        price=price,
        score=_score(data.get("score")),
        received_on=received,
        notes=text(data.get("notes"), "notes", limit=2000),
    )
    db.session.add(bid)
    db.session.flush()
    _record(
        actor,
        "agreement.bid_add",
        competition,
        f"Tilbud fra {agreement.supplier.name} i {competition.title}",
        audit.diff({}, audit.snapshot(bid, BID_FIELDS))
        | {"bidder": {"before": None, "after": agreement.supplier.name}},
    )
    return bid


@operation
def remove_bid(actor, bid: CompetitionBid) -> None:
    """Take a bid out while the competition is open (registered by mistake, or with a
    wrong price: register it again). The audit log keeps what it said."""
    competition = bid.competition
    _holds(actor, competition)
    _fresh(competition)
    _open(competition)
    supplier = bid.agreement.supplier.name
    state = audit.snapshot(bid, BID_FIELDS)
    db.session.delete(bid)
    _record(
        actor,
        "agreement.bid_remove",
        competition,
        f"Tilbud fra {supplier} tatt ut av {competition.title}",
        audit.diff(state, dict.fromkeys(state)) | {"bidder": {"before": supplier, "after": None}},
    )


@operation
def award(actor, competition: MiniCompetition, *, bid_id, reason, expected_version=None):
    """The winner, after the last day to bid, with why it won. Two people awarding at
    once: one wins, the other is told (409)."""
    _holds(actor, competition)
    _fresh(competition)  # the second of two awarding waits for the first
    check_version(competition, expected_version)
    _open(competition)
    if local_today() <= competition.answer_by:
        raise refuse(
            "bid_id",
            _l(
                "Suppliers may bid until %(date)s: award it after that day.",
                date=competition.answer_by.strftime("%d.%m.%Y"),
            ),
        )
    wanted = ident(bid_id)
    bid = next((b for b in competition.bids if b.id == wanted), None)
    if bid is None:
        raise refuse("bid_id", _l("Choose the winning bid."))
    why = text(
        reason,
        "reason",
        required=_l("Write why this bid won, by the award criteria."),
        limit=5000,
    )
    bid.won = True
    competition.status = CompetitionStatus.AWARDED
    competition.reason = why
    competition.awarded_at = utcnow()
    competition.decided_by_id = actor.id if actor is not None else None
    _record(
        actor,
        "agreement.competition_award",
        competition,
        f"{competition.title} tildelt {bid.agreement.supplier.name}",
        {
            "winner": {"before": None, "after": bid.agreement.supplier.name},
            "price": {"before": None, "after": str(bid.price)},
            "reason": {"before": None, "after": why},
        },
    )
    return competition


@operation
def cancel_competition(actor, competition: MiniCompetition, *, reason, expected_version=None):
    _holds(actor, competition)
    _fresh(competition)
    check_version(competition, expected_version)
    _open(competition)
    why = text(reason, "reason", required=_l("Write why it is cancelled."), limit=5000)
    competition.status = CompetitionStatus.CANCELLED
    competition.reason = why
    competition.decided_by_id = actor.id if actor is not None else None
    _record(
        actor,
        "agreement.competition_cancel",
        competition,
        f"Fornyet konkurranse avlyst: {competition.title}",
        {"reason": {"before": None, "after": why}},
    )
    return competition
