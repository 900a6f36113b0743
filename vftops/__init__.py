"""vftops: the operations service for municipal welfare technology.

`create_app()` builds the application: configuration (`config.py`, beside
pyproject.toml), then each extension in a fixed order, then the modules declared
in `vftops.modules`, then the CLI.
"""

from __future__ import annotations

import gc
import os

from flask import Flask

from vftops.settings import PROJECT_ROOT, config_module


def create_app(config_name: str | None = None, **overrides) -> Flask:
    config = config_module()  # config.py, beside pyproject.toml
    name = config_name or os.environ.get("VFTOPS_CONFIG", "production")
    if name not in config.CONFIGS:
        raise RuntimeError(f"Unknown VFTOPS_CONFIG {name!r}; use one of {sorted(config.CONFIGS)}")
    config_cls = config.CONFIGS[name]

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=False,
    )
    app.config.from_object(config_cls)
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("VFTOPS_BASE_URL"):
        app.config["BASE_URL"] = os.environ["VFTOPS_BASE_URL"]
    if os.environ.get("DATABASE_URL") and name != "testing":
        app.config["SQLALCHEMY_DATABASE_URI"] = config.normalise_database_url(
            os.environ["DATABASE_URL"]
        )
    app.config.update(overrides)
    config_cls.check(app.config)
    config.check_base_url(app.config["BASE_URL"])

    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=app.config["PROXY_FIX_X_FOR"],
            x_proto=app.config["PROXY_FIX_X_PROTO"],
        )

    from vftops.core.inputs import BoundedIntegerConverter, JSONProvider

    app.json = JSONProvider(app)
    app.url_map.converters["int"] = BoundedIntegerConverter  # before any route is added
    _init_extensions(app)
    _register_blueprints(app)

    from vftops.core import web

    web.init_app(app)

    from vftops import cli

    cli.init_app(app)
    if not app.testing:
        # Everything built so far (modules, routes, templates, translations) lives
        # as long as the process. Moving it out of the garbage collector's view
        # keeps full collections short, and they otherwise add 100 ms or more to
        # the requests that trigger them. Under gunicorn this also keeps the
        # workers' memory shared with the master (no copy-on-write).
        gc.freeze()
        # What a request builds after that (SQLAlchemy's cache of compiled statements
        # alone is ~150,000 objects) would still be passed over by a full collection
        # some forty times in a benchmark run, pausing a request for up to 95 ms each
        # time. A larger youngest generation collects a request's garbage while it is
        # young, and full collections become rare (see README, Performance).
        if app.config["GC_THRESHOLDS"]:
            gc.set_threshold(*app.config["GC_THRESHOLDS"])
    return app


def _init_extensions(app: Flask) -> None:
    # Order matters: the database first (everything reads it), then login and
    # CSRF (every request), then language, rate limits, assets and the API.
    from vftops import models  # noqa: F401  (registers every model with the metadata)
    from vftops.auth.session import init_login
    from vftops.core.i18n import init_babel
    from vftops.extensions import bootstrap, csrf, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    init_login(app)
    csrf.init_app(app)
    init_babel(app)
    limiter.init_app(app)
    bootstrap.init_app(app)


def _register_blueprints(app: Flask) -> None:
    """Every declared module's pages and API (under /api/v1, documented in
    /api/v1/openapi.json)."""
    from vftops.core.modules import register
    from vftops.modules import MODULES

    register(app, MODULES)
