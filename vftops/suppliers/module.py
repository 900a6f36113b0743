"""Suppliers: the companies that deliver, lease, repair and run welfare technology."""

from vftops.core.modules import Module
from vftops.suppliers import api, bench, views
from vftops.suppliers.audit_texts import TEXTS
from vftops.suppliers.permissions import PERMISSIONS

module = Module(
    name="suppliers",
    permissions=PERMISSIONS,
    audit=TEXTS,
    bench=bench.PART,
    pages=(views.bp,),
    api=api.blueprints,
)
