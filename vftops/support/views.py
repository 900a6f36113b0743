"""Support pages: the queues, a ticket, reporting a ticket."""

from __future__ import annotations

from flask import Blueprint, render_template

from vftops.core.permissions import Permission, require

bp = Blueprint("support", __name__, url_prefix="/support")


@bp.get("")
@require(Permission.TICKETS_VIEW)
def queue():
    return render_template("support/queue.html")


# Route modules register on `bp` when imported.
from vftops.support import (  # noqa: E402, F401
    views_actions,
    views_admin,
    views_reports,
    views_tests,
)
