"""Database plumbing: SQLite pragmas, real transactions, and the operation wrapper."""

from __future__ import annotations

import contextlib
import sqlite3
from functools import wraps

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from vftops.core.errors import ConflictError
from vftops.extensions import db


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself: pysqlite's own transaction handling
    # breaks SAVEPOINT, which every operation uses.
    dbapi_connection.isolation_level = None
    timeout = 5000
    with contextlib.suppress(RuntimeError):  # outside an application context
        timeout = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
    # SQLite's lower() only knows A-Z; Norwegian names need Æ, Ø and Å too.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {timeout:d}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")


CONCURRENT_CHANGE = _l(
    "Someone else changed this at the same time. Nothing was saved: "
    "open it again to see the current state."
)


def operation(func):
    """Run a state-changing function atomically inside the request's transaction.

    The work happens in a savepoint: if the function raises, everything it
    wrote is undone and the rest of the request's transaction is untouched.
    Races that the database catches (unique index, optimistic version, a
    locked SQLite file) come out as ConflictError, never as a 500.
    """

    @wraps(func)
    def wrapper(*args, **kwargs):
        savepoint = db.session.begin_nested()
        try:
            result = func(*args, **kwargs)
            db.session.flush()
        except IntegrityError as exc:
            savepoint.rollback()
            raise ConflictError(CONCURRENT_CHANGE) from exc
        except StaleDataError as exc:
            savepoint.rollback()
            raise ConflictError(CONCURRENT_CHANGE) from exc
        except OperationalError as exc:
            savepoint.rollback()
            if "locked" in str(exc.orig).lower():
                raise ConflictError(CONCURRENT_CHANGE) from exc
            raise
        except BaseException:
            if savepoint.is_active:
                savepoint.rollback()
            raise
        savepoint.commit()
        return result

    return wrapper


def take_write_lock(model, row_id: int) -> None:
    """Begin a transaction by writing, so a writer that lost a race waits for the winner.

    Call it first in a fresh transaction (after a rollback), before reading. On
    SQLite a transaction that read first cannot write once another connection has
    committed: it fails at once, whatever busy_timeout says. A no-op write as the
    first statement takes the write lock the way BEGIN IMMEDIATE does: it waits for
    the other writer's commit and then reads what that writer wrote. On PostgreSQL
    the row is locked FOR UPDATE.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(model)
            .where(model.id == row_id)
            .values(id=model.id)
            .execution_options(synchronize_session=False)
        )
    else:
        db.session.execute(select(model.id).where(model.id == row_id).with_for_update())


def check_version(obj, expected_version: int | None) -> None:
    """Refuse an edit made on an out-of-date copy (the form or PATCH carried `version`)."""
    if expected_version is not None and obj.version != expected_version:
        raise ConflictError(CONCURRENT_CHANGE, details={"current_version": obj.version})
