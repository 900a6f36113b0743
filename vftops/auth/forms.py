"""Forms for login, own account, API tokens and user administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional
from wtforms.validators import Email as EmailValidator

from vftops.core.forms import Form, MultiCheckboxField, VersionedForm, choices

LOCALE_CHOICES = choices([("nb", "Norsk bokmål"), ("en", "English")])


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter your username."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password."))],
        description=_l("At least 12 characters. A sentence of a few words is easy to remember."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the new password.")),
            EqualTo("new_password", _l("The two passwords are not the same.")),
        ],
    )


class ProfileForm(Form):
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter your full name.")), Length(max=120)]
    )
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), EmailValidator(_l("Not a valid e-mail address.")), Length(max=254)],
    )
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)


class TokenForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=80)],
        description=_l("What the token is for, e.g. “Alarm centre integration”."),
    )
    days = IntegerField(
        _l("Valid for (days)"),
        default=90,
        validators=[
            DataRequired(_l("Enter a number of days.")),
            NumberRange(1, 365, _l("Between 1 and 365 days.")),
        ],
    )


class UserForm(VersionedForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(_l("Enter a username.")), Length(max=64)],
        description=_l("Lower-case letters, digits, dot, hyphen or underscore."),
    )
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter the full name.")), Length(max=120)]
    )
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), EmailValidator(_l("Not a valid e-mail address.")), Length(max=254)],
    )
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)
    roles = MultiCheckboxField(_l("Roles"), choices=[])
    municipality_ids = MultiCheckboxField(_l("Municipalities"), coerce=int, choices=[])
    unit_ids = MultiCheckboxField(_l("Units"), coerce=int, choices=[])
    password = PasswordField(
        _l("Initial password"),
        description=_l("At least 12 characters. Give it to the person in a safe way."),
    )


class ResetPasswordForm(Form):
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Enter a new password."))]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the new password.")),
            EqualTo("new_password", _l("The two passwords are not the same.")),
        ],
    )


class UserFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional()])
    role = SelectField(_l("Role"), choices=[], validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=choices(
            [("active", _l("Active")), ("inactive", _l("Deactivated")), ("all", _l("All"))]
        ),
        default="active",
        validators=[Optional()],
    )
