"""JSON shapes of agreements, their options, prices, service levels and deadlines. Input
schemas reject unknown fields; the operations check the rest with the same translated
messages as the pages."""

from __future__ import annotations

import marshmallow as ma

from vftops.agreements.models import (
    AgreementKind,
    AgreementStatus,
    CompetitionStatus,
    DeadlineKind,
    Decision,
    DeviationKind,
    DeviationStatus,
    Metric,
    Severity,
)
from vftops.core.api import (
    CursorQuerySchema,
    StrictSchema,
    TypedNumber,
    list_envelope,
    optional_text,
)


def _one_of(enum, **kwargs):
    return ma.fields.String(validate=ma.validate.OneOf([k.value for k in enum]), **kwargs)


def _kroner(description: str):
    return ma.fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={"description": f"{description}, NOK as a decimal string"},
    )


def _kroner_input(description: str):
    return TypedNumber(
        allow_none=True,
        metadata={
            "type": "string",
            "description": f"{description}: NOK, a decimal string or a number",
        },
    )


def _whole_input(description: str):
    return TypedNumber(allow_none=True, metadata={"type": "integer", "description": description})


class AgreementSupplierSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class OptionSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    position = ma.fields.Integer()
    months = ma.fields.Integer()
    decide_by = ma.fields.Date()
    decision = ma.fields.String(
        allow_none=True, metadata={"description": "exercised, declined or null"}
    )
    decided_on = ma.fields.Date(allow_none=True)


class AgreementSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String()
    reference = ma.fields.String(allow_none=True)
    kind = ma.fields.String(metadata={"enum": [k.value for k in AgreementKind]})
    status = ma.fields.String(metadata={"enum": [k.value for k in AgreementStatus]})
    municipality_id = ma.fields.Integer(
        metadata={"description": "The municipality that manages it"}
    )
    shared_with_ids = ma.fields.Method("_shared", metadata={"description": "Also covers"})
    supplier = ma.fields.Nested(AgreementSupplierSchema)
    supplier_id = ma.fields.Integer()
    parent_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "Its framework agreement"}
    )
    owner_id = ma.fields.Integer()
    follow_up_id = ma.fields.Integer(allow_none=True)
    procurement_id = ma.fields.Integer(allow_none=True)
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date(allow_none=True, metadata={"description": "End of the current term"})
    notice_months = ma.fields.Integer(allow_none=True)
    renews_automatically = ma.fields.Boolean()
    renewal_months = ma.fields.Integer(allow_none=True)
    estimated_value = _kroner("Estimated total value")
    yearly_cost = _kroner("Yearly cost")
    units_paid = ma.fields.Integer(
        allow_none=True, metadata={"description": "Licences or units paid for"}
    )
    product_ids = ma.fields.Method("_products")
    system_ids = ma.fields.Method("_systems")
    options = ma.fields.List(ma.fields.Nested(OptionSchema))
    notes = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()

    def _shared(self, agreement) -> list[int]:
        return sorted(m.id for m in agreement.shared_with)

    def _products(self, agreement) -> list[int]:
        return sorted(p.id for p in agreement.products)

    def _systems(self, agreement) -> list[int]:
        return sorted(s.id for s in agreement.systems)


class _AgreementFields(StrictSchema):
    title = ma.fields.String()
    reference = optional_text()
    kind = _one_of(AgreementKind)
    status = _one_of(AgreementStatus)
    shared_with_ids = ma.fields.List(ma.fields.Integer())
    supplier_id = ma.fields.Integer()
    parent_id = ma.fields.Integer(allow_none=True)
    owner_id = ma.fields.Integer()
    follow_up_id = ma.fields.Integer(allow_none=True)
    procurement_id = ma.fields.Integer(allow_none=True)
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date(allow_none=True)
    notice_months = _whole_input("Notice period in whole months, 0–60")
    renews_automatically = ma.fields.Boolean()
    renewal_months = _whole_input("Each automatic renewal in months; null: the first term")
    estimated_value = _kroner_input("Estimated total value")
    yearly_cost = _kroner_input("Yearly cost")
    units_paid = _whole_input("Licences or leased units paid for")
    product_ids = ma.fields.List(ma.fields.Integer())
    system_ids = ma.fields.List(ma.fields.Integer())
    notes = optional_text()


class AgreementCreateSchema(_AgreementFields):
    municipality_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    kind = _one_of(AgreementKind, required=True)
    supplier_id = ma.fields.Integer(required=True)
    owner_id = ma.fields.Integer(required=True)
    starts_on = ma.fields.Date(required=True)


class AgreementUpdateSchema(_AgreementFields):
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class AgreementQuerySchema(CursorQuerySchema):
    q = ma.fields.String(load_default=None, metadata={"description": "Part of the title or number"})
    status = _one_of(AgreementStatus, load_default=None)
    kind = _one_of(AgreementKind, load_default=None)
    supplier_id = ma.fields.Integer(load_default=None)


AgreementPageSchema = list_envelope(AgreementSchema)


class OptionCreateSchema(StrictSchema):
    months = _whole_input("Extends by, whole months")
    decide_by = ma.fields.Date(required=True, metadata={"description": "The last day to decide"})


class PriceLineSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    agreement_id = ma.fields.Integer()
    product_id = ma.fields.Integer(allow_none=True)
    service = ma.fields.String(allow_none=True)
    unit_price = _kroner("Unit price")
    monthly_rent = _kroner("Monthly rent")
    valid_from = ma.fields.Date()
    valid_to = ma.fields.Date(allow_none=True)
    version = ma.fields.Integer()


class _PriceFields(StrictSchema):
    product_id = ma.fields.Integer(allow_none=True)
    service = optional_text()
    unit_price = _kroner_input("Unit price")
    monthly_rent = _kroner_input("Monthly rent")
    valid_from = ma.fields.Date(allow_none=True)
    valid_to = ma.fields.Date(allow_none=True)


class PriceLineCreateSchema(_PriceFields):
    agreement_id = ma.fields.Integer(required=True)


class PriceLineUpdateSchema(_PriceFields):
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class PriceLineQuerySchema(CursorQuerySchema):
    agreement_id = ma.fields.Integer(load_default=None)
    product_id = ma.fields.Integer(load_default=None)


PriceLinePageSchema = list_envelope(PriceLineSchema)


class ServiceLevelSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    agreement_id = ma.fields.Integer()
    metric = ma.fields.String(metadata={"enum": [k.value for k in Metric]})
    target = ma.fields.Decimal(
        as_string=True,
        metadata={"description": "Hours (answer, fix), days (delivery) or per cent (uptime)"},
    )
    calendar = ma.fields.String(metadata={"enum": ["24x7", "business"]})
    system_id = ma.fields.Integer(allow_none=True)
    penalty = ma.fields.String(allow_none=True)
    version = ma.fields.Integer()


class _LevelFields(StrictSchema):
    metric = _one_of(Metric)
    target = TypedNumber(metadata={"type": "string", "description": "Hours, days or per cent"})
    calendar = ma.fields.String(validate=ma.validate.OneOf(["24x7", "business"]))
    system_id = ma.fields.Integer(allow_none=True)
    penalty = optional_text()


class ServiceLevelCreateSchema(_LevelFields):
    agreement_id = ma.fields.Integer(required=True)
    metric = _one_of(Metric, required=True)


class ServiceLevelUpdateSchema(_LevelFields):
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class ServiceLevelQuerySchema(CursorQuerySchema):
    agreement_id = ma.fields.Integer(load_default=None)


ServiceLevelPageSchema = list_envelope(ServiceLevelSchema)


class DeadlineSchema(ma.Schema):
    agreement_id = ma.fields.Function(lambda r: r.deadline.agreement.id)
    agreement = ma.fields.Function(lambda r: r.deadline.agreement.title)
    kind = ma.fields.Function(
        lambda r: r.deadline.kind, metadata={"enum": [k.value for k in DeadlineKind]}
    )
    due_on = ma.fields.Function(
        lambda r: r.deadline.due_on.isoformat(), metadata={"format": "date"}
    )
    days_left = ma.fields.Integer()
    option_id = ma.fields.Function(lambda r: r.deadline.option.id if r.deadline.option else None)


class DeadlineQuerySchema(StrictSchema):
    days = ma.fields.Integer(
        load_default=365,
        validate=ma.validate.Range(min=1, max=3650),
        metadata={"description": "Horizon in days"},
    )


class DecisionCreateSchema(StrictSchema):
    kind = _one_of(DeadlineKind, required=True)
    due_on = ma.fields.Date(required=True)
    decision = _one_of(Decision, required=True)
    decided_on = ma.fields.Date(allow_none=True)
    note = optional_text()


class DecisionSchema(ma.Schema):
    id = ma.fields.Integer()
    agreement_id = ma.fields.Integer()
    kind = ma.fields.String()
    due_on = ma.fields.Date()
    option_id = ma.fields.Integer(allow_none=True)
    decision = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.AwareDateTime()


class DeviationSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    agreement_id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": [k.value for k in DeviationKind]})
    severity = ma.fields.String(metadata={"enum": [k.value for k in Severity]})
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"enum": [k.value for k in DeviationStatus]})
    reported_at = ma.fields.Date(allow_none=True)
    reported_how = ma.fields.String(allow_none=True)
    supplier_answer = ma.fields.String(allow_none=True)
    answered_at = ma.fields.Date(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    service_level_id = ma.fields.Integer(allow_none=True)
    ticket_ids = ma.fields.Function(lambda d: sorted(t.id for t in d.tickets))
    device_ids = ma.fields.Function(lambda d: sorted(x.id for x in d.devices))
    reported_by_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


class _DeviationFields(StrictSchema):
    kind = _one_of(DeviationKind)
    severity = _one_of(Severity)
    title = ma.fields.String()
    description = optional_text()
    reported_at = ma.fields.Date(allow_none=True)
    reported_how = optional_text()
    supplier_answer = optional_text()
    answered_at = ma.fields.Date(allow_none=True)
    service_level_id = ma.fields.Integer(allow_none=True)
    ticket_ids = ma.fields.List(ma.fields.Integer())
    device_ids = ma.fields.List(ma.fields.Integer())


class DeviationCreateSchema(_DeviationFields):
    agreement_id = ma.fields.Integer(required=True)
    kind = _one_of(DeviationKind, required=True)
    title = ma.fields.String(required=True)


class DeviationUpdateSchema(_DeviationFields):
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class DeviationQuerySchema(CursorQuerySchema):
    agreement_id = ma.fields.Integer(load_default=None)
    status = _one_of(DeviationStatus, load_default=None)


class VersionOnlySchema(StrictSchema):
    version = ma.fields.Integer(load_default=None)


DeviationPageSchema = list_envelope(DeviationSchema)


class EvaluationQuerySchema(StrictSchema):
    from_ = ma.fields.Date(
        data_key="from",
        load_default=None,
        metadata={"description": "First day (default: a year ago)"},
    )
    to = ma.fields.Date(load_default=None, metadata={"description": "Last day (default: today)"})


class CaseSchema(ma.Schema):
    ticket_id = ma.fields.Integer(allow_none=True)
    order_id = ma.fields.Integer(allow_none=True)
    label = ma.fields.String()
    started = ma.fields.AwareDateTime()
    value = ma.fields.Float(
        metadata={"description": "Hours (answer, fix, downtime) or days (delivery)"}
    )
    finished = ma.fields.Boolean()
    breached = ma.fields.Boolean()
    reported = ma.fields.Boolean(metadata={"description": "A deviation names it"})


class MonthSchema(ma.Schema):
    month = ma.fields.Function(lambda m: m.first.isoformat()[:7])
    value = ma.fields.Float(allow_none=True)
    cases = ma.fields.Integer()
    breaches = ma.fields.Integer()


class TrendSchema(ma.Schema):
    service_level_id = ma.fields.Function(lambda t: t.level.id)
    metric = ma.fields.Function(lambda t: t.level.metric)
    target = ma.fields.Function(lambda t: str(t.level.target))
    calendar = ma.fields.Function(lambda t: t.level.calendar)
    value = ma.fields.Function(
        lambda t: t.overall.value,
        metadata={"description": "The median (times) or the uptime in per cent"},
    )
    met_share = ma.fields.Function(lambda t: t.overall.met_share)
    met = ma.fields.Function(lambda t: t.overall.met)
    months = ma.fields.List(ma.fields.Nested(MonthSchema))
    cases = ma.fields.Function(lambda t: CaseSchema(many=True).dump(t.overall.cases))


class EvaluationSchema(ma.Schema):
    agreement_id = ma.fields.Function(lambda e: e.agreement.id)
    first = ma.fields.Function(lambda e: e.period.first.isoformat())
    last = ma.fields.Function(lambda e: e.period.last.isoformat())
    levels = ma.fields.List(ma.fields.Nested(TrendSchema), attribute="trends")
    units_paid = ma.fields.Integer(allow_none=True)
    units_in_use = ma.fields.Integer(allow_none=True)
    in_use_basis = ma.fields.String(allow_none=True, metadata={"description": "devices or grants"})


class DocumentSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    filename = ma.fields.String()
    size = ma.fields.Integer(metadata={"description": "Bytes"})
    sha256 = ma.fields.String(metadata={"description": "SHA-256 of the file, hex"})
    uploaded_at = ma.fields.AwareDateTime()
    uploaded_by_id = ma.fields.Integer(allow_none=True)


class DocumentUploadQuerySchema(StrictSchema):
    filename = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=200),
        metadata={"description": "The file's name as shown on the agreement"},
    )


class ActionSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    text = ma.fields.String()
    owner_id = ma.fields.Integer(allow_none=True)
    owner_name = ma.fields.String(allow_none=True)
    due_on = ma.fields.Date()
    done_at = ma.fields.AwareDateTime(allow_none=True)
    done_by_id = ma.fields.Integer(allow_none=True)
    version = ma.fields.Integer()


class MeetingSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    agreement_id = ma.fields.Integer()
    held_on = ma.fields.Date()
    period_from = ma.fields.Date(metadata={"description": "The status report's first day"})
    period_to = ma.fields.Date()
    attendees = ma.fields.String(allow_none=True)
    agenda = ma.fields.String(allow_none=True)
    minutes = ma.fields.String(allow_none=True)
    actions = ma.fields.List(ma.fields.Nested(ActionSchema))
    version = ma.fields.Integer()


class _MeetingFields(StrictSchema):
    held_on = ma.fields.Date()
    period_from = ma.fields.Date(allow_none=True)
    period_to = ma.fields.Date(allow_none=True)
    attendees = optional_text()
    agenda = optional_text()
    minutes = optional_text()


class MeetingCreateSchema(_MeetingFields):
    agreement_id = ma.fields.Integer(required=True)
    held_on = ma.fields.Date(required=True)


class MeetingUpdateSchema(_MeetingFields):
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class MeetingQuerySchema(CursorQuerySchema):
    agreement_id = ma.fields.Integer(load_default=None)


class ActionCreateSchema(StrictSchema):
    text = ma.fields.String(required=True)
    owner_id = ma.fields.Integer(allow_none=True)
    owner_name = optional_text()
    due_on = ma.fields.Date(required=True)


class ActionDoneSchema(StrictSchema):
    done = ma.fields.Boolean(load_default=True, metadata={"description": "false reopens it"})
    version = ma.fields.Integer(load_default=None)


MeetingPageSchema = list_envelope(MeetingSchema)


class BidSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    agreement_id = ma.fields.Integer(metadata={"description": "The framework it bids under"})
    supplier = ma.fields.Function(lambda b: b.agreement.supplier.name)
    price = _kroner("Price")
    score = ma.fields.Decimal(as_string=True, allow_none=True)
    received_on = ma.fields.Date()
    notes = ma.fields.String(allow_none=True)
    won = ma.fields.Boolean()


class CompetitionSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    municipality_id = ma.fields.Integer(metadata={"description": "The municipality holding it"})
    framework_id = ma.fields.Integer()
    title = ma.fields.String()
    need = ma.fields.String(allow_none=True)
    criteria = ma.fields.String()
    answer_by = ma.fields.Date(metadata={"description": "The last day to bid"})
    status = ma.fields.String(metadata={"enum": [s.value for s in CompetitionStatus]})
    reason = ma.fields.String(allow_none=True, metadata={"description": "Why it was decided"})
    awarded_at = ma.fields.AwareDateTime(allow_none=True)
    decided_by_id = ma.fields.Integer(allow_none=True)
    bids = ma.fields.List(ma.fields.Nested(BidSchema))
    version = ma.fields.Integer()


CompetitionPageSchema = list_envelope(CompetitionSchema)


class _CompetitionFields(StrictSchema):
    title = optional_text()
    need = optional_text()
    criteria = optional_text()
    answer_by = ma.fields.Date()


class CompetitionCreateSchema(_CompetitionFields):
    framework_id = ma.fields.Integer(required=True)
    municipality_id = ma.fields.Integer(
        load_default=None,
        metadata={"description": "Held by (one of yours the framework covers); default yours"},
    )
    title = optional_text(required=True)
    criteria = optional_text(required=True)
    answer_by = ma.fields.Date(required=True)


class CompetitionUpdateSchema(_CompetitionFields):
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class CompetitionQuerySchema(CursorQuerySchema):
    framework_id = ma.fields.Integer(load_default=None)
    status = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf([s.value for s in CompetitionStatus])
    )


class BidCreateSchema(StrictSchema):
    agreement_id = ma.fields.Integer(required=True)
    price = _kroner_input("Price")
    score = TypedNumber(allow_none=True, metadata={"type": "number", "description": "0–100"})
    received_on = ma.fields.Date(allow_none=True)
    notes = optional_text()


class AwardSchema(StrictSchema):
    bid_id = ma.fields.Integer(required=True)
    reason = optional_text(required=True)
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class CancelSchema(StrictSchema):
    reason = optional_text(required=True)
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})
