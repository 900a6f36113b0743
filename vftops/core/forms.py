"""Form pieces shared by every domain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectMultipleField, ValidationError, widgets


class ConfirmForm(FlaskForm):
    """A button-only form: carries the CSRF token for a POST action."""


class VersionedForm(FlaskForm):
    """Edit forms carry the row version they were opened on (optimistic locking)."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # WTForms' own message for this is not translated into Bokmål.
        if not self.validate_choice:
            return
        offered = {c[0] for c in self.iter_choices()}
        if any(value not in offered for value in self.data or []):
            raise ValidationError(_l("Tick only what the list offers."))


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]
