"""Form pieces shared by every domain."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectMultipleField, widgets


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


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]
