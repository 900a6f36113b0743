"""Forms of agreements: the agreement, its options, prices and service levels, and a
deadline's decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from vftops.agreements.models import (
    DECISION_LABELS,
    DEVIATION_KIND_LABELS,
    KIND_LABELS,
    METRIC_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
)
from vftops.core.forms import Form, MultiCheckboxField, VersionedForm, choices, int_or_none

NONE = ("", "–")
AMOUNT = {"inputmode": "decimal"}
WHOLE = {"inputmode": "numeric"}


class AgreementForm(VersionedForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Give the agreement a title.")), Length(max=200)],
    )
    reference = StringField(
        _l("Agreement number"),
        validators=[Optional(), Length(max=60)],
        description=_l("The number or reference in the contract, e.g. 2024/1187."),
    )
    kind = SelectField(_l("Kind"), choices=choices((k.value, v) for k, v in KIND_LABELS.items()))
    status = SelectField(
        _l("Status"), choices=choices((k.value, v) for k, v in STATUS_LABELS.items())
    )
    municipality_id = SelectField(
        _l("Managed by"),
        coerce=int_or_none,
        validate_choice=False,  # another municipality's id: the loader answers 404
        validators=[DataRequired(_l("Choose the municipality that manages it."))],
    )
    shared_with_ids = MultiCheckboxField(
        _l("Also covers"),
        coerce=int,
        description=_l("The other municipalities of the shared service the agreement covers."),
    )
    supplier_id = SelectField(_l("Supplier"), coerce=int_or_none, validate_choice=False)
    parent_id = SelectField(
        _l("Called off the framework agreement"),
        coerce=int_or_none,
        validate_choice=False,
    )
    owner_id = SelectField(
        _l("Agreement owner"),
        coerce=int_or_none,
        validate_choice=False,  # the operation names a wrong person in its field
        description=_l("Owns the agreement and decides on notice and options."),
    )
    follow_up_id = SelectField(
        _l("Daily follow-up"),
        coerce=int_or_none,
        validate_choice=False,  # the operation names a wrong person in its field
        description=_l("Follows the supplier up day to day: deviations, meetings, actions."),
    )
    procurement_id = SelectField(
        _l("Procurement contact"), coerce=int_or_none, validate_choice=False
    )
    starts_on = DateField(
        _l("Starts"), validators=[DataRequired(_l("Give the date the agreement starts."))]
    )
    ends_on = DateField(
        _l("Ends"),
        validators=[Optional()],
        description=_l("The end of the current term. Empty: runs until notice is given."),
    )
    notice_months = StringField(
        _l("Notice period (months)"), validators=[Optional(), Length(max=4)], render_kw=WHOLE
    )
    renews_automatically = BooleanField(_l("Renews by itself unless notice is given"))
    renewal_months = StringField(
        _l("Each renewal (months)"),
        validators=[Optional(), Length(max=4)],
        render_kw=WHOLE,
        description=_l("Empty: as long as the first term."),
    )
    estimated_value = StringField(
        _l("Estimated total value (kr)"), validators=[Optional(), Length(max=20)], render_kw=AMOUNT
    )
    yearly_cost = StringField(
        _l("Yearly cost (kr)"), validators=[Optional(), Length(max=20)], render_kw=AMOUNT
    )
    units_paid = StringField(
        _l("Licences or units paid for"),
        validators=[Optional(), Length(max=10)],
        render_kw=WHOLE,
        description=_l("Set against those in use in the evaluation."),
    )
    product_ids = MultiCheckboxField(_l("Products"), coerce=int)
    system_ids = MultiCheckboxField(_l("Systems"), coerce=int)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])

    def data_for_operation(self) -> dict:
        return {
            "title": self.title.data,
            "reference": self.reference.data,
            "kind": self.kind.data,
            "status": self.status.data,
            "shared_with_ids": self.shared_with_ids.data or [],
            "supplier_id": self.supplier_id.data,
            "parent_id": self.parent_id.data,
            "owner_id": self.owner_id.data,
            "follow_up_id": self.follow_up_id.data,
            "procurement_id": self.procurement_id.data,
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "notice_months": self.notice_months.data,
            "renews_automatically": self.renews_automatically.data,
            "renewal_months": self.renewal_months.data,
            "estimated_value": self.estimated_value.data,
            "yearly_cost": self.yearly_cost.data,
            "units_paid": self.units_paid.data,
            "product_ids": self.product_ids.data or [],
            "system_ids": self.system_ids.data or [],
            "notes": self.notes.data,
        }


class OptionForm(Form):
    months = StringField(
        _l("Extends by (months)"),
        validators=[DataRequired(_l("Give the extension in whole months."))],
        render_kw=WHOLE,
    )
    decide_by = DateField(
        _l("Decide by"), validators=[DataRequired(_l("Give the last day to decide."))]
    )


class PriceLineForm(VersionedForm):
    product_id = SelectField(_l("Product"), coerce=int_or_none, validate_choice=False)
    service = StringField(
        _l("Or a service"),
        validators=[Optional(), Length(max=200)],
        description=_l("E.g. «Installation» or «Response-centre service per user»."),
    )
    unit_price = StringField(
        _l("Unit price (kr)"), validators=[Optional(), Length(max=20)], render_kw=AMOUNT
    )
    monthly_rent = StringField(
        _l("Monthly rent (kr)"), validators=[Optional(), Length(max=20)], render_kw=AMOUNT
    )
    valid_from = DateField(_l("From"), validators=[Optional()])
    valid_to = DateField(_l("To"), validators=[Optional()])

    def data_for_operation(self) -> dict:
        return {
            "product_id": self.product_id.data,
            "service": self.service.data,
            "unit_price": self.unit_price.data,
            "monthly_rent": self.monthly_rent.data,
            "valid_from": self.valid_from.data,
            "valid_to": self.valid_to.data,
        }


class ServiceLevelForm(VersionedForm):
    metric = SelectField(
        _l("What is measured"), choices=choices((k.value, v) for k, v in METRIC_LABELS.items())
    )
    target = StringField(
        _l("Target"),
        validators=[DataRequired(_l("Give the target."))],
        render_kw=AMOUNT,
        description=_l("Hours to answer or fix, days to deliver, or per cent uptime."),
    )
    calendar = SelectField(
        _l("Counted"),
        choices=choices(
            [("24x7", _l("Around the clock (24/7)")), ("business", _l("In business hours"))]
        ),
        description=_l(
            "In business hours: hours and uptime within the opening hours of working days; "
            "a delivery time in working days."
        ),
    )
    system_id = SelectField(_l("System (for uptime)"), coerce=int_or_none, validate_choice=False)
    penalty = TextAreaField(
        _l("Penalty"),
        validators=[Optional(), Length(max=2000)],
        description=_l("What the agreement says the supplier pays when the target is missed."),
    )

    def data_for_operation(self) -> dict:
        return {
            "metric": self.metric.data,
            "target": self.target.data,
            "calendar": self.calendar.data,
            "system_id": self.system_id.data,
            "penalty": self.penalty.data,
        }


class DecisionForm(Form):
    kind = HiddenField()
    due_on = HiddenField()
    # No decision is chosen for the reader: one click must not extend an agreement.
    decision = SelectField(
        _l("Decided"),
        choices=choices(
            [("", _l("Choose …")), *((k.value, v) for k, v in DECISION_LABELS.items())]
        ),
        validators=[DataRequired(_l("Choose what was decided."))],
    )
    decided_on = DateField(_l("Decided on"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class DeviationForm(VersionedForm):
    kind = SelectField(
        _l("Kind"), choices=choices((k.value, v) for k, v in DEVIATION_KIND_LABELS.items())
    )
    severity = SelectField(
        _l("Severity"),
        choices=choices((k.value, v) for k, v in SEVERITY_LABELS.items()),
        default="medium",
    )
    title = StringField(
        _l("What happened"),
        validators=[DataRequired(_l("Say in a line what happened.")), Length(max=200)],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=8000)])
    ticket_ids = StringField(
        _l("Tickets"),
        validators=[Optional(), Length(max=400)],
        description=_l("Ticket numbers, separated by commas."),
    )
    reported_at = DateField(_l("Reported to the supplier on"), validators=[Optional()])
    reported_how = StringField(
        _l("Reported how"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "E.g. «e-mail to the account manager» or «in the supplier portal, case 4711»."
        ),
    )
    supplier_answer = TextAreaField(
        _l("The supplier's answer"), validators=[Optional(), Length(max=8000)]
    )
    answered_at = DateField(_l("Answered on"), validators=[Optional()])

    def data_for_operation(self) -> dict:
        raw = [t.strip().lstrip("#") for t in (self.ticket_ids.data or "").split(",")]
        return {
            "kind": self.kind.data,
            "severity": self.severity.data,
            "title": self.title.data,
            "description": self.description.data,
            "ticket_ids": [t if t.isdigit() else -1 for t in raw if t],
            "reported_at": self.reported_at.data,
            "reported_how": self.reported_how.data,
            "supplier_answer": self.supplier_answer.data,
            "answered_at": self.answered_at.data,
        }


class MeetingForm(VersionedForm):
    held_on = DateField(_l("Date"), validators=[DataRequired(_l("Give the meeting's date."))])
    period_from = DateField(
        _l("Report from"),
        validators=[Optional()],
        description=_l("Empty: the day after the last meeting (three months back at first)."),
    )
    period_to = DateField(_l("Report to"), validators=[Optional()])
    attendees = TextAreaField(
        _l("Attendees"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=8000)])
    minutes = TextAreaField(
        _l("Minutes"),
        validators=[Optional(), Length(max=20000)],
        description=_l("What was said and decided: new needs, deviations, changes."),
        render_kw={"rows": 8},
    )

    def data_for_operation(self) -> dict:
        return {
            "held_on": self.held_on.data,
            "period_from": self.period_from.data,
            "period_to": self.period_to.data,
            "attendees": self.attendees.data,
            "agenda": self.agenda.data,
            "minutes": self.minutes.data,
        }


class ActionForm(Form):
    text = StringField(
        _l("What is to be done"),
        validators=[DataRequired(_l("Write what is to be done.")), Length(max=500)],
    )
    owner_id = SelectField(_l("Ours to do"), coerce=int_or_none, validate_choice=False)
    owner_name = StringField(
        _l("Or the supplier's"),
        validators=[Optional(), Length(max=120)],
        description=_l("A name at the supplier, when it is theirs to do."),
    )
    due_on = DateField(_l("Due"), validators=[DataRequired(_l("Give the date it is due."))])


class DocumentForm(Form):
    file = FileField(_l("PDF file"), validators=[FileRequired(_l("Choose a file."))])


class CompetitionForm(VersionedForm):
    title = StringField(
        _l("What is bought"),
        validators=[DataRequired(_l("Say what is bought.")), Length(max=200)],
        description=_l("E.g. 40 GPS trackers for the home services in Meråker."),
    )
    municipality_id = SelectField(_l("Held by"), coerce=int_or_none, validate_choice=False)
    need = TextAreaField(
        _l("The need"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Quantities, delivery, what the invitation describes."),
    )
    criteria = TextAreaField(
        _l("Award criteria"),
        validators=[
            DataRequired(_l("Write the award criteria and their weights, as the invitation says.")),
            Length(max=5000),
        ],
        description=_l("E.g. price 60 %, delivery time 20 %, quality 20 %."),
        render_kw={"rows": 3},
    )
    answer_by = DateField(
        _l("Last day to bid"), validators=[DataRequired(_l("Give the last day to bid."))]
    )

    def data_for_operation(self) -> dict:
        return {
            "title": self.title.data,
            "municipality_id": self.municipality_id.data,
            "need": self.need.data,
            "criteria": self.criteria.data,
            "answer_by": self.answer_by.data,
        }


class BidForm(Form):
    agreement_id = SelectField(_l("Supplier"), coerce=int_or_none, validate_choice=False)
    price = StringField(
        _l("Price (kr)"),
        validators=[DataRequired(_l("Give the bid's price in kroner."))],
        render_kw=AMOUNT,
        description=_l("The total the bid would cost, as the criteria compare it."),
    )
    score = StringField(
        _l("Score (0–100)"),
        validators=[Optional()],
        render_kw=AMOUNT,
        description=_l("The evaluation's result by the award criteria."),
    )
    received_on = DateField(
        _l("Received"), validators=[Optional()], description=_l("Empty: today.")
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class AwardForm(VersionedForm):
    bid_id = SelectField(_l("Winning bid"), coerce=int_or_none, validate_choice=False)
    reason = TextAreaField(
        _l("Why it won"),
        validators=[
            DataRequired(_l("Write why this bid won, by the award criteria.")),
            Length(max=5000),
        ],
        render_kw={"rows": 3},
    )


class CancelCompetitionForm(VersionedForm):
    reason = TextAreaField(
        _l("Why it is cancelled"),
        validators=[DataRequired(_l("Write why it is cancelled.")), Length(max=5000)],
        render_kw={"rows": 2},
    )
