"""Form pieces shared by every domain."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import (
    FieldList,
    FileField,
    FormField,
    HiddenField,
    SelectChoice,
    SelectMultipleField,
    ValidationError,
    widgets,
)

from vftops.core.inputs import fits, number_problem, refused_text


def int_or_none(value):
    """A select's id, or None for an empty or malformed value (the field's own check then
    names what is missing)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _too_large(data) -> bool:
    """A whole number (an IntegerField, or a choice coerced to an id) the database cannot hold."""
    values = data if isinstance(data, list | tuple) else [data]
    return any(isinstance(v, int) and not isinstance(v, bool) and not fits(v) for v in values)


def _leaf_fields(fields):
    for field in fields:
        if isinstance(field, FormField):
            yield from _leaf_fields(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                yield from _leaf_fields([entry])
        else:
            yield field


class Form(FlaskForm):
    """Every page form. A field whose text the databases cannot store alike (NUL, other
    control characters) is shown in error, with the rest of what was typed; the
    request check found it (`vftops.core.inputs`) and keeps the request from saving.
    So is a whole number beyond what the database holds."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            """What was posted, as a page form reads it: an uploaded file only reaches
            a file field (a file sent under a text field's name is not its text), and
            a JSON body is not a page form at all."""
            explicit = formdata is None or isinstance(formdata, MultiDict)
            data = super().wrap_formdata(form, formdata)
            if explicit or data is None:
                return data
            if request.is_json and not request.form:
                return None
            if isinstance(data, CombinedMultiDict):
                wanted = {f.name for f in form if isinstance(f, FileField)}
                files = MultiDict(
                    (key, upload)
                    for key, upload in request.files.items(multi=True)
                    if key in wanted
                )
                return CombinedMultiDict((files, request.form))
            return data

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        refused = refused_text()
        for field in _leaf_fields(self):
            problem = refused.get(field.name)
            if problem is None and _too_large(field.data):
                problem = number_problem()
            if problem is not None:
                field.errors = [str(problem), *list(field.errors)]
                valid = False
        return valid


class ConfirmForm(Form):
    """A button-only form: carries the CSRF token for a POST action."""


class VersionedForm(Form):
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
