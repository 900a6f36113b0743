"""Suppliers (and, built on them, agreements). Its pages are still served by equipment."""

from vftops.core.modules import Module

module = Module(name="agreements")
