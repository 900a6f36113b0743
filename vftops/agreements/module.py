"""Supplier agreements: owners, prices, deadlines, service levels and their follow-up."""

from flask_babel import lazy_gettext as _l

import vftops.agreements.views_competitions
import vftops.agreements.views_deviations
import vftops.agreements.views_meetings  # noqa: F401  (their pages join views.bp)
from vftops.agreements import api, bench, demo, digest, queries, views
from vftops.agreements.audit_texts import TEXTS
from vftops.agreements.permissions import AGREEMENTS_VIEW, PERMISSIONS
from vftops.core.modules import DigestPart, Link, Module, PagePart, StartPart

module = Module(
    name="agreements",
    permissions=PERMISSIONS,
    audit=TEXTS,
    demo=demo.load,
    bench=bench.PART,
    pages=(views.bp,),
    api=api.blueprints,
    navigation=(Link(_l("Agreements"), "agreement.index", AGREEMENTS_VIEW, order=60),),
    start=(StartPart("agreements/_start_deadlines.html", queries.my_deadlines, "todo", 60),),
    digest=(
        DigestPart(
            digest.collect,
            "agreements/email/digest_part",
            subject=digest.subject,
            before=digest.end_run_out,
            order=50,
        ),
    ),
    # Stock's idle cost takes the rent of the agreement's price line in force.
    hooks={"stock.monthly_rents": queries.monthly_rents},
    page_parts={
        "suppliers.supplier": (
            PagePart("agreements/_supplier_agreements.html", queries.supplier_agreements, 10),
            PagePart("agreements/_supplier_overview.html", queries.supplier_overview, 20),
        ),
        "support.ticket": (PagePart("agreements/_ticket_levels.html", queries.ticket_levels),),
        "stock.order": (PagePart("agreements/_order_agreement.html", queries.order_agreement),),
    },
)
