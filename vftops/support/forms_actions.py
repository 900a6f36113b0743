"""Forms for acting on a ticket: escalate to the supplier, replace or repair a device,
plan a visit, gather tickets under an incident.

Technicians fill these in on a phone, often with a hand scanner that types the serial
number: the serial is a plain text field, not a long list to scroll. Select fields
that name a supplier, a technician, a placement or an incident do not check their
choices themselves: the view loads the row through the municipality scope (another
municipality's id answers 404) and the operation explains what is wrong with it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from vftops.core.forms import Form, MultiCheckboxField, choices, int_or_none
from vftops.equipment.forms import VISIT_KIND_LABELS
from vftops.equipment.labels import DESTINATION_LABELS

# A minute is as exact as anyone notes a supplier's call.
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"

SCAN_ATTRS = {
    "autocapitalize": "characters",
    "autocomplete": "off",
    "autocorrect": "off",
    "spellcheck": "false",
    "inputmode": "text",
}


class EscalateForm(Form):
    supplier_id = SelectField(
        _l("Supplier"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("Choose the supplier."))],
    )
    supplier_ref = StringField(
        _l("The supplier's case reference"),
        validators=[Optional(), Length(max=60)],
        description=_l("Their case number, so both sides can find the case again."),
    )
    note = TextAreaField(
        _l("What the supplier was told"),
        validators=[Optional(), Length(max=4000)],
        render_kw={"rows": 4},
    )


class SupplierResponseForm(Form):
    """When the supplier answered and fixed it, in Norwegian time as people say it."""

    answered_at = DateTimeLocalField(
        _l("The supplier answered"),
        format=LOCAL_MINUTE,
        validators=[Optional()],
        description=_l("Norwegian time."),
    )
    fixed_at = DateTimeLocalField(
        _l("The supplier fixed it"),
        format=LOCAL_MINUTE,
        validators=[Optional()],
        description=_l("Norwegian time."),
    )
    supplier_ref = StringField(
        _l("The supplier's case reference"), validators=[Optional(), Length(max=60)]
    )


REPLACE_DESTINATIONS = ("repair", "store", "scrap")


class ReplaceForm(Form):
    placement_id = SelectField(
        _l("Faulty device"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("Choose the device to replace."))],
    )
    serial = StringField(
        _l("Serial number of the replacement"),
        validators=[
            DataRequired(_l("Scan or type the serial number of the replacement.")),
            Length(max=200),
        ],
        description=_l("Scan the label, or type the serial number or IMEI."),
        render_kw=SCAN_ATTRS,
    )
    destination = SelectField(
        _l("The faulty device goes to"),
        choices=choices(
            [
                ("repair", DESTINATION_LABELS["repair"]),
                ("store", _l("A store, to be reset")),
                ("scrap", DESTINATION_LABELS["scrap"]),
            ]
        ),
    )
    store_id = SelectField(
        _l("Store"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        validators=[Optional()],
        description=_l("Where it goes, or where it comes back to from repair."),
    )
    note = TextAreaField(
        _l("What is wrong with it?"), validators=[Optional()], render_kw={"rows": 3}
    )


class RepairForm(Form):
    device_id = HiddenField(validators=[DataRequired(_l("Choose the device to repair."))])
    note = StringField(_l("What is wrong with it?"), validators=[Optional(), Length(max=500)])


class VisitForm(Form):
    assigned_to_id = SelectField(
        _l("Technician"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("Choose a technician."))],
    )
    planned_on = DateField(_l("Day"), validators=[DataRequired(_l("Choose a day."))])
    kind = SelectField(_l("What is to be done"), choices=choices(VISIT_KIND_LABELS.items()))
    device_id = SelectField(
        _l("Device"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        validators=[Optional()],
    )
    note = TextAreaField(
        _l("Note for the technician"),
        validators=[Optional()],
        description=_l("Without a note the technician sees the ticket's title."),
        render_kw={"rows": 3},
    )


class IncidentForm(Form):
    ticket_ids = MultiCheckboxField(
        _l("Tickets the incident covers"), coerce=int, choices=[], validate_choice=False
    )
    more = StringField(
        _l("Add tickets by number"),
        validators=[Optional(), Length(max=2000)],
        description=_l("E.g. 1041, 1043, 1050."),
        render_kw={"autocomplete": "off"},
    )
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Write a short title: what is wrong?")), Length(max=200)],
        description=_l("What has happened, e.g. «Mobile network down in Hegra»."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional()], render_kw={"rows": 4})


class LinkForm(Form):
    incident_id = SelectField(
        _l("Incident"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("Choose an incident."))],
    )
