"""Forms for stores, stock minimums and consumables. Large targets: used on phones in the store.

Quantities are text fields: the operations check them (a whole number, ≥ 0 or ≥ 1)
and name the field, so what was typed comes back beside the message.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from vftops.core.forms import Form, MultiCheckboxField, VersionedForm, choices, int_or_none
from vftops.equipment.models import StoreKind

STORE_KIND_LABELS = {
    StoreKind.CENTRAL: _l("Central store"),
    StoreKind.LOCAL: _l("Local store"),
    StoreKind.SUPPLIER: _l("Held by the supplier"),
}


_NUMBER = {"inputmode": "numeric", "autocomplete": "off"}


class StoreForm(VersionedForm):
    municipality_id = SelectField(_l("Municipality"), coerce=int_or_none, choices=[])
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the store's name.")), Length(max=120)]
    )
    kind = SelectField(
        _l("Kind of store"), choices=choices((k.value, v) for k, v in STORE_KIND_LABELS.items())
    )
    responsible_id = SelectField(
        _l("Responsible person"), coerce=int_or_none, choices=[], validators=[Optional()]
    )
    shared_with_ids = MultiCheckboxField(
        _l("Shared with"),
        coerce=int,
        choices=[],
        description=_l("Other municipalities that use this store."),
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    note = TextAreaField(_l("Note"), validators=[Optional()])
    is_active = BooleanField(
        _l("In use"),
        default=True,
        description=_l("Untick to archive the store. Only an empty store can be archived."),
    )


class MinimumForm(VersionedForm):
    product_id = SelectField(
        _l("Product"),
        coerce=int_or_none,
        choices=[],
        validators=[DataRequired(_l("Choose a product."))],
    )
    minimum = StringField(
        _l("Minimum"),
        description=_l("Below this number the store is short."),
        render_kw=_NUMBER,
    )
    reorder_target = StringField(
        _l("Order up to"),
        description=_l("Optional. An order from the shortfall board fills up to this number."),
        render_kw=_NUMBER,
    )


class ReceiveConsumablesForm(Form):
    product_id = SelectField(
        _l("Consumable"),
        coerce=int_or_none,
        choices=[],
        validators=[DataRequired(_l("Choose a consumable."))],
    )
    quantity = StringField(_l("Quantity received"), render_kw=_NUMBER)
    reason = StringField(
        _l("Reason or delivery reference"), validators=[Optional(), Length(max=200)]
    )


class IssueConsumablesForm(Form):
    product_id = SelectField(
        _l("Consumable"),
        coerce=int_or_none,
        choices=[],
        validators=[DataRequired(_l("Choose a consumable."))],
    )
    quantity = StringField(_l("Quantity taken out"), render_kw=_NUMBER)
    recipient_id = SelectField(
        _l("To a recipient"),
        coerce=int_or_none,
        choices=[],
        validate_choice=False,  # any the picker finds; the view scopes it
        validators=[Optional()],
    )
    issued_to_id = SelectField(
        _l("To a technician"), coerce=int_or_none, choices=[], validators=[Optional()]
    )
    reason = StringField(
        _l("Reason"),
        validators=[Optional(), Length(max=200)],
        description=_l("Needed when the consumables go to neither a recipient nor a technician."),
    )


class AdjustConsumablesForm(Form):
    product_id = SelectField(
        _l("Consumable"),
        coerce=int_or_none,
        choices=[],
        validators=[DataRequired(_l("Choose a consumable."))],
    )
    counted = StringField(
        _l("Counted on the shelf"),
        description=_l("The quantity is set to this number."),
        render_kw=_NUMBER,
    )
    reason = StringField(_l("Reason for the adjustment"), validators=[Optional(), Length(max=200)])
