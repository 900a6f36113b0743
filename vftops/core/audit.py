"""The append-only audit log: who changed what, when, from what to what.

Operations call `record()` in the same transaction as the change. Nothing in
vftops updates or deletes an audit row: the ORM refuses it before flush, and
database triggers refuse it for any other client (see the first migration).
"""

from __future__ import annotations

import enum
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from vftops.core.models import UTCDateTime, utcnow
from vftops.extensions import db


class AuditEvent(db.Model):
    """One change (or one sensitive read) recorded for ever."""

    __tablename__ = "audit_events"
    __append_only__ = True
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(64), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id"), nullable=True, index=True
    )
    # The person an event without a municipality is about (a user, a login, a
    # token): readers see it only if that person shares a municipality with them.
    subject_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    # {"field": {"before": ..., "after": ...}}
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)

    # Users and municipalities belong to packages built on core: named, not imported.
    actor: Mapped[Any] = relationship("User", foreign_keys=[actor_id])
    subject_user: Mapped[Any] = relationship("User", foreign_keys=[subject_user_id])
    municipality: Mapped[Any] = relationship("Municipality")


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if getattr(type(obj), "__append_only__", False) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise AuditLogIsAppendOnly(
                f"{type(obj).__tablename__} rows are never changed or deleted"
            )


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a column value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Only the fields whose value changed, as before → after."""
    keys = list(before) + [k for k in after if k not in before]
    return {
        k: {"before": before.get(k), "after": after.get(k)}
        for k in keys
        if before.get(k) != after.get(k)
    }


def record(
    actor: Any,  # the user who made the change (vftops.auth), or None for the system
    action: str,
    obj: Any,
    summary: str,
    *,
    changes: dict[str, Any] | None = None,
    municipality_id: int | None = None,
    object_type: str | None = None,
    subject_user_id: int | None = None,
    session=None,
) -> AuditEvent:
    """Append an audit event in the current transaction (the caller commits), or in
    `session`'s when the change is written outside the request's own transaction."""
    session = session if session is not None else db.session
    if object_type is None:
        object_type = getattr(obj, "__tablename__", type(obj).__name__.lower())
    object_id = getattr(obj, "id", None)
    session.flush()  # the object needs its id before it can be named
    object_id = getattr(obj, "id", object_id)
    if subject_user_id is None and municipality_id is None:
        # Events about people (users, logins, tokens) are scoped through that person.
        subject_user_id = object_id if object_type == "users" else getattr(obj, "user_id", None)
    event_row = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        municipality_id=municipality_id,
        subject_user_id=subject_user_id,
        summary=summary,
        changes=changes or {},
    )
    session.add(event_row)
    return event_row


# Tables that only ever grow. The ORM refuses changes to their rows (models
# set __append_only__), and these triggers refuse them for every other client.
APPEND_ONLY_TABLES = (
    "audit_events",
    "movements",
    "stock_movements",
    "order_receipts",
    "ticket_entries",
)


def append_only_sql(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{table} is append-only';
            END
            $$ LANGUAGE plpgsql
            """,
            f"""
            CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_append_only()
            """,
            f"""
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()
            """,
        ]
    if dialect == "sqlite":
        return [
            f"""
            CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END
            """,
            f"""
            CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END
            """,
        ]
    return []


def drop_append_only_sql(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_append_only()",
        ]
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update",
            f"DROP TRIGGER IF EXISTS {table}_no_delete",
        ]
    return []


# --- taking personal data out of the append-only tables ---------------------------------

_LIFTED = "vftops_append_only_lifted"


@contextmanager
def append_only_lifted(
    tables: tuple[str, ...] = ("movements", "stock_movements", "ticket_entries"),
):
    """Inside this block, in this transaction only, `scrub_append_only` may rewrite free
    text in `tables`: their triggers are dropped and created again before it ends.

    Both databases change triggers inside the transaction, so no other connection ever
    sees a table unguarded; on PostgreSQL the tables are locked until the commit.
    Anonymising a citizen is the one use: their name must leave the notes too."""
    session = db.session
    dialect = session.get_bind().dialect.name
    for table in tables:
        for statement in drop_append_only_sql(dialect, table):
            session.execute(text(statement))
    session.info[_LIFTED] = set(tables)
    try:
        yield
    finally:
        session.info.pop(_LIFTED, None)
    for table in tables:
        for statement in append_only_sql(dialect, table):
            session.execute(text(statement))


def scrub_append_only(table, column: str, where, scrub) -> int:
    """Rewrite `column` through `scrub` in the rows of an append-only `table` matching
    `where`; only inside `append_only_lifted`. Returns how many rows changed."""
    lifted = db.session.info.get(_LIFTED, set())
    if table.name not in lifted:
        raise AuditLogIsAppendOnly(f"{table.name} rows are never changed outside a purge")
    col = table.c[column]
    from vftops.core.db import MAX_TEXT  # db imports audit's models at start-up

    limit = getattr(col.type, "length", None) or MAX_TEXT
    changed = 0
    for row_id, value in db.session.execute(select(table.c.id, col).where(where)).all():
        new = scrub(value, limit)
        if new != value:
            db.session.execute(update(table).where(table.c.id == row_id).values({column: new}))
            changed += 1
    return changed


# --- naming the objects of the log --------------------------------------------------------


def names_from(model, *columns, fmt: str = "{}", visible=None):
    """For a module's audit texts: `names(ids, reader)` gives the name now of each object
    the reader may see, from the columns, in one query for the whole page. Objects of a
    municipality are limited to the reader's (`vftops.core.scope`); `visible(reader)`, a
    SELECT of ids, limits any other kind."""

    def names(ids, reader) -> dict[int, str]:
        from vftops.core.scope import scoped

        stmt = select(model.id, *columns).where(model.id.in_(list(ids)))
        if visible is not None:
            stmt = stmt.where(model.id.in_(visible(reader)))
        elif hasattr(model, "scope_clause") or hasattr(model, "municipality_id"):
            stmt = scoped(stmt, model, reader)
        return {row[0]: fmt.format(*row[1:]) for row in db.session.execute(stmt)}

    return names
