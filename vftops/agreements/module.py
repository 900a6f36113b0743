"""Suppliers (and, built on them, agreements)."""

from vftops.agreements import api, bench, views
from vftops.agreements.audit_texts import TEXTS
from vftops.agreements.permissions import PERMISSIONS
from vftops.core.modules import Module

module = Module(
    name="agreements",
    permissions=PERMISSIONS,
    audit=TEXTS,
    bench=bench.PART,
    pages=(views.bp,),
    api=api.blueprints,
)
