"""Database plumbing: SQLite pragmas, real transactions, and the operation wrapper."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import wraps
from typing import TypeVar

from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text, event, inspect, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from vftops.core.errors import ConflictError, ValidationError
from vftops.extensions import db

T = TypeVar("T")


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


# --- who writes: SQLite's one writer ---------------------------------------------------
#
# SQLite has one writer at a time. A transaction that began by reading cannot write
# once another connection has committed since: it fails at once (SQLITE_BUSY_SNAPSHOT,
# «database is locked»), whatever busy_timeout says. So a transaction that will
# write takes the write lock at its start (BEGIN IMMEDIATE) and then waits its turn,
# as PostgreSQL's row locks would. A request writes when its method changes things,
# or when its view says it does (`@writes`: a page that logs who looked at personal
# data); reads begin deferred and run beside the writer (WAL), as the command line
# does (long reads, a short write at the end). A read request that writes anyway is
# refused in tests (STRICT_READS); bookkeeping that may happen in any request (when
# a token was last used) writes in a short transaction of its own, marked
# `bookkeeping`.

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes(view):
    """Mark a view that reads with GET but writes something too (an audit of the view)."""
    view.writes = True
    return view


def _view_writes() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # an API MethodView: the method's own function
        view = getattr(view_class, request.method.lower(), None)
    return bool(getattr(view, "writes", False))


def classify_request() -> None:
    """Runs first for every request: will its transaction write?"""
    g.write_request = request.method not in SAFE_METHODS or _view_writes()


def is_writing() -> bool:
    """Does this transaction write (and so, on SQLite, hold the write lock from its start)?"""
    if not has_request_context():
        # The command line, the daily run: mostly long reads with a short write at the
        # end. Holding the lock from their start would keep every page from writing.
        return False
    return g.get("write_request", True)


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if is_writing() else "BEGIN")


@event.listens_for(Engine, "before_cursor_execute")
def _reads_do_not_write(conn, _cursor, statement, _parameters, context, _executemany) -> None:
    if (
        has_app_context()
        and g.get("read_only")
        and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")
    ):
        raise RuntimeError(f"a read-only part of a page tried to write: {statement[:80]}")
    if (
        has_request_context()
        and not context.execution_options.get("bookkeeping")
        and not g.get("write_request", True)
        and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")
        and current_app.config.get("STRICT_READS")
    ):
        raise RuntimeError(
            f"{request.method} {request.path} wrote in a read transaction; mark the view "
            f"@writes or write in its own transaction: {statement[:80]}"
        )


# --- text that fits its column -----------------------------------------------------------

# A free-text column (notes, descriptions, the work log) holds at most this much.
MAX_TEXT = 10_000


_LIMITS: dict = {}


def _text_limits(mapper) -> list[tuple[str, int]]:
    """(attribute, most characters) for each text column of a model, computed once."""
    limits = _LIMITS.get(mapper)
    if limits is None:
        limits = []
        for attr in mapper.column_attrs:
            column = attr.columns[0]
            if isinstance(column.type, Text):
                limits.append((attr.key, MAX_TEXT))
            elif isinstance(column.type, String) and column.type.length:
                limits.append((attr.key, column.type.length))
        _LIMITS[mapper] = limits
    return limits


@event.listens_for(Session, "before_flush")
def _text_fits_its_column(session, _flush_context, _instances) -> None:
    """Every text written fits its column, on both databases, whichever path wrote it.

    PostgreSQL refuses a value longer than VARCHAR(n) with an error (a 500), SQLite
    stores it, and neither limits TEXT. Checked here, once for every write path
    (pages, API, imports, command line), the change is refused with a 422 that names
    the field, and the operation's savepoint undoes the rest.
    """
    fields: dict[str, list] = {}
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for key, limit in _text_limits(state.mapper):
            value = state.dict.get(key)
            if isinstance(value, str) and len(value) > limit:
                fields.setdefault(
                    key,
                    [_l("At most %(max)s characters.", max=format_decimal(limit))],
                )
    if fields:
        raise ValidationError(_l("The text is too long."), fields=fields)


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


def where_equal(statement, model, **values):
    """A list's filters: keep the rows whose column equals each value given; a value of
    None is no filter."""
    for name, value in values.items():
        if value is not None:
            statement = statement.where(getattr(model, name) == value)
    return statement


def stream_rows(statement, *, batch: int = 2000):
    """The rows of a query, read in batches on a connection of its own.

    For a response that is still being written after the request's own transaction
    has ended (an export streamed to the browser): PostgreSQL reads through a server-side
    cursor, SQLite steps its cursor; either way one batch is in memory at a time. The
    connection goes back when the rows are read or the download is abandoned.
    """
    with db.engine.connect() as conn:
        yield from conn.execution_options(stream_results=True, yield_per=batch).execute(statement)


def stream_objects(statement, *, batch: int = 500):
    """`stream_rows` for ORM objects (with their many-to-one relations joined in): a
    session of its own that reads in batches and forgets each batch after it."""
    with Session(db.engine) as session:
        yield from session.scalars(statement.execution_options(yield_per=batch))


def side_by_side(calls: dict[str, Callable[[], T]], *, workers: int = 3) -> dict[str, T]:
    """Run independent reads at the same time, each on a connection of its own, and
    return {name: result}: for a page made of several aggregates over many rows (the
    support reports), where the database works on each while the others run.

    Each call runs in an application context of its own, so `db.session` is a session
    of its own; what it returns must not need its session afterwards (plain values,
    or objects whose attributes it has read). The calls do not see what the caller's
    session has not committed, and each reads its own snapshot, so two parts can be a
    moment apart. An in-memory SQLite database is one connection: there they run one
    after the other. An error in one is raised here once all have ended.
    """
    url = db.engine.url
    one_connection = url.get_backend_name() == "sqlite" and _in_memory(url)
    # One page at a time per process works side by side: a request already holds a
    # connection, and many at once each waiting for more could empty the pool. The
    # others work in turn on their own connection, as before.
    if workers < 2 or len(calls) < 2 or one_connection or not _SIDE_BY_SIDE.acquire(False):
        return {name: call() for name, call in calls.items()}
    app = current_app._get_current_object()

    def run(call):
        with app.app_context():
            g.read_only = True  # a part that writes is a mistake: refused, never lost
            return call()

    try:
        with ThreadPoolExecutor(max_workers=min(workers, len(calls))) as pool:
            futures = {name: pool.submit(run, call) for name, call in calls.items()}
            return {name: future.result() for name, future in futures.items()}
    finally:
        _SIDE_BY_SIDE.release()


_SIDE_BY_SIDE = threading.Lock()


def _in_memory(url) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def when_finished(*, committed=None, rolled_back=None) -> None:
    """Call `committed()` once the request's transaction is committed, or `rolled_back()`
    if it is rolled back instead: for what happens outside the database (an e-mail
    that must not leave for a change that was undone, a file written to disk). A
    savepoint ending inside the transaction does not count. The callbacks run inside
    the commit or rollback: they may not use the session (use a connection or a
    session of their own)."""
    session = db.session()
    done = False

    def outcome(callback) -> None:
        nonlocal done
        # Both events fire for savepoints too, while the savepoint is still current.
        if done or session.in_nested_transaction():
            return
        done = True  # the listeners stay, inert: removing one while it runs is refused
        if callback is not None:
            callback()

    event.listen(session, "after_commit", lambda _s: outcome(committed))
    event.listen(session, "after_rollback", lambda _s: outcome(rolled_back))


def undo_on_rollback(undo) -> None:
    """`undo()` if the request's transaction is rolled back rather than committed."""
    when_finished(rolled_back=undo)
