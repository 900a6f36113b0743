"""Support tickets, queues and SLAs, incidents, function tests and the reports."""

from flask_babel import lazy_gettext as _l

from vftops.core.modules import Link, Module, PagePart, StartPart
from vftops.core.permissions import Permission as P
from vftops.support import api, digest, queries, views

module = Module(
    name="support",
    pages=(views.bp,),
    api=api.blueprints,
    navigation=(Link(_l("Support"), "support.queue", P.TICKETS_VIEW, order=30),),
    start=(StartPart("support/_start_tickets.html", views.start_tickets, "top", 20),),
    page_parts={
        "stock.notifications": (PagePart("support/_notifications.html", digest.alerts_for_reader),)
    },
    hooks={"stock.fault_tickets": queries.fault_tickets_by_store},
)
