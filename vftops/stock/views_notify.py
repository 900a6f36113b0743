"""The in-app notification list: the same items as the daily digest."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from vftops.core.models import local_today, utcnow
from vftops.core.permissions import Permission, require
from vftops.core.scope import municipality_ids
from vftops.extensions import db
from vftops.stock import notify, queries
from vftops.stock.models import Store
from vftops.stock.views import bp
from vftops.support import digest


@bp.get("/notifications")
@require(Permission.STOCK_VIEW)
def notifications():
    """Mine: the stores I am responsible for (what my e-mail says); `?all=1`: all I see."""
    show_all = request.args.get("all") == "1"
    today = local_today()
    mine = queries.store_ids_for(current_user).where(Store.responsible_id == current_user.id)
    responsible_for = db.session.scalar(select(func.count()).select_from(mine.subquery()))
    ids = queries.store_ids_for(current_user) if show_all else mine
    found = notify.sections(queries.digests(ids, today=today), today)
    support = None
    if current_user.can(Permission.TICKETS_VIEW):
        mine_in = municipality_ids(current_user)
        data = digest.collect(
            utcnow(),
            today,
            municipality_ids=mine_in,
            person=current_user,
            tests=current_user.can(Permission.TESTS_RECORD),
        )
        support = digest.items_for(current_user, set(mine_in), data)
    return render_template(
        "stock/notifications.html",
        sections=found,
        show_all=show_all,
        responsible_for=responsible_for,
        total=sum(s.count for s in found),
        support=support,
        today=today,
        warn_days=current_app.config["STOCK_RESET_WARN_DAYS"],
    )
