"""Stores, stock levels and minimums, purchase orders, transfers and counts."""

from flask_babel import lazy_gettext as _l

from vftops.core.modules import DigestPart, Link, Module
from vftops.stock import api, bench, demo, digest, views
from vftops.stock.audit_texts import TEXTS
from vftops.stock.permissions import PERMISSIONS, STOCK_VIEW

module = Module(
    name="stock",
    permissions=PERMISSIONS,
    audit=TEXTS,
    demo=demo.load,
    bench=bench.PART,
    hooks={"demo.stores": demo.create_demo_stores},
    pages=(views.bp,),
    api=api.blueprints,
    digest=(
        DigestPart(
            digest.collect,
            "stock/email/digest_part",
            subject=digest.subject,
            before=digest.retry_order_mails,
            order=10,
        ),
    ),
    navigation=(Link(_l("Stock"), "stock.shortfalls", STOCK_VIEW, order=40),),
)
