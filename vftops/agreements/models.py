"""Supplier agreements and their follow-up: who owns each agreement, what it costs, the
dates by which notice must be given or an option decided, the service levels the
supplier promised, deviations, supplier meetings with their actions, and the handover
to the line.

It sits on top of the other packages: an agreement covers products, systems and
purchase orders, and is measured against what support, stock and access record.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vftops.core.models import TimestampMixin, UTCDateTime, VersionedMixin
from vftops.extensions import db
from vftops.org.models import Municipality

if TYPE_CHECKING:
    from vftops.auth.models import User
    from vftops.equipment.models import Device, Product
    from vftops.stock.models import PurchaseOrder
    from vftops.suppliers.models import Supplier
    from vftops.support.models import Ticket
    from vftops.systems.models import ItSystem


class AgreementKind(enum.StrEnum):
    FRAMEWORK = "framework"  # rammeavtale
    CALL_OFF = "call_off"  # avropsavtale
    LEASE = "lease"  # leieavtale
    SERVICE = "service"  # tjenesteavtale med SLA
    LICENCE = "licence"  # lisensavtale
    MAINTENANCE = "maintenance"  # vedlikeholdsavtale
    DATA_PROCESSING = "data_processing"  # databehandleravtale


KIND_LABELS = {
    AgreementKind.FRAMEWORK: _l("Framework agreement"),
    AgreementKind.CALL_OFF: _l("Call-off agreement"),
    AgreementKind.LEASE: _l("Lease"),
    AgreementKind.SERVICE: _l("Service agreement (SLA)"),
    AgreementKind.LICENCE: _l("Licence"),
    AgreementKind.MAINTENANCE: _l("Maintenance"),
    AgreementKind.DATA_PROCESSING: _l("Data processing agreement"),
}


class AgreementStatus(enum.StrEnum):
    DRAFT = "draft"  # being negotiated or signed
    ACTIVE = "active"
    NOTICE = "notice"  # notice given: runs to its end, then ends
    ENDED = "ended"


STATUS_LABELS = {
    AgreementStatus.DRAFT: _l("Draft"),
    AgreementStatus.ACTIVE: _l("Active"),
    AgreementStatus.NOTICE: _l("Notice given"),
    AgreementStatus.ENDED: _l("Ended"),
}

MAX_NOTICE_MONTHS = 60
MAX_TERM_MONTHS = 120

agreement_shares = Table(
    "agreement_municipalities",
    db.metadata,
    Column("agreement_id", ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipalities.id"), primary_key=True, index=True),
)
agreement_products = Table(
    "agreement_products",
    db.metadata,
    Column("agreement_id", ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id"), primary_key=True, index=True),
)
agreement_systems = Table(
    "agreement_systems",
    db.metadata,
    Column("agreement_id", ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True),
    Column("system_id", ForeignKey("it_systems.id"), primary_key=True, index=True),
)


class Agreement(TimestampMixin, VersionedMixin, db.Model):
    """An agreement with a supplier. It belongs to the municipality that manages it and
    covers those it is shared with (a shared service's agreement covers several)."""

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint(
            f"notice_months IS NULL OR notice_months BETWEEN 0 AND {MAX_NOTICE_MONTHS}",
            name="notice_range",
        ),
        CheckConstraint(
            f"renewal_months IS NULL OR renewal_months BETWEEN 1 AND {MAX_TERM_MONTHS}",
            name="renewal_range",
        ),
        CheckConstraint(
            "estimated_value IS NULL OR estimated_value >= 0", name="value_not_negative"
        ),
        CheckConstraint("yearly_cost IS NULL OR yearly_cost >= 0", name="cost_not_negative"),
        CheckConstraint("units_paid IS NULL OR units_paid >= 0", name="units_not_negative"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_its_own_parent"),
        Index("ix_agreements_municipality_status", "municipality_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    reference: Mapped[str | None] = mapped_column(String(60), nullable=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=AgreementStatus.ACTIVE)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False, index=True)
    # A call-off agreement under a framework.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id"), nullable=True, index=True
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    follow_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    procurement_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    # The end of the current term; none: runs until notice is given.
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    notice_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    renews_automatically: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    # How long each automatic renewal runs (the term again when not given).
    renewal_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    estimated_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    yearly_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    # Licences or leased units paid for (the evaluation sets those in use against it).
    units_paid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)

    municipality: Mapped[Municipality] = relationship()
    shared_with: Mapped[list[Municipality]] = relationship(
        secondary=agreement_shares, order_by="Municipality.name"
    )
    supplier: Mapped[Supplier] = relationship()
    parent: Mapped[Agreement | None] = relationship(remote_side=[id])
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    follow_up: Mapped[User | None] = relationship(foreign_keys=[follow_up_id])
    procurement: Mapped[User | None] = relationship(foreign_keys=[procurement_id])
    products: Mapped[list[Product]] = relationship(
        secondary=agreement_products, order_by="(Product.manufacturer, Product.model)"
    )
    systems: Mapped[list[ItSystem]] = relationship(
        secondary=agreement_systems, order_by="ItSystem.name"
    )
    options: Mapped[list[ExtensionOption]] = relationship(
        back_populates="agreement",
        order_by="ExtensionOption.position",
        cascade="all, delete-orphan",
    )

    @classmethod
    def scope_clause(cls, municipality_ids):
        """Visible to the members of the municipality that manages it and of those it
        covers."""
        shared = select(agreement_shares.c.agreement_id).where(
            agreement_shares.c.municipality_id.in_(municipality_ids)
        )
        return cls.municipality_id.in_(municipality_ids) | cls.id.in_(shared)

    @property
    def served_municipality_ids(self) -> set[int]:
        return {self.municipality_id} | {m.id for m in self.shared_with}

    @property
    def kind_label(self):
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)

    def __str__(self) -> str:
        return f"{self.title} ({self.reference})" if self.reference else self.title


class OptionDecision(enum.StrEnum):
    EXERCISED = "exercised"
    DECLINED = "declined"


class ExtensionOption(db.Model):
    """One option to extend: how long, and the last day to decide."""

    __tablename__ = "agreement_options"
    __table_args__ = (
        UniqueConstraint("agreement_id", "position"),
        CheckConstraint(f"months BETWEEN 1 AND {MAX_TERM_MONTHS}", name="months_range"),
        CheckConstraint(
            "(decision IS NULL AND decided_on IS NULL) OR "
            "(decision IS NOT NULL AND decided_on IS NOT NULL)",
            name="decided_with_date",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    months: Mapped[int] = mapped_column(Integer, nullable=False)
    decide_by: Mapped[date] = mapped_column(Date, nullable=False)
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    agreement: Mapped[Agreement] = relationship(back_populates="options")


class AgreementDocument(db.Model):
    """A signed agreement, an appendix or a price list: a PDF checked by its bytes and
    stored under a random name."""

    __tablename__ = "agreement_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False, index=True
    )
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    agreement: Mapped[Agreement] = relationship()
    uploaded_by: Mapped[User | None] = relationship()


class PriceLine(TimestampMixin, VersionedMixin, db.Model):
    """What a product or a service costs on the agreement from one date to another: a
    unit price, a monthly rent, or both."""

    __tablename__ = "price_lines"
    __table_args__ = (
        CheckConstraint("(product_id IS NULL) <> (service IS NULL)", name="product_or_service"),
        CheckConstraint("unit_price IS NOT NULL OR monthly_rent IS NOT NULL", name="has_a_price"),
        CheckConstraint("unit_price IS NULL OR unit_price >= 0", name="price_not_negative"),
        CheckConstraint("monthly_rent IS NULL OR monthly_rent >= 0", name="rent_not_negative"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="to_after_from"),
        Index("ix_price_lines_agreement_product", "agreement_id", "product_id"),
        Index("ix_price_lines_product", "product_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False
    )
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    service: Mapped[str | None] = mapped_column(String(200), nullable=True)
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    monthly_rent: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)

    agreement: Mapped[Agreement] = relationship()
    product: Mapped[Product | None] = relationship()

    @property
    def what(self) -> str:
        return str(self.product) if self.product is not None else (self.service or "")


class Metric(enum.StrEnum):
    ANSWER_TIME = "answer_time"  # from escalation to the supplier's answer (hours)
    FIX_TIME = "fix_time"  # from escalation to the supplier's fix (hours)
    UPTIME = "uptime"  # of a system, from its fault tickets (per cent)
    DELIVERY_TIME = "delivery_time"  # from order sent to delivered (days)


METRIC_LABELS = {
    Metric.ANSWER_TIME: _l("Time to answer"),
    Metric.FIX_TIME: _l("Time to fix"),
    Metric.UPTIME: _l("Uptime"),
    Metric.DELIVERY_TIME: _l("Delivery time"),
}


class ServiceLevel(TimestampMixin, VersionedMixin, db.Model):
    """A promise the supplier measures up to: a time to answer or fix an escalation
    (hours, in the calendar agreed), a system's uptime (per cent), or a delivery time
    (days)."""

    __tablename__ = "service_levels"
    __table_args__ = (
        CheckConstraint("target > 0", name="target_positive"),
        CheckConstraint(
            "metric <> 'uptime' OR (target <= 100 AND system_id IS NOT NULL)",
            name="uptime_of_a_system",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False, index=True
    )
    metric: Mapped[str] = mapped_column(String(20), nullable=False)
    # Hours (answer, fix), days (delivery) or per cent (uptime).
    target: Mapped[Decimal] = mapped_column(Numeric(8, 2), nullable=False)
    # «24/7» or «business hours» (the SLA calendar of support).
    calendar: Mapped[str] = mapped_column(String(20), nullable=False, default="24x7")
    system_id: Mapped[int | None] = mapped_column(ForeignKey("it_systems.id"), nullable=True)
    penalty: Mapped[str | None] = mapped_column(Text, nullable=True)

    agreement: Mapped[Agreement] = relationship()
    system: Mapped[ItSystem | None] = relationship()

    @property
    def metric_label(self):
        return METRIC_LABELS.get(self.metric, self.metric)


class DeadlineKind(enum.StrEnum):
    NOTICE = "notice"  # the last day to give notice before it renews itself
    OPTION = "option"  # the last day to decide on an option to extend
    END = "end"  # the agreement ends: what comes after?


DEADLINE_LABELS = {
    DeadlineKind.NOTICE: _l("Last day to give notice"),
    DeadlineKind.OPTION: _l("Last day to decide an option"),
    DeadlineKind.END: _l("The agreement ends"),
}


class Decision(enum.StrEnum):
    EXTEND = "extend"
    RENEGOTIATE = "renegotiate"
    END = "end"
    TENDER = "tender"  # tender anew


DECISION_LABELS = {
    Decision.EXTEND: _l("Extend"),
    Decision.RENEGOTIATE: _l("Renegotiate"),
    Decision.END: _l("End"),
    Decision.TENDER: _l("Tender anew"),
}


class DeadlineDecision(db.Model):
    """What was decided about one deadline of an agreement: the deadline is then
    handled, and no longer reminded of."""

    __tablename__ = "agreement_decisions"
    __table_args__ = (UniqueConstraint("agreement_id", "kind", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    option_id: Mapped[int | None] = mapped_column(ForeignKey("agreement_options.id"), nullable=True)
    decision: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    agreement: Mapped[Agreement] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @property
    def decision_label(self):
        return DECISION_LABELS.get(self.decision, self.decision)


class DeviationKind(enum.StrEnum):
    LATE_DELIVERY = "late_delivery"
    SLA_BREACH = "sla_breach"
    FAULTY_BATCH = "faulty_batch"
    SECURITY = "security"  # security or privacy incident at the supplier
    INVOICE = "invoice"  # invoice error
    OTHER = "other"


DEVIATION_KIND_LABELS = {
    DeviationKind.LATE_DELIVERY: _l("Late delivery"),
    DeviationKind.SLA_BREACH: _l("Service level breached"),
    DeviationKind.FAULTY_BATCH: _l("Faulty batch"),
    DeviationKind.SECURITY: _l("Security or privacy incident"),
    DeviationKind.INVOICE: _l("Invoice error"),
    DeviationKind.OTHER: _l("Other"),
}


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITY_LABELS = {
    Severity.LOW: _l("Low"),
    Severity.MEDIUM: _l("Medium"),
    Severity.HIGH: _l("High"),
    Severity.CRITICAL: _l("Critical"),
}


class DeviationStatus(enum.StrEnum):
    OPEN = "open"  # registered, not yet reported to the supplier
    REPORTED = "reported"  # reported, waiting for the answer
    ANSWERED = "answered"  # the supplier answered; being followed up
    CLOSED = "closed"


DEVIATION_STATUS_LABELS = {
    DeviationStatus.OPEN: _l("Not reported"),
    DeviationStatus.REPORTED: _l("Reported to the supplier"),
    DeviationStatus.ANSWERED: _l("Answered"),
    DeviationStatus.CLOSED: _l("Closed"),
}

deviation_tickets = Table(
    "deviation_tickets",
    db.metadata,
    Column("deviation_id", ForeignKey("deviations.id", ondelete="CASCADE"), primary_key=True),
    Column("ticket_id", ForeignKey("tickets.id"), primary_key=True, index=True),
)
deviation_devices = Table(
    "deviation_devices",
    db.metadata,
    Column("deviation_id", ForeignKey("deviations.id", ondelete="CASCADE"), primary_key=True),
    Column("device_id", ForeignKey("devices.id"), primary_key=True, index=True),
)


class Deviation(TimestampMixin, VersionedMixin, db.Model):
    """Avvik: the supplier did not deliver what the agreement says."""

    __tablename__ = "deviations"
    __table_args__ = (
        Index("ix_deviations_agreement_status", "agreement_id", "status"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_when_closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    severity: Mapped[str] = mapped_column(String(20), nullable=False, default=Severity.MEDIUM)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=DeviationStatus.OPEN)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # When and how the supplier was told, and what they answered.
    reported_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    reported_how: Mapped[str | None] = mapped_column(String(200), nullable=True)
    supplier_answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The service level breached, when it came from one.
    service_level_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_levels.id"), nullable=True
    )

    agreement: Mapped[Agreement] = relationship()
    reported_by: Mapped[User | None] = relationship()
    service_level: Mapped[ServiceLevel | None] = relationship()
    tickets: Mapped[list[Ticket]] = relationship(secondary=deviation_tickets)
    devices: Mapped[list[Device]] = relationship(secondary=deviation_devices)

    @property
    def kind_label(self):
        return DEVIATION_KIND_LABELS.get(self.kind, self.kind)

    @property
    def severity_label(self):
        return SEVERITY_LABELS.get(self.severity, self.severity)

    @property
    def status_label(self):
        return DEVIATION_STATUS_LABELS.get(self.status, self.status)


class SupplierMeeting(TimestampMixin, VersionedMixin, db.Model):
    """A follow-up meeting with the supplier on an agreement: who came, the agenda, the
    minutes, and the period its status report covers."""

    __tablename__ = "supplier_meetings"
    __table_args__ = (
        CheckConstraint("period_to >= period_from", name="period_in_order"),
        Index("ix_supplier_meetings_agreement_held", "agreement_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False
    )
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    period_from: Mapped[date] = mapped_column(Date, nullable=False)
    period_to: Mapped[date] = mapped_column(Date, nullable=False)
    attendees: Mapped[str | None] = mapped_column(Text, nullable=True)
    agenda: Mapped[str | None] = mapped_column(Text, nullable=True)
    minutes: Mapped[str | None] = mapped_column(Text, nullable=True)

    agreement: Mapped[Agreement] = relationship()
    actions: Mapped[list[MeetingAction]] = relationship(
        back_populates="meeting", order_by="(MeetingAction.due_on, MeetingAction.id)"
    )


class MeetingAction(TimestampMixin, VersionedMixin, db.Model):
    """Something agreed in a meeting, with who does it by when; followed up until done."""

    __tablename__ = "meeting_actions"
    __table_args__ = (
        CheckConstraint("(done_at IS NULL) = (done_by_id IS NULL)", name="done_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_meetings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text: Mapped[str] = mapped_column(String(500), nullable=False)
    # Ours (a user) or the supplier's (named).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    owner_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    meeting: Mapped[SupplierMeeting] = relationship(back_populates="actions")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    @property
    def who(self) -> str:
        return self.owner.full_name if self.owner is not None else (self.owner_name or "–")


class HandoverSection(enum.StrEnum):
    BOUGHT = "bought"  # what was bought and signed
    OPEN = "open"  # open activities
    RESPONSIBILITIES = "responsibilities"  # management responsibilities and routines
    BENEFITS = "benefits"  # benefits-realisation plan


HANDOVER_LABELS = {
    HandoverSection.BOUGHT: _l("What was bought and signed"),
    HandoverSection.OPEN: _l("Open activities"),
    HandoverSection.RESPONSIBILITIES: _l("Management responsibilities and routines"),
    HandoverSection.BENEFITS: _l("Benefits-realisation plan"),
}


class HandoverItem(TimestampMixin, VersionedMixin, db.Model):
    """A line of the handover protocol, confirmed by the one who takes it over."""

    __tablename__ = "handover_items"
    __table_args__ = (
        CheckConstraint(
            "(confirmed_at IS NULL) = (confirmed_by_id IS NULL)", name="confirmed_by_someone"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False, index=True
    )
    section: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    agreement: Mapped[Agreement] = relationship()
    confirmed_by: Mapped[User | None] = relationship()

    @property
    def section_label(self):
        return HANDOVER_LABELS.get(self.section, self.section)


class CompetitionStatus(enum.StrEnum):
    OPEN = "open"  # invited, bids coming in or being evaluated
    AWARDED = "awarded"
    CANCELLED = "cancelled"


COMPETITION_STATUS_LABELS = {
    CompetitionStatus.OPEN: _l("Open"),
    CompetitionStatus.AWARDED: _l("Awarded"),
    CompetitionStatus.CANCELLED: _l("Cancelled"),
}


class MiniCompetition(TimestampMixin, VersionedMixin, db.Model):
    """Fornyet konkurranse: a purchase under framework agreements competed among their
    suppliers — what is bought, the award criteria, the last day to bid, the bids, and
    who won and why. The order that follows is a call-off on the winner's agreement."""

    __tablename__ = "mini_competitions"
    __table_args__ = (
        CheckConstraint(
            "(status = 'awarded') = (awarded_at IS NOT NULL)", name="awarded_when_awarded"
        ),
        Index("ix_mini_competitions_framework", "framework_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The municipality that holds it: one the framework covers.
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )
    # The framework it is held under (the first named; each bid names its own).
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    need: Mapped[str | None] = mapped_column(Text, nullable=True)
    criteria: Mapped[str] = mapped_column(Text, nullable=False)
    answer_by: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=CompetitionStatus.OPEN)
    # Why the winner won (or why it was cancelled).
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    municipality: Mapped[Municipality] = relationship()
    framework: Mapped[Agreement] = relationship()
    decided_by: Mapped[User | None] = relationship()
    bids: Mapped[list[CompetitionBid]] = relationship(
        back_populates="competition", order_by="(CompetitionBid.price, CompetitionBid.id)"
    )

    @classmethod
    def scope_clause(cls, municipality_ids):
        return cls.municipality_id.in_(municipality_ids)

    @property
    def status_label(self):
        return COMPETITION_STATUS_LABELS.get(self.status, self.status)

    @property
    def winner(self) -> CompetitionBid | None:
        return next((b for b in self.bids if b.won), None)


class CompetitionBid(TimestampMixin, VersionedMixin, db.Model):
    """A supplier's answer in a mini-competition, under its own framework agreement."""

    __tablename__ = "competition_bids"
    __table_args__ = (
        UniqueConstraint("competition_id", "agreement_id"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_range"),
        # One winner: the database refuses a second, whatever two people click.
        Index(
            "uq_competition_bids_one_winner",
            "competition_id",
            unique=True,
            sqlite_where=text("won"),
            postgresql_where=text("won"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("mini_competitions.id", ondelete="CASCADE"), nullable=False
    )
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id"), nullable=False, index=True
    )
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1), nullable=True)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    won: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )

    competition: Mapped[MiniCompetition] = relationship(back_populates="bids")
    agreement: Mapped[Agreement] = relationship()


class CallOff(db.Model):
    """Avrop: a purchase order placed on an agreement. The order is stock's; the link
    is the agreement's, so stock knows nothing of agreements."""

    __tablename__ = "agreement_orders"

    purchase_order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"), primary_key=True
    )
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The mini-competition the order follows, when it was competed.
    competition_id: Mapped[int | None] = mapped_column(
        ForeignKey("mini_competitions.id", ondelete="SET NULL"), nullable=True, index=True
    )

    agreement: Mapped[Agreement] = relationship()
    order: Mapped[PurchaseOrder] = relationship()
    competition: Mapped[MiniCompetition | None] = relationship()
