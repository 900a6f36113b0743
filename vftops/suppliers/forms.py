"""The supplier and contact forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from vftops.core.forms import VersionedForm, choices
from vftops.suppliers.models import CONTACT_ROLE_LABELS


class SupplierForm(VersionedForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the supplier's name."))])
    org_number = StringField(_l("Organisation number"), validators=[Optional(), Length(max=11)])
    support_phone = StringField(_l("Support phone"), validators=[Optional(), Length(max=30)])
    support_email = StringField(_l("Support e-mail"), validators=[Optional(), Length(max=254)])
    order_email = StringField(
        _l("Order e-mail"),
        validators=[Optional(), Length(max=254)],
        description=_l(
            "Purchase orders are e-mailed here. Without it, an order is printed and marked as sent."
        ),
    )
    support_hours = StringField(
        _l("Support opening hours"),
        validators=[Optional(), Length(max=120)],
        description=_l("E.g. weekdays 08–16. Shown on the «who to contact» page."),
    )
    out_of_hours_note = StringField(
        _l("Outside opening hours"),
        validators=[Optional(), Length(max=200)],
        description=_l("E.g. on-call phone, or the extra cost of calling outside the hours."),
    )
    lead_time_days = StringField(
        _l("Lead time (days)"),
        validators=[Optional(), Length(max=10)],
        description=_l("Days from order to delivery: used for suggested stock minimums."),
        render_kw={"inputmode": "numeric"},
    )
    street_address = StringField(
        _l("Street address"),
        validators=[Optional(), Length(max=200)],
        render_kw={"autocomplete": "street-address"},
    )
    postcode = StringField(
        _l("Postcode"),
        validators=[Optional(), Length(max=4)],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code"},
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=80)])
    notes = TextAreaField(_l("Notes"), validators=[Optional()])


class ContactForm(VersionedForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the contact's name."))])
    role = SelectField(
        _l("Contact about"), choices=choices((k.value, v) for k, v in CONTACT_ROLE_LABELS.items())
    )
    email = StringField(
        _l("E-mail"), validators=[Optional(), Length(max=254)], render_kw={"type": "email"}
    )
    phone = StringField(
        _l("Phone"), validators=[Optional(), Length(max=30)], render_kw={"type": "tel"}
    )
    note = StringField(
        _l("Note"),
        validators=[Optional(), Length(max=200)],
        description=_l("E.g. «only for orders above 100 000 kr» or «on leave in July»."),
    )
