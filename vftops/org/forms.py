"""Forms for municipalities and units."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from vftops.core.forms import VersionedForm, choices
from vftops.org.models import UnitKind

UNIT_KIND_LABELS = {
    UnitKind.VIRKSOMHET: _l("Service area (virksomhet)"),
    UnitKind.AVDELING: _l("Department"),
    UnitKind.SONE: _l("Zone"),
}


class MunicipalityForm(VersionedForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the municipality's name.")), Length(max=100)]
    )
    number = StringField(
        _l("Municipality number"),
        validators=[DataRequired(_l("Enter the municipality number.")), Length(max=4)],
        description=_l("Four digits from Statistics Norway, e.g. 5035 for Stjørdal."),
    )
    is_active = BooleanField(_l("Active"), default=True)


class UnitForm(VersionedForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the unit's name.")), Length(max=120)]
    )
    kind = SelectField(
        _l("Kind"), choices=choices((k.value, label) for k, label in UNIT_KIND_LABELS.items())
    )
    parent_id = SelectField(
        _l("Part of"), coerce=lambda v: int(v) if v else None, validators=[Optional()], choices=[]
    )
    is_active = BooleanField(_l("Active"), default=True)
