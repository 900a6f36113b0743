"""Forms for purchase orders, transfers and stock counts.

Technicians fill these in on a phone with a barcode scanner that types one
serial per line, so the scan fields are text areas and every action is a
large button. Select fields that name a store or supplier do not check their
choices themselves: the view loads the row through the scope (another
municipality's id answers 404) and the operation explains what is wrong with
it (an archived store, an inactive supplier).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as RowForm
from wtforms.validators import DataRequired, Length, Optional

from vftops.core.forms import Form, MultiCheckboxField, VersionedForm, int_or_none

SCAN_ATTRS = {
    "rows": 10,
    "autocapitalize": "characters",
    "autocomplete": "off",
    "autocorrect": "off",
    "spellcheck": "false",
}


# --- purchase orders ------------------------------------------------------------------


class OrderLineForm(RowForm):
    """One row of an order: a product, how many and (optionally) the price of one."""

    product_id = SelectField(_l("Product"), coerce=int_or_none, choices=[], validate_choice=False)
    quantity = StringField(_l("Quantity"), validators=[Optional(), Length(max=10)])
    unit_price = StringField(_l("Unit price (NOK)"), validators=[Optional(), Length(max=20)])


class OrderForm(VersionedForm):
    store_id = SelectField(
        _l("Deliver to store"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("Choose a store."))],
    )
    supplier_id = SelectField(
        _l("Supplier"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("Choose a supplier."))],
    )
    expected_on = DateField(
        _l("Expected delivery"),
        validators=[Optional()],
        description=_l("Leave blank to use today plus the supplier's lead time."),
    )
    agreement_ref = StringField(
        _l("Agreement"),
        validators=[Optional(), Length(max=60)],
        description=_l("The agreement the order is a call-off on, e.g. its reference."),
    )
    note = TextAreaField(_l("Note"), validators=[Optional()], render_kw={"rows": 2})
    lines = FieldList(FormField(OrderLineForm), min_entries=1, max_entries=100)


class OrderFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[], validators=[Optional()])
    store_id = SelectField(_l("Store"), coerce=int_or_none, choices=[], validators=[Optional()])
    overdue = BooleanField(_l("Only overdue"))


class OrderCancelForm(VersionedForm):
    reason = TextAreaField(
        _l("Why is the order cancelled?"), validators=[Optional()], render_kw={"rows": 2}
    )


class ReceiveLineForm(RowForm):
    """What arrived on one order line: scanned serials, or a quantity of a consumable."""

    line_id = HiddenField()
    received = TextAreaField(_l("Received"), validators=[Optional()])


class OrderReceiveForm(VersionedForm):
    lines = FieldList(FormField(ReceiveLineForm))
    reason = TextAreaField(
        _l("Reason or delivery note"),
        validators=[Optional(), Length(max=500)],
        description=_l("Required when more than ordered is received."),
        render_kw={"rows": 2},
    )
    shared_serial_ok = BooleanField(
        _l("Another manufacturer uses the same number"),
        description=_l(
            "Tick only when a serial is refused as registered for another product and "
            "both really carry it."
        ),
    )


# --- transfers ------------------------------------------------------------------------


class TransferQuantityForm(RowForm):
    product_id = HiddenField()
    quantity = StringField(_l("Quantity"), validators=[Optional(), Length(max=10)])


class TransferForm(Form):
    from_store_id = HiddenField()
    to_store_id = SelectField(
        _l("To store"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("Choose the store to send to."))],
    )
    serials = TextAreaField(
        _l("Devices (serial numbers)"),
        validators=[Optional()],
        description=_l("Scan one device after another: one serial number per line."),
        render_kw=SCAN_ATTRS,
    )
    quantities = FieldList(FormField(TransferQuantityForm))
    note = TextAreaField(_l("Note"), validators=[Optional()], render_kw={"rows": 2})


class TransferFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[], validators=[Optional()])
    store_id = SelectField(_l("Store"), coerce=int_or_none, choices=[], validators=[Optional()])


# --- stock counts ---------------------------------------------------------------------


class CountScanForm(Form):
    serials = TextAreaField(
        _l("Scan serial numbers"),
        validators=[DataRequired(_l("Scan or paste at least one serial number."))],
        description=_l(
            "One per line. Scanning a device twice does no harm; send as often as you like."
        ),
        render_kw=SCAN_ATTRS,
    )


class CountQuantityLineForm(RowForm):
    product_id = HiddenField()
    counted = StringField(_l("Number counted"), validators=[Optional(), Length(max=10)])


class CountQuantityForm(Form):
    lines = FieldList(FormField(CountQuantityLineForm))
    extra_product_id = SelectField(
        _l("Another consumable"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,
        validators=[Optional()],
    )
    extra_counted = StringField(_l("Number counted"), validators=[Optional(), Length(max=10)])


class CountConfirmForm(VersionedForm):
    lost_device_ids = MultiCheckboxField(
        _l("Mark as lost"), coerce=int, choices=[], validate_choice=False
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[Optional(), Length(max=500)],
        description=_l("Written on every change the count makes, e.g. «Årlig varetelling»."),
        render_kw={"rows": 2},
    )
