"""Products, serial-numbered devices, recipients, placements and technicians' visits."""

from flask_babel import lazy_gettext as _l

from vftops.core.modules import Group, Link, Module, StartPart
from vftops.equipment import api, bench, demo, queries, views
from vftops.equipment.audit_texts import TEXTS
from vftops.equipment.permissions import (
    EQUIPMENT_VIEW,
    PERMISSIONS,
    PLACEMENTS_MANAGE,
    RECIPIENTS_VIEW,
)

module = Module(
    name="equipment",
    permissions=PERMISSIONS,
    audit=TEXTS,
    demo=demo.load,
    bench=bench.PART,
    pages=(views.bp,),
    api=api.blueprints,
    groups=(Group("equipment", _l("Equipment"), order=20),),
    navigation=(
        Link(_l("My jobs today"), "equipment.my_day", PLACEMENTS_MANAGE, order=10),
        Link(_l("All devices"), "equipment.devices", EQUIPMENT_VIEW, "equipment", 10),
        Link(_l("Recipients"), "equipment.recipients", RECIPIENTS_VIEW, "equipment", 20),
        Link(_l("Products"), "equipment.products", EQUIPMENT_VIEW, "equipment", 30),
        Link(_l("Scan"), "equipment.scan", EQUIPMENT_VIEW, "equipment", 40),
    ),
    start=(
        StartPart("equipment/_start_find.html", queries.find_box, "top", 10),
        StartPart("equipment/_start_jobs.html", queries.jobs_today, "todo", 10),
    ),
)
