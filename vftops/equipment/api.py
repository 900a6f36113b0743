"""JSON API for the equipment register: products, suppliers, stores, devices,
recipients, placements and movements."""

from __future__ import annotations

blueprints: tuple = ()
