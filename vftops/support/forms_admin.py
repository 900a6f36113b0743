"""Forms for teams, routing rules, SLA targets, support settings and function tests.

Numbers are text fields: what was typed comes back beside the message when it is
not a whole number, and the operations check the rest (ranges, order).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from vftops.core.forms import Form, MultiCheckboxField, VersionedForm, choices, int_or_none
from vftops.core.validation import digits
from vftops.support.models import KIND_LABELS, TEAM_KIND_LABELS, TestResult
from vftops.support.sla import Calendar

CALENDAR_LABELS = {
    Calendar.ALWAYS: _l("Around the clock (24/7)"),
    Calendar.BUSINESS: _l("Business hours"),
}
RESULT_LABELS = {
    TestResult.PASSED: _l("Passed: everything works"),
    TestResult.FAILED: _l("Failed: something does not work"),
}

_NUMBER = {"inputmode": "numeric", "autocomplete": "off"}


def whole_number(value) -> int | None:
    """«12» → 12, empty → 0; anything else (1,5 · -1 · to) → None."""
    text = (value or "").strip() if isinstance(value, str) else value
    if text in (None, ""):
        return 0
    if digits(text):
        return int(text)
    return None


def _whole(message):
    def check(form, field):
        if whole_number(field.data) is None:
            raise ValidationError(str(message))

    return check


def _email(form, field):
    value = (field.data or "").strip()
    if value and ("@" not in value[1:-1] or " " in value):
        raise ValidationError(str(_l("Enter an e-mail address like name@example.no.")))


class TeamForm(VersionedForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Give the team a name.")), Length(max=80)]
    )
    kind = SelectField(
        _l("Kind of team"), choices=choices((k.value, v) for k, v in TEAM_KIND_LABELS.items())
    )
    supplier_id = SelectField(
        _l("Supplier"),
        coerce=int_or_none,
        choices=[],
        validators=[Optional()],
        description=_l("For a supplier team: whose support this is."),
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    email = StringField(
        _l("E-mail"),
        validators=[Optional(), Length(max=254), _email],
    )
    hours = StringField(
        _l("Opening hours"),
        validators=[Optional(), Length(max=120)],
        description=_l("E.g. weekdays 08–16, or around the clock."),
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional()],
        description=_l("Shown on the «who to contact» page, e.g. on-call arrangements."),
    )
    member_ids = MultiCheckboxField(_l("Members"), coerce=int, choices=[])
    is_default = BooleanField(
        _l("Default team"),
        description=_l(
            "Gets every ticket that no routing rule matches. A municipality has one default team."
        ),
    )
    is_active = BooleanField(
        _l("Active"),
        default=True,
        description=_l("An inactive team gets no new tickets; its rules are skipped."),
    )


class RuleForm(VersionedForm):
    position = StringField(
        _l("Position"),
        description=_l("Rules are tried from the lowest number; the first that matches wins."),
        render_kw=_NUMBER,
    )
    kind = SelectField(_l("Kind of ticket"), choices=[], validators=[Optional()])
    category = StringField(
        _l("Category"),
        validators=[Optional(), Length(max=60)],
        description=_l("As written on the ticket, e.g. «batteri». Empty: any category."),
    )
    product_id = SelectField(_l("Product"), coerce=int_or_none, choices=[], validators=[Optional()])
    system_id = SelectField(
        _l("System"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        description=_l("E.g. the response-centre solution. Empty: any system."),
    )
    team_id = SelectField(
        _l("Goes to team"),
        coerce=int_or_none,
        choices=[],
        validators=[DataRequired(_l("Choose the team that gets these tickets."))],
    )
    note = TextAreaField(_l("Note"), validators=[Optional()])
    is_active = BooleanField(_l("Active"), default=True)

    def fill_kinds(self, blank) -> None:
        self.kind.choices = choices([("", blank)] + [(k.value, v) for k, v in KIND_LABELS.items()])


class RouteTestForm(Form):
    """«Test ruting»: which team would get a ticket like this? (GET, changes nothing.)"""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind of ticket"), choices=[], validators=[Optional()])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=60)])
    product_id = SelectField(_l("Product"), coerce=int_or_none, choices=[], validators=[Optional()])
    system_id = SelectField(_l("System"), coerce=int_or_none, choices=[], validate_choice=False)


class ConfirmDeleteForm(VersionedForm):
    """Deleting a rule: carries the version it was shown at."""


_HOURS = _l("Enter a whole number of hours.")
_MINUTES = _l("Enter a whole number of minutes.")


class SlaTargetForm(VersionedForm):
    """One priority's targets: hours and minutes to acknowledge and to resolve. The
    version is that of the municipality's own target when the page was opened ("" when
    it used the default)."""

    acknowledge_hours = StringField(
        _l("Acknowledge within (hours)"), validators=[_whole(_HOURS)], render_kw=_NUMBER
    )
    acknowledge_minutes = StringField(
        _l("and minutes"), validators=[_whole(_MINUTES)], render_kw=_NUMBER
    )
    resolve_hours = StringField(
        _l("Resolve within (hours)"), validators=[_whole(_HOURS)], render_kw=_NUMBER
    )
    resolve_minutes = StringField(
        _l("and minutes"), validators=[_whole(_MINUTES)], render_kw=_NUMBER
    )
    calendar = SelectField(
        _l("Clock runs"), choices=choices((k.value, v) for k, v in CALENDAR_LABELS.items())
    )

    def set_minutes(self, acknowledge: int, resolve: int, calendar: str) -> None:
        self.acknowledge_hours.data, self.acknowledge_minutes.data = (
            str(v) for v in divmod(acknowledge, 60)
        )
        self.resolve_hours.data, self.resolve_minutes.data = (str(v) for v in divmod(resolve, 60))
        self.calendar.data = calendar

    def total(self, what: str) -> int:
        hours = whole_number(getattr(self, f"{what}_hours").data) or 0
        minutes = whole_number(getattr(self, f"{what}_minutes").data) or 0
        return hours * 60 + minutes


class SupportSettingsForm(VersionedForm):
    auto_close_days = StringField(
        _l("Close resolved tickets after (days)"),
        validators=[_whole(_l("Enter a whole number of days."))],
        description=_l("A resolved ticket that nobody reopens is closed after this many days."),
        render_kw=_NUMBER,
    )
    incident_threshold = StringField(
        _l("Suggest a mass incident at more than (technical alarms)"),
        validators=[_whole(_l("Enter a whole number of alarms."))],
        render_kw=_NUMBER,
    )
    incident_window_minutes = StringField(
        _l("within (minutes)"),
        validators=[_whole(_MINUTES)],
        description=_l("The start page suggests one incident for them all."),
        render_kw=_NUMBER,
    )


class DueFilterForm(Form):
    class Meta:
        csrf = False

    municipality_id = SelectField(
        _l("Municipality"), coerce=int_or_none, choices=[], validators=[Optional()]
    )
    unit_id = SelectField(
        _l("Home-care unit"), coerce=int_or_none, choices=[], validators=[Optional()]
    )
    technician_id = SelectField(
        _l("Technician with a planned test visit"),
        coerce=int_or_none,
        choices=[],
        validators=[Optional()],
    )
    overdue = BooleanField(_l("Only overdue"))


class FunctionTestForm(Form):
    result = RadioField(
        _l("Result"),
        choices=choices((k.value, v) for k, v in RESULT_LABELS.items()),
        validators=[DataRequired(_l("Choose whether the test passed or failed."))],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional()],
        description=_l(
            "What was tested, and what did not work. A failed test opens a ticket with this text."
        ),
        render_kw={"rows": 4},
    )
