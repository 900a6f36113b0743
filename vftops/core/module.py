"""The core module: the start page, the health check, the language choice and the API
documentation; the Administration menu that other modules put their pages in."""

from flask_babel import lazy_gettext as _l

from vftops.core import bench, views
from vftops.core.modules import Group, Link, Module

module = Module(
    name="core",
    pages=(views.bp,),
    bench=bench.PART,
    groups=(Group("admin", _l("Administration"), order=90),),
    navigation=(Link(_l("Start"), "core.index", None, order=0),),
)
