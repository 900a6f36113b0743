"""Suppliers (and, built on them, agreements)."""

from vftops.agreements import api, views
from vftops.core.modules import Module

module = Module(name="agreements", pages=(views.bp,), api=api.blueprints)
