"""Forms for the support pages: the queue's filters, reporting a ticket, working on one.

The servicedesk fills these in on a phone while someone is on the line, so the
ticket form asks only for what routing and priority need, and the devices are
typed or scanned by serial number. Select fields that name a team, a person or a
recipient do not check their choices themselves: the view loads the row through
the municipality scope and the operation says what is wrong with it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from vftops.core.forms import Form, VersionedForm, choices, int_or_none
from vftops.support.models import (
    CHANNEL_LABELS,
    IMPACT_LABELS,
    KIND_LABELS,
    REPORTER_LABELS,
    URGENCY_LABELS,
    Channel,
    EntryKind,
)

# The picture or PDF a phone sends: the camera is offered, the bytes decide.
FILE_ACCEPT = "image/jpeg,image/png,image/webp,image/heic,application/pdf"
SERIAL_ATTRS = {
    "rows": 2,
    "autocapitalize": "characters",
    "autocomplete": "off",
    "autocorrect": "off",
    "spellcheck": "false",
}


def _pairs(labels) -> list:
    return choices((key.value, label) for key, label in labels.items())


# Channels a person registers by hand; alarms and the API arrive by themselves.
WEB_CHANNELS = {
    key: label for key, label in CHANNEL_LABELS.items() if key not in (Channel.API, Channel.ALARM)
}


class QueueFilterForm(Form):
    """The queue's filters, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        validators=[Optional(), Length(max=200)],
        render_kw={"placeholder": _l("Title or #number"), "autocomplete": "off"},
    )
    status = SelectField(_l("Status"), choices=[], validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=[], validators=[Optional()])
    priority = SelectField(_l("Priority"), coerce=int_or_none, choices=[], validators=[Optional()])
    team_id = SelectField(_l("Team"), coerce=int_or_none, choices=[], validators=[Optional()])
    municipality_id = SelectField(
        _l("Municipality"), coerce=int_or_none, choices=[], validators=[Optional()]
    )
    sort = SelectField(_l("Sort by"), choices=[], validators=[Optional()])


class TicketForm(Form):
    """Report a fault or a question, by web form or for someone on the phone."""

    municipality_id = SelectField(
        _l("Municipality"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        description=_l("Leave it to the device when a serial number is given."),
    )
    title = StringField(
        _l("What is wrong?"),
        validators=[DataRequired(_l("Write a short title: what is wrong?")), Length(max=200)],
        render_kw={"placeholder": _l("E.g. «Safety alarm does not answer»")},
    )
    kind = SelectField(
        _l("Kind"), choices=_pairs(KIND_LABELS), validate_choice=False, default="equipment_fault"
    )
    category = StringField(
        _l("Category"),
        validators=[Optional(), Length(max=60)],
        description=_l("Optional, e.g. «Battery» or «Connection». Routing rules may use it."),
        render_kw={"list": "category-options", "autocomplete": "off"},
    )
    channel = SelectField(
        _l("Came in by"),
        choices=choices((k.value, v) for k, v in WEB_CHANNELS.items()),
        validate_choice=False,
        default=Channel.PHONE.value,
    )
    reporter_kind = SelectField(
        _l("Who reported it"),
        choices=_pairs(REPORTER_LABELS),
        validate_choice=False,
        default="employee",
    )
    reporter_name = StringField(_l("Reporter's name"), validators=[Optional(), Length(max=120)])
    reporter_contact = StringField(
        _l("Reporter's phone or e-mail"),
        validators=[Optional(), Length(max=254)],
        render_kw={"autocomplete": "off"},
    )
    serials = TextAreaField(
        _l("Devices (serial numbers)"),
        validators=[Optional(), Length(max=2000)],
        description=_l(
            "Scan or type the serial number on the label; several devices one per line. "
            "The recipient is found from the device."
        ),
        render_kw=SERIAL_ATTRS,
    )
    device_hint = HiddenField()
    recipient_id = SelectField(
        _l("Recipient"), coerce=int_or_none, choices=[], validate_choice=False
    )
    system_id = SelectField(
        _l("System"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        description=_l("The professional system it concerns, if any."),
    )
    urgency = SelectField(
        _l("Urgency"), choices=_pairs(URGENCY_LABELS), validate_choice=False, default="medium"
    )
    impact = SelectField(
        _l("Impact"), choices=_pairs(IMPACT_LABELS), validate_choice=False, default="medium"
    )
    description = TextAreaField(_l("Description"), validators=[Optional()], render_kw={"rows": 4})
    team_id = SelectField(
        _l("Send to team"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        description=_l("Leave empty to let the routing rules choose."),
    )
    file = FileField(
        _l("Photo or PDF"),
        description=_l("Optional. A photo of the device or the error message helps."),
        render_kw={"accept": FILE_ACCEPT},
    )


class TicketEditForm(VersionedForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Write a short title: what is wrong?")), Length(max=200)],
    )
    description = TextAreaField(_l("Description"), validators=[Optional()], render_kw={"rows": 5})
    category = StringField(
        _l("Category"),
        validators=[Optional(), Length(max=60)],
        render_kw={"list": "category-options", "autocomplete": "off"},
    )
    system_id = SelectField(_l("System"), coerce=int_or_none, choices=[], validate_choice=False)
    urgency = SelectField(_l("Urgency"), choices=_pairs(URGENCY_LABELS), validate_choice=False)
    impact = SelectField(_l("Impact"), choices=_pairs(IMPACT_LABELS), validate_choice=False)


class AssignForm(VersionedForm):
    team_id = SelectField(_l("Team"), coerce=int_or_none, choices=[], validate_choice=False)
    assignee_id = SelectField(_l("Owner"), coerce=int_or_none, choices=[], validate_choice=False)


class StatusForm(VersionedForm):
    status = SelectField(
        _l("New status"),
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("Choose the new status."))],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional()],
        description=_l("Required when resolving: what was done?"),
        render_kw={"rows": 2},
    )


ENTRY_KINDS = {
    EntryKind.NOTE.value: _l("Internal note (only staff see it)"),
    EntryKind.REPLY.value: _l("Reply told the reporter"),
}


class EntryForm(Form):
    kind = RadioField(
        _l("Kind of entry"),
        choices=choices(ENTRY_KINDS.items()),
        default=EntryKind.NOTE.value,
        validate_choice=False,
    )
    body = TextAreaField(
        _l("Text"),
        validators=[DataRequired(_l("Write something first."))],
        render_kw={"rows": 3},
    )


class AttachForm(Form):
    file = FileField(_l("Photo or PDF"), render_kw={"accept": FILE_ACCEPT})
