"""Municipalities, shared services and their organisational units."""

from flask_babel import lazy_gettext as _l

from vftops.core.modules import Link, Module, StartPart
from vftops.org import api, bench, demo, queries, views
from vftops.org.audit_texts import TEXTS
from vftops.org.permissions import ORG_VIEW, PERMISSIONS

module = Module(
    name="org",
    permissions=PERMISSIONS,
    audit=TEXTS,
    demo=demo.load,
    bench=bench.PART,
    pages=(views.bp,),
    api=api.blueprints,
    navigation=(Link(_l("Municipalities"), "org.municipalities", ORG_VIEW, "admin", 10),),
    start=(
        StartPart("org/_start_no_municipality.html", queries.without_municipality, "todo", 20),
        StartPart("org/_start_municipalities.html", queries.my_municipalities, "bottom", 10),
    ),
)
