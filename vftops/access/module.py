"""Access control: systems, their roles, grants, orders and access reviews."""

from flask_babel import lazy_gettext as _l

import vftops.access.views_orders
import vftops.access.views_reconcile
import vftops.access.views_reviews  # noqa: F401  (their pages join views.bp)
from vftops.access import api, bench, demo, digest, queries, views
from vftops.access.audit_texts import TEXTS
from vftops.access.permissions import ACCESS_ORDER, ACCESS_REVIEW, ACCESS_VIEW, PERMISSIONS
from vftops.core.modules import DigestPart, Group, Link, Module, StartPart

module = Module(
    name="access",
    permissions=PERMISSIONS,
    audit=TEXTS,
    demo=demo.load,
    bench=bench.PART,
    pages=(views.bp,),  # with the order and review pages on it
    api=api.blueprints,
    start=(
        StartPart("access/_start_my_reviews.html", queries.my_open_reviews, "todo", 15),
        StartPart("access/_start_reviews_due.html", queries.reviews_due, "todo", 70),
    ),
    digest=(
        DigestPart(
            digest.collect,
            "access/email/digest_part",
            subject=digest.subject,
            before=digest.escalate,
            order=40,
        ),
    ),
    groups=(Group("access", _l("Access"), order=50),),
    navigation=(
        Link(_l("Systems and access"), "access.systems", ACCESS_VIEW, "access", order=10),
        Link(_l("Access orders"), "access.orders", ACCESS_ORDER, "access", order=20),
        Link(_l("Access reviews"), "access.reviews", ACCESS_REVIEW, "access", order=30),
    ),
)
