"""Stores, stock levels and minimums, purchase orders, transfers and counts."""

from flask_babel import lazy_gettext as _l

from vftops.core.modules import Link, Module
from vftops.core.permissions import Permission as P
from vftops.stock import api, views

module = Module(
    name="stock",
    pages=(views.bp,),
    api=api.blueprints,
    navigation=(Link(_l("Stock"), "stock.shortfalls", P.STOCK_VIEW, order=40),),
)
