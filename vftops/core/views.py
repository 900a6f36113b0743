"""Start page, health check, language choice and the browsable API documentation."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import text

from vftops.core import modules
from vftops.core.models import utcnow
from vftops.core.permissions import login_required
from vftops.core.web import safe_next
from vftops.extensions import api, db, limiter

bp = Blueprint("core", __name__)


@bp.get("/")
@login_required
def index():
    """What each module has for this user today (vftops/<module>/module.py)."""
    user = current_user._get_current_object()
    return render_template(
        "core/index.html",
        start=modules.start_page(user, utcnow()),
        shortcuts=modules.shortcuts(user),
    )


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        current_app.logger.exception("health check: database does not answer")
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.post("/language")
def set_language():
    """Anonymous visitors choose a language for the login page (stored in the session)."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"] and not current_user.is_authenticated:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")))


@bp.get("/api/v1/docs")
def api_docs():
    """A readable page generated from the same OpenAPI document clients use."""
    spec = api.spec.to_dict()
    operations = []
    for path, methods in sorted(spec.get("paths", {}).items()):
        for method, op in methods.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            operations.append({"path": path, "method": method.upper(), **op})
    return render_template("core/api_docs.html", spec=spec, operations=operations)
