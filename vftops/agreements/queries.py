"""Reads of agreements: lists, one agreement with what it holds, and the deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from vftops.agreements.models import (
    Agreement,
    AgreementStatus,
    DeadlineDecision,
    PriceLine,
    ServiceLevel,
)
from vftops.agreements.permissions import AGREEMENTS_MANAGE, AGREEMENTS_VIEW, DEVIATIONS_REPORT
from vftops.agreements.terms import Deadline, deadlines_of
from vftops.core.models import local_day
from vftops.core.scope import get_scoped_or_404, scoped
from vftops.extensions import db

HORIZON_DAYS = 365
# What the API's list gives with each agreement.
AGREEMENT_LISTS = (
    selectinload(Agreement.shared_with),
    selectinload(Agreement.products),
    selectinload(Agreement.systems),
    selectinload(Agreement.options),
)


def agreements(
    user,
    *,
    q: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    supplier_id: int | None = None,
) -> Select:
    """The agreements the user may see, newest start first; `q` is part of the title or
    the reference."""
    stmt = scoped(select(Agreement), Agreement, user).options(
        joinedload(Agreement.supplier), joinedload(Agreement.owner)
    )
    if q and q.strip():
        needle = q.strip().lower()
        stmt = stmt.where(
            func.lower(Agreement.title).contains(needle, autoescape=True)
            | func.lower(func.coalesce(Agreement.reference, "")).contains(needle, autoescape=True)
        )
    if status:
        stmt = stmt.where(Agreement.status == status)
    if kind:
        stmt = stmt.where(Agreement.kind == kind)
    if supplier_id:
        stmt = stmt.where(Agreement.supplier_id == supplier_id)
    return stmt.order_by(Agreement.title, Agreement.id)


def agreement_or_404(agreement_id, user) -> Agreement:
    return get_scoped_or_404(
        Agreement,
        agreement_id,
        user,
        options=(
            joinedload(Agreement.supplier),
            joinedload(Agreement.owner),
            joinedload(Agreement.follow_up),
            joinedload(Agreement.procurement),
            joinedload(Agreement.municipality),
            joinedload(Agreement.parent),
            selectinload(Agreement.shared_with),
            selectinload(Agreement.products),
            selectinload(Agreement.systems),
            selectinload(Agreement.options),
        ),
    )


def price_lines(agreement: Agreement) -> list[PriceLine]:
    return db.session.scalars(
        select(PriceLine)
        .where(PriceLine.agreement_id == agreement.id)
        .options(joinedload(PriceLine.product))
        .order_by(PriceLine.service, PriceLine.product_id, PriceLine.valid_from)
    ).all()


def service_levels(agreement: Agreement) -> list[ServiceLevel]:
    return db.session.scalars(
        select(ServiceLevel)
        .where(ServiceLevel.agreement_id == agreement.id)
        .options(joinedload(ServiceLevel.system))
        .order_by(ServiceLevel.metric, ServiceLevel.id)
    ).all()


def decisions(agreement: Agreement) -> list[DeadlineDecision]:
    return db.session.scalars(
        select(DeadlineDecision)
        .where(DeadlineDecision.agreement_id == agreement.id)
        .options(joinedload(DeadlineDecision.decided_by))
        .order_by(DeadlineDecision.decided_at.desc())
    ).all()


@dataclass(frozen=True)
class DueRow:
    deadline: Deadline
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def _handled(agreement_ids: list[int]) -> set[tuple[int, str, date]]:
    if not agreement_ids:
        return set()
    rows = db.session.execute(
        select(DeadlineDecision.agreement_id, DeadlineDecision.kind, DeadlineDecision.due_on).where(
            DeadlineDecision.agreement_id.in_(agreement_ids)
        )
    ).all()
    return {(a, k, d) for a, k, d in rows}


def open_deadlines(
    stmt: Select, today: date, *, horizon_days: int = HORIZON_DAYS, shares: bool = False
) -> list[DueRow]:
    """The deadlines not yet handled of the agreements `stmt` selects, due within the
    horizon or passed: overdue first, then by date. Three statements, however many
    (four with `shares`: the municipalities each agreement covers, for the digest)."""
    options = [
        joinedload(Agreement.supplier),
        joinedload(Agreement.owner),
        selectinload(Agreement.options),
    ]
    if shares:
        options.append(selectinload(Agreement.shared_with))
    stmt = stmt.where(
        Agreement.status.in_((AgreementStatus.ACTIVE, AgreementStatus.NOTICE))
    ).options(*options)
    found = db.session.scalars(stmt.order_by(None)).unique().all()
    handled = _handled([a.id for a in found])
    last = today + timedelta(days=horizon_days)
    rows = [
        DueRow(d, d.days_left(today))
        for a in found
        for d in deadlines_of(a, today)
        if d.key not in handled and d.due_on <= last
    ]
    rows.sort(key=lambda r: (not r.overdue, r.deadline.due_on, r.deadline.agreement.title))
    return rows


def deadlines_for(user, today: date, *, horizon_days: int = HORIZON_DAYS) -> list[DueRow]:
    return open_deadlines(
        scoped(select(Agreement), Agreement, user), today, horizon_days=horizon_days
    )


START_DAYS = 90


def my_deadlines(user, now) -> list[DueRow]:
    """The start page: deadlines within 90 days or passed of the agreements the user owns,
    follows up or is the procurement contact of; a procurement officer sees those of every
    agreement in their municipalities."""
    if not user.can(AGREEMENTS_VIEW):
        return []
    stmt = scoped(select(Agreement), Agreement, user)
    if not user.can(AGREEMENTS_MANAGE):
        stmt = stmt.where(
            (Agreement.owner_id == user.id)
            | (Agreement.follow_up_id == user.id)
            | (Agreement.procurement_id == user.id)
        )
    return open_deadlines(stmt, local_day(now), horizon_days=START_DAYS)


def supplier_agreements(supplier, user) -> list[Agreement] | None:
    """The supplier's page: its agreements the reader may see (None: not for this reader)."""
    if not user.can(AGREEMENTS_VIEW):
        return None
    return db.session.scalars(
        scoped(select(Agreement), Agreement, user)
        .where(Agreement.supplier_id == supplier.id)
        .options(joinedload(Agreement.owner))
        .order_by(Agreement.status, Agreement.title)
    ).all()


def ticket_levels(ticket, user):
    """A ticket's page: its escalation against the answer and fix times of the supplier's
    agreements that cover it (None: nothing to show this reader)."""
    from vftops.agreements.measure import for_ticket

    if ticket.escalated_at is None or ticket.supplier_id is None:
        return None
    if not (user.can(AGREEMENTS_VIEW) or user.can(DEVIATIONS_REPORT)):
        return None
    candidates = db.session.scalars(
        scoped(select(Agreement), Agreement, user)
        .where(
            Agreement.supplier_id == ticket.supplier_id,
            Agreement.status.in_((AgreementStatus.ACTIVE, AgreementStatus.NOTICE)),
            Agreement.id.in_(select(ServiceLevel.agreement_id)),
        )
        .options(
            selectinload(Agreement.shared_with),
            selectinload(Agreement.products),
            selectinload(Agreement.systems),
        )
    ).all()
    product_ids = {d.product_id for d in ticket.devices}
    covering = [
        a
        for a in candidates
        if ticket.municipality_id in a.served_municipality_ids
        and (
            (not a.products and not a.systems)
            or ticket.system_id in {s.id for s in a.systems}
            or product_ids & {p.id for p in a.products}
        )
    ]
    return for_ticket(ticket, covering) or None


def agreement_deviations(agreement: Agreement) -> list:
    from vftops.agreements.models import Deviation

    return db.session.scalars(
        select(Deviation)
        .where(Deviation.agreement_id == agreement.id)
        .order_by(Deviation.status == "closed", Deviation.created_at.desc())
        .limit(50)
    ).all()


def monthly_rents(day: date) -> dict[tuple[int, int], Decimal]:
    """{(municipality, product): monthly rent} from the price lines in force on `day` of
    the agreements running then (the newest line where two agreements price a product):
    what a leased device lying idle costs (stock's idle cost)."""
    from vftops.agreements.models import agreement_shares

    rows = db.session.execute(
        select(
            Agreement.id,
            Agreement.municipality_id,
            PriceLine.product_id,
            PriceLine.monthly_rent,
            PriceLine.valid_from,
        )
        .join(PriceLine, PriceLine.agreement_id == Agreement.id)
        .where(
            Agreement.status.in_((AgreementStatus.ACTIVE, AgreementStatus.NOTICE)),
            Agreement.starts_on <= day,
            PriceLine.product_id.is_not(None),
            PriceLine.monthly_rent.is_not(None),
            PriceLine.valid_from <= day,
            (PriceLine.valid_to.is_(None)) | (PriceLine.valid_to >= day),
        )
        .order_by(PriceLine.valid_from)
    ).all()
    if not rows:
        return {}
    shares: dict[int, list[int]] = {}
    for agreement_id, municipality_id in db.session.execute(
        select(agreement_shares.c.agreement_id, agreement_shares.c.municipality_id).where(
            agreement_shares.c.agreement_id.in_({r[0] for r in rows})
        )
    ):
        shares.setdefault(agreement_id, []).append(municipality_id)
    rents: dict[tuple[int, int], Decimal] = {}
    for agreement_id, municipality_id, product_id, rent, _from in rows:
        for m in (municipality_id, *shares.get(agreement_id, ())):
            rents[(m, product_id)] = rent  # ordered by date: the newest wins
    return rents


@dataclass(frozen=True)
class PriceFlag:
    product: str
    paid: Decimal
    agreed: Decimal


@dataclass
class CallOffRow:
    order: object  # stock's PurchaseOrder
    total: Decimal
    flags: list[PriceFlag]


def _flags(agreement_id: int, orders: list) -> dict[int, list[PriceFlag]]:
    """Order lines priced above the agreement's unit price in force on the order's day:
    flagged, not refused (one statement for all)."""
    product_ids = {line.product_id for o in orders for line in o.lines}
    if not product_ids:
        return {}
    prices = db.session.scalars(
        select(PriceLine).where(
            PriceLine.agreement_id == agreement_id,
            PriceLine.product_id.in_(product_ids),
            PriceLine.unit_price.is_not(None),
        )
    ).all()
    out: dict[int, list[PriceFlag]] = {}
    for order in orders:
        day = local_day(order.created_at)
        for line in order.lines:
            if line.unit_price is None:
                continue
            agreed = next(
                (
                    p.unit_price
                    for p in prices
                    if p.product_id == line.product_id
                    and p.valid_from <= day
                    and (p.valid_to is None or p.valid_to >= day)
                ),
                None,
            )
            if agreed is not None and line.unit_price > agreed:
                out.setdefault(order.id, []).append(
                    PriceFlag(str(line.product), line.unit_price, agreed)
                )
    return out


def call_offs(agreement: Agreement) -> tuple[list[CallOffRow], Decimal]:
    """The orders placed on the agreement, newest first, each with its total and the lines
    priced above the agreement; and the spend (orders not cancelled)."""
    from vftops.agreements.models import CallOff
    from vftops.stock.models import OrderStatus, PurchaseOrder, PurchaseOrderLine

    orders = db.session.scalars(
        select(PurchaseOrder)
        .join(CallOff, CallOff.purchase_order_id == PurchaseOrder.id)
        .where(CallOff.agreement_id == agreement.id)
        .options(selectinload(PurchaseOrder.lines), joinedload(PurchaseOrder.store))
        .order_by(PurchaseOrder.created_at.desc())
        .limit(200)
    ).all()
    flags = _flags(agreement.id, orders)
    rows = [
        CallOffRow(
            o,
            sum(
                (line.unit_price * line.quantity for line in o.lines if line.unit_price),
                Decimal(0),
            ),
            flags.get(o.id, []),
        )
        for o in orders
    ]
    spend = db.session.scalar(
        select(
            func.coalesce(
                func.sum(
                    PurchaseOrderLine.quantity * func.coalesce(PurchaseOrderLine.unit_price, 0)
                ),
                0,
            )
        )
        .select_from(CallOff)
        .join(PurchaseOrder, PurchaseOrder.id == CallOff.purchase_order_id)
        .join(PurchaseOrderLine, PurchaseOrderLine.order_id == PurchaseOrder.id)
        .where(CallOff.agreement_id == agreement.id, PurchaseOrder.status != OrderStatus.CANCELLED)
    )
    return rows, Decimal(spend or 0)


def order_agreement(order, user):
    """A purchase order's page: the agreement it is called off, with lines priced above
    it; or the agreements it could be placed on (None: not for this reader)."""
    from vftops.agreements.models import CallOff

    if not user.can(AGREEMENTS_VIEW):
        return None
    link = db.session.get(CallOff, order.id)
    if link is not None:
        agreement = db.session.scalars(
            scoped(select(Agreement), Agreement, user).where(Agreement.id == link.agreement_id)
        ).first()
        return {
            "agreement": agreement,
            "flags": _flags(link.agreement_id, [order]).get(order.id, []),
            "choices": [],
            "competition": link.competition if agreement is not None else None,
        }
    choices = [
        a
        for a in db.session.scalars(
            scoped(select(Agreement), Agreement, user)
            .where(
                Agreement.supplier_id == order.supplier_id,
                Agreement.status.in_((AgreementStatus.ACTIVE, AgreementStatus.NOTICE)),
            )
            .options(selectinload(Agreement.shared_with))
            .order_by(Agreement.title)
        )
        if order.municipality_id in a.served_municipality_ids
    ]
    return {
        "agreement": None,
        "flags": [],
        "choices": choices,
        "competitions": won_for_order(order, {a.id for a in choices}),
    }


def won_for_order(order, agreement_ids: set[int]) -> list:
    """Awarded mini-competitions of the order's municipality won under one of these
    agreements: the order may say it follows one."""
    from vftops.agreements.models import CompetitionBid, CompetitionStatus, MiniCompetition

    if not agreement_ids:
        return []
    return list(
        db.session.execute(
            select(MiniCompetition, CompetitionBid.agreement_id)
            .join(CompetitionBid, CompetitionBid.competition_id == MiniCompetition.id)
            .where(
                MiniCompetition.municipality_id == order.municipality_id,
                MiniCompetition.status == CompetitionStatus.AWARDED,
                CompetitionBid.won.is_(True),
                CompetitionBid.agreement_id.in_(agreement_ids),
            )
            .order_by(MiniCompetition.awarded_at.desc())
            .limit(50)
        )
    )


def competitions_for(agreement: Agreement, user) -> list:
    """The mini-competitions held under this framework, or where it bid, in the reader's
    municipalities: newest first, with their bids and winners."""
    from vftops.agreements.models import CompetitionBid, MiniCompetition

    bid_here = select(CompetitionBid.competition_id).where(
        CompetitionBid.agreement_id == agreement.id
    )
    return list(
        db.session.scalars(
            scoped(select(MiniCompetition), MiniCompetition, user)
            .where(
                (MiniCompetition.framework_id == agreement.id) | MiniCompetition.id.in_(bid_here)
            )
            .options(
                selectinload(MiniCompetition.bids)
                .joinedload(CompetitionBid.agreement)
                .joinedload(Agreement.supplier),
                joinedload(MiniCompetition.municipality),
            )
            .order_by(MiniCompetition.answer_by.desc(), MiniCompetition.id.desc())
            .limit(50)
        )
    )


def meetings(agreement: Agreement) -> list:
    from vftops.agreements.models import MeetingAction, SupplierMeeting

    found = db.session.scalars(
        select(SupplierMeeting)
        .where(SupplierMeeting.agreement_id == agreement.id)
        .options(selectinload(SupplierMeeting.actions).joinedload(MeetingAction.owner))
        .order_by(SupplierMeeting.held_on.desc())
        .limit(50)
    ).all()
    return list(found)


def handover(agreement: Agreement) -> list:
    from vftops.agreements.models import HandoverItem

    return list(
        db.session.scalars(
            select(HandoverItem)
            .where(HandoverItem.agreement_id == agreement.id)
            .options(joinedload(HandoverItem.confirmed_by))
            .order_by(HandoverItem.section, HandoverItem.id)
        )
    )


@dataclass
class SupplierOverview:
    products: list
    systems: list
    escalations: list
    deviations: list
    meetings: list


def supplier_overview(supplier, user) -> SupplierOverview | None:
    """A supplier's page: what vftops knows of them that the reader may see — their
    products (the catalogue), the systems they deliver, open escalations to them, and
    the deviations and meetings of their agreements."""
    from vftops.agreements.models import Deviation, DeviationStatus, SupplierMeeting
    from vftops.equipment.models import Product
    from vftops.support.models import Ticket
    from vftops.systems.models import ItSystem

    products = db.session.scalars(
        select(Product)
        .where(Product.supplier_id == supplier.id, Product.is_active.is_(True))
        .order_by(Product.manufacturer, Product.model)
    ).all()
    systems = db.session.scalars(
        scoped(select(ItSystem), ItSystem, user)
        .where(ItSystem.supplier_id == supplier.id)
        .order_by(ItSystem.name)
    ).all()
    escalations = []
    if user.can("tickets.view"):
        escalations = db.session.scalars(
            scoped(select(Ticket), Ticket, user)
            .where(
                Ticket.supplier_id == supplier.id,
                Ticket.escalated_at.is_not(None),
                Ticket.supplier_fixed_at.is_(None),
                Ticket.resolved_at.is_(None),
            )
            .order_by(Ticket.escalated_at)
            .limit(50)
        ).all()
    deviations, meetings = [], []
    if user.can(AGREEMENTS_VIEW):
        visible = scoped(select(Agreement.id), Agreement, user).where(
            Agreement.supplier_id == supplier.id
        )
        deviations = db.session.scalars(
            select(Deviation)
            .where(Deviation.agreement_id.in_(visible), Deviation.status != DeviationStatus.CLOSED)
            .options(joinedload(Deviation.agreement))
            .order_by(Deviation.created_at.desc())
            .limit(50)
        ).all()
        meetings = db.session.scalars(
            select(SupplierMeeting)
            .where(SupplierMeeting.agreement_id.in_(visible))
            .options(joinedload(SupplierMeeting.agreement))
            .order_by(SupplierMeeting.held_on.desc())
            .limit(10)
        ).all()
    return SupplierOverview(
        list(products), list(systems), list(escalations), list(deviations), list(meetings)
    )


def documents(agreement: Agreement) -> list:
    from vftops.agreements.models import AgreementDocument

    return list(
        db.session.scalars(
            select(AgreementDocument)
            .where(AgreementDocument.agreement_id == agreement.id)
            .options(joinedload(AgreementDocument.uploaded_by))
            .order_by(AgreementDocument.uploaded_at.desc())
        )
    )
