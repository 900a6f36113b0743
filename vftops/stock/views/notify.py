"""The in-app notification list: the same items as the daily digest."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user

from vftops.core import modules
from vftops.core.models import local_today
from vftops.core.permissions import require
from vftops.stock import digest, queries
from vftops.stock.permissions import STOCK_VIEW

from .common import bp


@bp.get("/notifications")
@require(STOCK_VIEW)
def notifications():
    """Mine: the stores I am responsible for (what my e-mail says); `?all=1`: all I see."""
    show_all = request.args.get("all") == "1"
    today = local_today()
    mine = queries.stores_in_charge(current_user)
    responsible_for = queries.stores_in_charge_count(current_user)
    ids = queries.store_ids_for(current_user) if show_all else mine
    found = digest.sections(queries.digests(ids, today=today), today)
    return render_template(
        "stock/notifications.html",
        sections=found,
        show_all=show_all,
        responsible_for=responsible_for,
        total=sum(s.count for s in found),
        # What other modules' parts of the daily digest hold for the reader (support).
        parts=modules.page_parts("stock.notifications", today, current_user),
        today=today,
        warn_days=current_app.config["STOCK_RESET_WARN_DAYS"],
    )
