"""Access control: systems, their roles, grants, orders and access reviews."""

from flask_babel import lazy_gettext as _l

from vftops.access import api, bench, demo, views, views_orders, views_reviews  # noqa: F401  (pages on views.bp)
from vftops.access.audit_texts import TEXTS
from vftops.access.permissions import ACCESS_ORDER, ACCESS_REVIEW, ACCESS_VIEW, PERMISSIONS
from vftops.core.modules import Link, Module

module = Module(
    name="access",
    permissions=PERMISSIONS,
    audit=TEXTS,
    demo=demo.load,
    bench=bench.PART,
    pages=(views.bp,),  # with the order and review pages on it
    api=api.blueprints,
    navigation=(
        Link(_l("Access"), "access.systems", ACCESS_VIEW, order=50),
        Link(_l("Access orders"), "access.orders", ACCESS_ORDER, order=51),
        Link(_l("Access review"), "access.reviews", ACCESS_REVIEW, order=52),
    ),
)
