"""Request lifecycle, error pages/JSON, security headers and template helpers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import flash, g, render_template, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from vftops.core.api import (
    ERROR_CODES,
    check_api_request,
    flatten_webargs_messages,
    json_error,
    translate_field_message,
)
from vftops.core.db import classify_request
from vftops.core.errors import DomainError
from vftops.core.inputs import BadInput, check_request, refusal, refused_text
from vftops.core.modules import visible_navigation
from vftops.core.permissions import ROLE_LABELS, is_api_request
from vftops.core.scope import municipality_ids
from vftops.extensions import db

log = logging.getLogger(__name__)

STATUS_TITLES = {
    400: _l("The request could not be understood"),
    401: _l("You must log in"),
    403: _l("You do not have access to this page"),
    404: _l("We could not find the page"),
    405: _l("That action is not possible here"),
    409: _l("The change conflicts with the current state"),
    413: _l("What you sent is too large"),
    415: _l("Unsupported content type"),
    422: _l("The input was not valid"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("vftops is unavailable"),
}

STATUS_MESSAGES = {
    400: _l("The request was malformed or the form had expired. Go back and try again."),
    401: _l("Log in and try again."),
    403: _l("Your roles do not allow this. Ask an administrator if you need access for your work."),
    404: _l("The address may be wrong, or what it pointed to is outside your municipalities."),
    405: _l("Go back and use the buttons on the page."),
    413: _l("Try a smaller file."),
    429: _l("Too many failed attempts in a short time. Wait a minute and try again."),
    500: _l(
        "The error has been logged. Nothing was saved. Try again, and contact the "
        "service desk if it happens again."
    ),
    503: _l("Try again in a few minutes."),
}


def actor():
    """The signed-in user as the operations take it (not the request-bound proxy)."""
    return current_user._get_current_object()


def _status_message(status: int) -> str:
    return str(STATUS_MESSAGES.get(status, STATUS_TITLES.get(status, _l("Error"))))


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never another host, never control characters."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
        and not any(c.isspace() for c in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return default


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if status >= 500 or status in (409, 422):
        db.session.rollback()
    if is_api_request():
        headers = {}
        fields = None
        translate = str
        message = _status_message(status)
        data = getattr(error, "data", None) or {}
        if "messages" in data:
            # Translated as listed: json_error lists at most MAX_LISTED of them.
            fields = flatten_webargs_messages(data["messages"])
            translate = translate_field_message
            if status == 400:
                message = _("The request body is not valid JSON.")
            else:
                message = _("The input was not valid.")
        elif isinstance(error, CSRFError):
            message = _("The CSRF token is missing or invalid. Send it in X-CSRFToken.")
        elif status == 400 and error.description == "cursor":
            message = _("The cursor is not valid. Start again from the first page.")
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="vftops"'
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        return json_error(status, message, fields, headers, translate=translate)
    if isinstance(error, CSRFError):
        return (
            render_template(
                "errors/error.html",
                status=400,
                title=_("The form had expired"),
                message=_("Reload the page and send the form again. Nothing was saved."),
            ),
            400,
        )
    template = f"errors/{status}.html" if status in (403, 404, 429, 500) else "errors/error.html"
    return (
        render_template(
            template,
            status=status,
            title=STATUS_TITLES.get(status, _l("Error")),
            message=_status_message(status),
        ),
        status,
    )


def handle_domain_error(error: DomainError):
    """A DomainError that a view did not catch: nothing has been saved."""
    db.session.rollback()
    if is_api_request():
        return json_error(error.status, error.message, error.fields, details=error.details)
    return (
        render_template(
            "errors/error.html",
            status=error.status,
            title=STATUS_TITLES.get(error.status, _l("Error")),
            message=error.message,
        ),
        error.status,
    )


def handle_bad_input(error: BadInput):
    """Input refused before any view ran (`vftops.core.inputs`): nothing was read or saved."""
    if is_api_request():
        return json_error(error.status, error.message, error.fields)
    return (
        render_template(
            "errors/error.html",
            status=error.status,
            title=STATUS_TITLES.get(error.status, _l("Error")),
            message=error.message,
        ),
        error.status,
    )


def handle_unexpected(error: Exception):
    db.session.rollback()
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError())


def flash_domain_error(
    error: DomainError,
    form=None,
    *,
    renamed: dict[str, str] | None = None,
    place: Callable[[str, list[str]], bool] | None = None,
) -> None:
    """Show a refused operation on a page: each message beside the field it names, else a
    flash; a conflict (409) is flashed as well.

    `renamed` maps the operation's names to the form's fields where they differ.
    `place(name, messages)` places messages for names the form has no field for (order
    lines, scanned lines) and answers whether it did. The operation has undone its own
    writes; the rest of the request is rolled back too.
    """
    db.session.rollback()
    if renamed:
        error.renamed(renamed)
    placed = False
    for name, messages in error.fields.items():
        texts = [str(m) for m in messages]
        if place is not None and place(name, texts):
            placed = True
        elif form is not None and name in form:
            form[name].errors = [*list(form[name].errors), *texts]
            placed = True
    if not placed or error.status == 409:
        flash(str(error.message), "danger")


@dataclass
class Submission:
    """What became of a posted form: `ok` with the operation's result, or the status."""

    ok: bool
    status: int
    result: Any = None
    error: DomainError | None = None


def submit(form, run: Callable[[], Any]) -> Submission:
    """Validate a posted form, then run one operation with its data.

    Invalid input answers 422; a refused operation is shown beside the fields
    (or as a flash message) with the operation's status; a GET answers 200.
    """
    if not form.validate_on_submit():
        return Submission(False, 422 if request.method == "POST" else 200)
    try:
        return Submission(True, 200, run())
    except DomainError as exc:
        flash_domain_error(exc, form)
        return Submission(False, exc.status, error=exc)


def init_app(app) -> None:
    # Whether the request writes (SQLite takes its lock up front), the API's size, type
    # and CSRF checks, then text and bodies no view should see.
    app.before_request_funcs.setdefault(None, []).insert(0, classify_request)
    app.before_request(check_api_request)
    app.before_request(check_request)

    @app.after_request
    def finish_transaction(response):
        # One transaction per request: commit unless the request failed.
        if response.status_code >= 500:
            db.session.rollback()
        else:
            db.session.commit()
        return response

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        if current_user.is_authenticated and response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.after_request
    def refuse_unshown_text(response):
        # Runs before the two above. A page form shows refused text beside its field
        # (an error answer); whatever the view did, nothing of this request is kept.
        problems = refused_text()
        if not problems:
            return response
        db.session.rollback()
        if response.status_code >= 400:
            return response
        session.pop("_flashes", None)  # the view's «saved» message is not true
        return app.make_response(handle_bad_input(refusal(problems)))

    # WTForms writes None as the text "None": keep only attributes that have a value.
    app.jinja_env.filters["present"] = lambda attrs: {
        k: v for k, v in attrs.items() if v is not None and v is not False
    }

    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(BadInput, handle_bad_input)
    app.register_error_handler(Exception, handle_unexpected)

    @app.context_processor
    def template_helpers():
        nav = visible_navigation(current_user) if current_user.is_authenticated else []
        return {
            "navigation": nav,
            "visible_municipality_ids": lambda: municipality_ids(current_user),
            "current_locale": str(get_locale() or "nb"),
            "role_labels": ROLE_LABELS,
            "languages": app.config["LANGUAGES"],
            "error_codes": ERROR_CODES,
            "g": g,
        }
