"""Forms for the equipment register. Large targets: they are used on phones at the door."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation

from vftops.core import tabular
from vftops.core.forms import Form, MultiCheckboxField, VersionedForm, choices, int_or_none
from vftops.equipment.labels import (
    CATEGORY_LABELS,
    DESTINATION_LABELS,
    OWNERSHIP_LABELS,
    RETURN_REASON_LABELS,
)


class ProductForm(VersionedForm):
    category = SelectField(
        _l("Category"), choices=choices((k.value, v) for k, v in CATEGORY_LABELS.items())
    )
    manufacturer = StringField(
        _l("Manufacturer"), validators=[DataRequired(_l("Enter the manufacturer.")), Length(max=80)]
    )
    model = StringField(
        _l("Model"), validators=[DataRequired(_l("Enter the model.")), Length(max=80)]
    )
    is_serialised = BooleanField(_l("Tracked by serial number"), default=True)
    stores_personal_data = BooleanField(_l("Stores personal data that must be wiped on return"))
    standard_configuration = TextAreaField(_l("Standard configuration"), validators=[Optional()])
    lifetime_months = IntegerField(
        _l("Expected lifetime (months)"),
        validators=[Optional(), NumberRange(1, 600, _l("Between 1 and 600 months."))],
    )
    return_checklist = TextAreaField(
        _l("Extra items on the return checklist"),
        validators=[Optional()],
        description=_l("One per line, in addition to retrieved, reset, cleaned and inspected."),
    )
    supplier_id = SelectField(
        _l("Supplier"), coerce=int_or_none, choices=[], validators=[Optional()]
    )
    monthly_rent = StringField(
        _l("Monthly rent (NOK)"),
        validators=[Optional(), Length(max=20)],
        description=_l("What one leased device costs a month: shows what idle stock costs."),
        render_kw={"inputmode": "decimal"},
    )
    test_interval_months = StringField(
        _l("Function test every … months"),
        validators=[Optional(), Length(max=10)],
        description=_l(
            "Periodic function test of installed devices, e.g. 6 for safety alarms. "
            "Empty: not tested periodically."
        ),
        render_kw={"inputmode": "numeric"},
    )
    is_active = BooleanField(_l("In use"), default=True)


class DeviceForm(VersionedForm):
    product_id = SelectField(
        _l("Product"),
        coerce=int_or_none,
        choices=[],
        validators=[DataRequired(_l("Choose the product."))],
    )
    store_id = SelectField(
        _l("Store"),
        coerce=int_or_none,
        choices=[],
        validators=[DataRequired(_l("Choose the store."))],
    )
    serial_number = StringField(
        _l("Serial number"),
        validators=[DataRequired(_l("Enter the serial number.")), Length(max=80)],
    )
    imei = StringField(_l("IMEI"), validators=[Optional(), Length(max=20)])
    iccid = StringField(_l("SIM card number (ICCID)"), validators=[Optional(), Length(max=30)])
    phone_number = StringField(_l("Phone number"), validators=[Optional(), Length(max=20)])
    mac_address = StringField(_l("MAC address"), validators=[Optional(), Length(max=20)])
    firmware_version = StringField(_l("Firmware version"), validators=[Optional(), Length(max=40)])
    ownership = SelectField(
        _l("Ownership"), choices=choices((k.value, v) for k, v in OWNERSHIP_LABELS.items())
    )
    acquired_on = DateField(_l("Acquired"), validators=[Optional()])
    cost = StringField(_l("Cost (NOK)"), validators=[Optional(), Length(max=20)])
    warranty_until = DateField(_l("Warranty until"), validators=[Optional()])
    shared_serial_ok = BooleanField(
        _l("Another manufacturer uses the same number"),
        description=_l(
            "Tick only when a serial is refused as registered for another product and "
            "both really carry it."
        ),
    )


class ReceiveForm(VersionedForm):
    product_id = SelectField(
        _l("Product"),
        coerce=int_or_none,
        choices=[],
        validators=[DataRequired(_l("Choose the product."))],
    )
    store_id = SelectField(
        _l("Store"),
        coerce=int_or_none,
        choices=[],
        validators=[DataRequired(_l("Choose the store."))],
    )
    serials = TextAreaField(
        _l("Serial numbers"),
        validators=[DataRequired(_l("Scan or paste at least one serial number."))],
        description=_l(
            "One per line. Scan them one after another, or paste from the delivery note."
        ),
        render_kw={"rows": 10, "autocapitalize": "characters", "spellcheck": "false"},
    )
    reason = StringField(_l("Delivery reference"), validators=[Optional(), Length(max=200)])
    shared_serial_ok = BooleanField(
        _l("Another manufacturer uses the same number"),
        description=_l(
            "Tick only when a serial is refused as registered for another product and "
            "both really carry it."
        ),
    )


class RecipientForm(VersionedForm):
    municipality_id = SelectField(_l("Municipality"), coerce=int_or_none, choices=[])
    unit_id = SelectField(
        _l("Home-care unit"), coerce=int_or_none, choices=[], validators=[Optional()]
    )
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the recipient's name.")), Length(max=120)]
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    postal_code = StringField(_l("Postal code"), validators=[Optional(), Length(max=4)])
    city = StringField(_l("Town"), validators=[Optional(), Length(max=80)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    access_note = TextAreaField(
        _l("Access note"),
        validators=[Optional()],
        description=_l(
            "Key box, door, pets: what the installer needs at the door. Nothing medical."
        ),
    )
    journal_ref = StringField(
        _l("Journal reference (EPJ)"), validators=[Optional(), Length(max=40)]
    )
    decision_ref = StringField(
        _l("Service decision reference"), validators=[Optional(), Length(max=40)]
    )
    next_evaluation_on = DateField(_l("Next evaluation"), validators=[Optional()])
    is_critical = BooleanField(
        _l("Critical recipient"),
        description=_l("Needs manual follow-up when systems are down."),
    )
    service_ended_on = DateField(_l("Service ended on"), validators=[Optional()])
    relatives = TextAreaField(
        _l("Relatives"),
        validators=[Optional()],
        description=_l(
            "One per line: name; phone; relation; yes if they respond to alarms. "
            "E.g. Ola Nordmann; 91234567; sønn; ja"
        ),
    )


class InstallForm(VersionedForm):
    # Any recipient the picker finds, not only those in the page: the view scopes it.
    recipient_id = SelectField(
        _l("Recipient"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("Choose who gets the device."))],
    )
    config_note = TextAreaField(
        _l("Deviations from the standard configuration"), validators=[Optional()]
    )
    config_settings = TextAreaField(
        _l("Settings"),
        validators=[Optional()],
        description=_l("One per line as name = value, e.g. wake-up time = 06:30."),
    )
    training_note = TextAreaField(_l("Training given"), validators=[Optional()])
    follow_up_on = DateField(_l("Follow-up date"), validators=[Optional()])
    confirmed = BooleanField(_l("I have checked: install anyway"))
    visit_id = HiddenField()  # the job on «My jobs today» this install is done from


class ReturnForm(VersionedForm):
    reason = SelectField(
        _l("Why is it taken back?"),
        choices=choices((k.value, v) for k, v in RETURN_REASON_LABELS.items()),
    )
    destination = SelectField(_l("Where does it go?"), choices=choices(DESTINATION_LABELS.items()))
    store_id = SelectField(_l("Store"), coerce=int_or_none, choices=[], validators=[Optional()])
    checklist = MultiCheckboxField(_l("Checklist"), choices=[])
    note = TextAreaField(_l("Note"), validators=[Optional()])
    visit_id = HiddenField()  # the job on «My jobs today» this is done from


class ReplaceForm(VersionedForm):
    replacement_id = SelectField(
        _l("Replacement device"),
        coerce=int_or_none,
        choices=[],
        validators=[DataRequired(_l("Choose the device that takes its place."))],
    )
    destination = SelectField(
        _l("The faulty device goes to"),
        choices=choices(
            [("repair", DESTINATION_LABELS["repair"]), ("store", _l("A store, to be reset"))]
        ),
    )
    store_id = SelectField(_l("Store"), coerce=int_or_none, choices=[], validators=[Optional()])
    note = TextAreaField(_l("What is wrong with it?"), validators=[Optional()])
    visit_id = HiddenField()  # the job on «My jobs today» this is done from


class StatusForm(VersionedForm):
    to_status = SelectField(_l("New status"), choices=[])
    store_id = SelectField(_l("Store"), coerce=int_or_none, choices=[], validators=[Optional()])
    checklist = MultiCheckboxField(_l("Checklist"), choices=[])
    reason = TextAreaField(_l("Why?"), validators=[Optional()])


class DeviceFilterForm(VersionedForm):
    class Meta:
        csrf = False

    q = StringField(_l("Serial, IMEI or phone"), validators=[Optional()])
    product_id = SelectField(_l("Product"), coerce=int_or_none, choices=[], validators=[Optional()])
    status = SelectField(_l("Status"), choices=[], validators=[Optional()])
    store_id = SelectField(_l("Store"), coerce=int_or_none, choices=[], validators=[Optional()])


def _spreadsheet_content(form, field):
    """The bytes must be what the name says: UTF-8 text for .csv, an OOXML workbook for .xlsx."""
    if field.errors or not field.data:
        return
    data = field.data.read()
    field.data.seek(0)
    problem = tabular.content_error(field.data.filename, data)
    if problem is not None:
        raise StopValidation(str(problem))


class ImportForm(Form):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Choose a file to import.")),
            FileAllowed(["csv", "xlsx"], _l("Choose a .csv or .xlsx file.")),
            FileSize(
                tabular.MAX_UPLOAD_BYTES,
                message=_l("The file is larger than 5 MB. Split it into smaller files."),
            ),
            _spreadsheet_content,
        ],
        description=_l(
            "One device per row under a header row. Columns: serial number, product "
            "(manufacturer and model, as in the catalogue) and store; optionally municipality, "
            "IMEI, ICCID, phone number, MAC address, firmware version, ownership, acquired, "
            "cost and warranty until. The columns of an export are understood as they are."
        ),
        render_kw={"accept": ".csv,.xlsx"},
    )
    shared_serial_ok = BooleanField(
        _l("Another manufacturer uses the same number"),
        description=_l(
            "Tick only when a serial is refused as registered for another product and "
            "both really carry it."
        ),
    )


class ImportCommitForm(Form):
    """«Register all»: names the upload the preview was made from, never its content."""

    import_token = HiddenField(validators=[DataRequired()])


VISIT_KIND_LABELS = {
    "install": _l("Install"),
    "return": _l("Take back"),
    "replace": _l("Replace"),
    "test": _l("Function test / follow-up"),
}


class VisitForm(VersionedForm):
    kind = SelectField(_l("What is to be done"), choices=choices(VISIT_KIND_LABELS.items()))
    assigned_to_id = SelectField(_l("Technician"), coerce=int_or_none, choices=[])
    planned_on = DateField(_l("Day"), validators=[DataRequired(_l("Choose a day."))])
    device_id = SelectField(
        _l("Device to install"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,  # any device in stock the picker finds; the view scopes it
        validators=[Optional()],
    )
    placement_id = SelectField(
        _l("Installed device"), coerce=int_or_none, choices=[], validators=[Optional()]
    )
    note = TextAreaField(_l("Note for the technician"), validators=[Optional()])
