"""The forms of access control: a system, a role, a grant, ending and changing one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from vftops.access.labels import (
    ACCOUNT_SOURCE_LABELS,
    ADMIN_KIND_LABELS,
    HOLDER_KIND_LABELS,
    JOB_LABELS,
    SYSTEM_KIND_LABELS,
    SYSTEM_STATUS_LABELS,
)
from vftops.core import tabular
from vftops.core.forms import Form, MultiCheckboxField, VersionedForm, choices, int_or_none
from vftops.systems.models import SystemKind

NONE = ("", "–")


class SystemForm(VersionedForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter the system's name.")), Length(max=120)],
    )
    kind = SelectField(
        _l("Kind"),
        choices=choices(
            (k.value, label) for k, label in SYSTEM_KIND_LABELS.items() if k != SystemKind.VFTOPS
        ),
    )
    municipality_id = SelectField(
        _l("Run by"),
        coerce=int_or_none,
        validate_choice=False,  # another municipality's id: the loader answers 404
        validators=[DataRequired(_l("Choose the municipality that runs it."))],
    )
    shared_with_ids = MultiCheckboxField(
        _l("Also used by"),
        coerce=int,
        description=_l("The other municipalities of the shared service that use the system."),
    )
    supplier_id = SelectField(_l("Supplier"), coerce=int_or_none)
    owner_id = SelectField(
        _l("System owner"),
        coerce=int_or_none,
        description=_l("Answers for the system and confirms privileged access in the review."),
    )
    admin_kind = SelectField(
        _l("Who grants access"), choices=choices((k.value, v) for k, v in ADMIN_KIND_LABELS.items())
    )
    admin_user_id = SelectField(_l("The person who grants access"), coerce=int_or_none)
    admin_team_id = SelectField(_l("The team that grants access"), coerce=int_or_none)
    account_source = SelectField(
        _l("Accounts"), choices=choices((k.value, v) for k, v in ACCOUNT_SOURCE_LABELS.items())
    )
    holds_health_data = BooleanField(_l("Holds health data"), default=True)
    review_interval_months = StringField(
        _l("Access review every (months)"),
        default="6",
        validators=[Optional(), Length(max=4)],
        render_kw={"inputmode": "numeric"},
    )
    status = SelectField(
        _l("Status"), choices=choices((k.value, v) for k, v in SYSTEM_STATUS_LABELS.items())
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])

    def data_for_operation(self) -> dict:
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "shared_with_ids": self.shared_with_ids.data or [],
            "supplier_id": self.supplier_id.data,
            "owner_id": self.owner_id.data,
            "admin_kind": self.admin_kind.data,
            "admin_user_id": self.admin_user_id.data,
            "admin_team_id": self.admin_team_id.data,
            "account_source": self.account_source.data,
            "holds_health_data": self.holds_health_data.data,
            "review_interval_months": self.review_interval_months.data or 6,
            "status": self.status.data,
            "note": self.note.data,
        }


class RoleForm(VersionedForm):
    name = StringField(
        _l("Name in the system"),
        validators=[
            DataRequired(_l("Enter the role's name as the system calls it.")),
            Length(max=120),
        ],
    )
    description = TextAreaField(
        _l("What it allows"),
        validators=[Optional(), Length(max=2000)],
        description=_l("In plain words: what someone with this role can see and do."),
    )
    is_privileged = BooleanField(
        _l("Privileged"),
        description=_l(
            "An administrator, or access to all recipients: looked at twice in the review."
        ),
    )
    job_functions = MultiCheckboxField(
        _l("Normally needed by"),
        choices=choices((k.value, v) for k, v in JOB_LABELS.items()),
        description=_l("Access held by someone outside these jobs is pointed out in the review."),
    )
    is_active = BooleanField(_l("In use"), default=True)


class GrantForm(Form):
    """Access to one system (the form is opened from its page)."""

    role_id = SelectField(_l("Role"), coerce=int_or_none, validate_choice=True)
    holder_kind = SelectField(
        _l("Who"), choices=choices((k.value, v) for k, v in HOLDER_KIND_LABELS.items())
    )
    user_id = SelectField(_l("Employee"), coerce=int_or_none, validate_choice=True)
    recipient_id = StringField(
        _l("Recipient number"),
        validators=[Optional(), Length(max=12)],
        render_kw={"inputmode": "numeric"},
        description=_l("The number on the recipient's page."),
    )
    person_name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    person_detail = StringField(
        _l("Employer, or relation to the recipient"), validators=[Optional(), Length(max=120)]
    )
    municipality_id = SelectField(_l("Municipality"), coerce=int_or_none, validate_choice=True)
    unit_id = SelectField(_l("Unit"), coerce=int_or_none, validate_choice=True)
    account_name = StringField(
        _l("Account name in the system"), validators=[Optional(), Length(max=120)]
    )
    starts_on = DateField(_l("From"), validators=[Optional()])
    ends_on = DateField(_l("To (last day)"), validators=[Optional()])
    reason = TextAreaField(
        _l("Why"),
        validators=[DataRequired(_l("Say why the person needs this access.")), Length(max=2000)],
    )


class EndGrantForm(VersionedForm):
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    end_reason = TextAreaField(
        _l("Why"), validators=[DataRequired(_l("Say why the access ends.")), Length(max=2000)]
    )


class ChangeRoleForm(VersionedForm):
    role_id = SelectField(_l("New role"), coerce=int_or_none, validate_choice=True)
    starts_on = DateField(_l("From"), validators=[Optional()])
    reason = TextAreaField(
        _l("Why"), validators=[DataRequired(_l("Say why the role changes.")), Length(max=2000)]
    )


class GrantFilterForm(Form):
    """The register's filters (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    system_id = SelectField(_l("System"), coerce=int_or_none, validate_choice=False)
    unit_id = SelectField(_l("Unit"), coerce=int_or_none, validate_choice=False)
    q = StringField(_l("Name or account"), validators=[Optional(), Length(max=120)])
    at = DateField(_l("Who had access on"), validators=[Optional()])
    ended = BooleanField(_l("With ended access"))


class _OrderWho(Form):
    # The ids are checked by the scoped loader and the operation (another municipality's
    # is not found; someone outside the manager's units neither).
    unit_id = SelectField(_l("Unit"), coerce=int_or_none, validate_choice=False)
    holder_kind = SelectField(
        _l("Who"),
        choices=choices(
            [
                ("user", _l("An employee with a vftops login")),
                ("person", _l("Someone without a vftops login")),
            ]
        ),
    )
    user_id = SelectField(_l("Employee"), coerce=int_or_none, validate_choice=False)
    person_name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    person_detail = StringField(_l("Employer"), validators=[Optional(), Length(max=120)])


class OrderForm(_OrderWho):
    """A unit manager orders access for someone in their unit."""

    role_id = SelectField(
        _l("System and role"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l("What the role allows is shown beside it on the system's page."),
    )
    starts_on = DateField(_l("Needed from"), validators=[Optional()])
    reason = TextAreaField(
        _l("Why"),
        validators=[DataRequired(_l("Say why the person needs this access.")), Length(max=2000)],
    )


class LeaverForm(_OrderWho):
    """A unit manager orders the end of all of a leaver's access."""

    ends_on = DateField(_l("Last working day"), validators=[Optional()])
    reason = TextAreaField(
        _l("Why"),
        validators=[DataRequired(_l("Say why the access ends.")), Length(max=2000)],
        default="",
    )
    confirm = StringField(widget=HiddenInput())


class TaskDoneForm(VersionedForm):
    account_name = StringField(
        _l("Account name in the system"), validators=[Optional(), Length(max=120)]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class TaskRefuseForm(VersionedForm):
    reason = TextAreaField(
        _l("Why not"),
        validators=[
            DataRequired(_l("Say why the task is refused: the orderer is told.")),
            Length(max=2000),
        ],
    )


class ReviewForm(Form):
    """A review campaign."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the review a name, e.g. «Tilgangskontroll høst 2026».")),
            Length(max=120),
        ],
    )
    system_ids = MultiCheckboxField(_l("Systems"), coerce=int, validate_choice=False)
    municipality_ids = MultiCheckboxField(_l("Municipalities"), coerce=int, validate_choice=False)
    starts_on = DateField(_l("Starts"), validators=[Optional()])
    due_on = DateField(_l("Answer by"), validators=[Optional()])
    escalate_on = DateField(
        _l("Escalate on"),
        validators=[Optional()],
        description=_l("What is not answered by then goes to the fallback reviewer."),
    )
    reminder_days = StringField(
        _l("Remind every (days)"), default="7", render_kw={"inputmode": "numeric"}
    )
    unanswered = SelectField(
        _l("What nobody answers"),
        choices=choices(
            [
                ("keep", _l("Kept, and reported as unanswered")),
                ("end", _l("Ended, on the approver's authority")),
            ]
        ),
    )
    approver_id = SelectField(
        _l("Approver of ending what nobody answered"), coerce=int_or_none, validate_choice=False
    )
    fallback_reviewer_id = SelectField(
        _l("Fallback reviewer"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l("Reviews what has no manager, a manager's own access, and what is late."),
    )
    second_stage = BooleanField(
        _l("The system owner confirms decisions on privileged roles"),
    )


class DecideForm(VersionedForm):
    decision = SelectField(
        _l("Decision"),
        choices=choices([("keep", _l("Keep")), ("end", _l("End")), ("change", _l("Change role"))]),
    )
    new_role_id = SelectField(_l("New role"), coerce=int_or_none, validate_choice=False)
    reason = TextAreaField(_l("Why"), validators=[Optional(), Length(max=2000)])


class ReviewStepForm(VersionedForm):
    """Start or close a review (a button with the version the page was read at)."""


class AccountListForm(Form):
    """A system's exported account list, and which column holds what."""

    file = FileField(
        _l("Account list (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Choose the account list exported from the system.")),
            FileAllowed(["csv", "xlsx"], _l("Choose a .csv or .xlsx file.")),
            FileSize(
                tabular.MAX_UPLOAD_BYTES,
                message=_l("The file is larger than 5 MB. Split it into smaller files."),
            ),
        ],
        description=_l("One account per row under a header row."),
    )
    account = StringField(
        _l("Column with the account name"),
        validators=[Optional(), Length(max=120)],
        description=_l("As the header row names it. Empty: found from the header."),
    )
    display_name = StringField(_l("Column with the name"), validators=[Optional(), Length(max=120)])
    role = StringField(_l("Column with the role"), validators=[Optional(), Length(max=120)])
    last_login = StringField(
        _l("Column with the last login"), validators=[Optional(), Length(max=120)]
    )


__all__ = [
    "NONE",
    "AccountListForm",
    "ChangeRoleForm",
    "DecideForm",
    "EndGrantForm",
    "GrantFilterForm",
    "GrantForm",
    "LeaverForm",
    "OrderForm",
    "ReviewForm",
    "ReviewStepForm",
    "RoleForm",
    "SystemForm",
    "TaskDoneForm",
    "TaskRefuseForm",
]
