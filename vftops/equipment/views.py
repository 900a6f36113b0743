"""Pages for the equipment register and the technician's day."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("equipment", __name__)
