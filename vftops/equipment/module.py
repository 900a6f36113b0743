"""Products, serial-numbered devices, recipients, placements and technicians' visits."""

from flask_babel import lazy_gettext as _l

from vftops.core.modules import Group, Link, Module, StartPart
from vftops.core.permissions import Permission as P
from vftops.equipment import api, queries, views

module = Module(
    name="equipment",
    pages=(views.bp,),
    api=api.blueprints,
    groups=(Group("equipment", _l("Equipment"), order=20),),
    navigation=(
        Link(_l("My jobs today"), "equipment.my_day", P.PLACEMENTS_MANAGE, order=10),
        Link(_l("All devices"), "equipment.devices", P.EQUIPMENT_VIEW, "equipment", 10),
        Link(_l("Recipients"), "equipment.recipients", P.RECIPIENTS_VIEW, "equipment", 20),
        Link(_l("Products"), "equipment.products", P.EQUIPMENT_VIEW, "equipment", 30),
        Link(_l("Scan"), "equipment.scan", P.EQUIPMENT_VIEW, "equipment", 40),
    ),
    start=(
        StartPart("equipment/_start_find.html", queries.find_box, "top", 10),
        StartPart("equipment/_start_jobs.html", queries.jobs_today, "todo", 10),
    ),
)
