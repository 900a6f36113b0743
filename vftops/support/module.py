"""Support tickets, queues and SLAs, incidents, function tests and the reports."""

from flask_babel import lazy_gettext as _l

from vftops.core.modules import DigestPart, Link, Module, PagePart, StartPart
from vftops.support import api, bench, demo, digest, queries, views
from vftops.support.audit_texts import TEXTS
from vftops.support.permissions import PERMISSIONS, TICKETS_VIEW

module = Module(
    name="support",
    permissions=PERMISSIONS,
    audit=TEXTS,
    demo=demo.load,
    bench=bench.PART,
    pages=(views.bp,),
    api=api.blueprints,
    navigation=(Link(_l("Support"), "support.queue", TICKETS_VIEW, order=30),),
    start=(StartPart("support/_start_tickets.html", views.start_tickets, "top", 20),),
    page_parts={
        "stock.notifications": (PagePart("support/_notifications.html", digest.alerts_for_reader),)
    },
    digest=(
        DigestPart(
            digest.collect_everyone,
            "support/email/digest_part",
            before=digest.sweep_first,
            order=20,
        ),
    ),
    hooks={"stock.fault_tickets": queries.fault_tickets_by_store},
)
