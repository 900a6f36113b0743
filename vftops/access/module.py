"""Access control: systems, their roles, grants, orders and access reviews."""

from flask_babel import lazy_gettext as _l

from vftops.access import api, bench, demo, views_orders
from vftops.access.audit_texts import TEXTS
from vftops.access.permissions import ACCESS_ORDER, ACCESS_VIEW, PERMISSIONS
from vftops.core.modules import Link, Module

module = Module(
    name="access",
    permissions=PERMISSIONS,
    audit=TEXTS,
    demo=demo.load,
    bench=bench.PART,
    pages=(views_orders.bp,),  # views' blueprint, with the order pages on it
    api=api.blueprints,
    navigation=(
        Link(_l("Access"), "access.systems", ACCESS_VIEW, order=50),
        Link(_l("Access orders"), "access.orders", ACCESS_ORDER, order=51),
    ),
)
