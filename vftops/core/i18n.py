"""Language and time: Norwegian Bokmål by default, English second, Europe/Oslo."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_request_context, session
from flask_babel import format_currency, format_date, format_datetime, format_decimal
from flask_login import current_user

from vftops.extensions import babel
from vftops.settings import PROJECT_ROOT


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background work
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def format_dt(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, "dd.MM.yyyy HH:mm")


def format_d(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "dd.MM.yyyy")
    return format_date(value, "dd.MM.yyyy")


def format_number(value) -> str:
    """10 000 in Norwegian, 10,000 in English."""
    return format_decimal(value)


def format_kr(value) -> str:
    """Kroner the reader's way: «1 234,50 kr»; nothing given: «–»."""
    if value is None:
        return "–"
    return format_currency(value, "NOK")


def init_babel(app) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(PROJECT_ROOT / "vftops" / "translations")
    )
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["dt"] = format_dt
    app.jinja_env.filters["d"] = format_d
    app.jinja_env.filters["format_number"] = format_number
    app.jinja_env.filters["kr"] = format_kr
