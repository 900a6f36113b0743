"""personal values out of the audit log

The audit log is kept for ever; a citizen's name, address and numbers are not. From
this version on, changes to personal fields are recorded as «changed» without their
values. This migration does the same, once, to the events written before: the values
of a recipient's personal fields and of a ticket's title and description, the
ticket title in the summary of «ticket registered», the file name in that of
«attachment added» and the values of a placement's settings (their names stay). It records what it did in an audit
event of its own. The values cannot come back: the downgrade leaves the events as they
are.

Revision ID: 4b7e2d9c1a35
Revises: 9f472614771e
Create Date: 2026-12-04 09:10:00.000000

"""
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import vftops.core.models

# revision identifiers, used by Alembic.
revision = '4b7e2d9c1a35'
down_revision = '9f472614771e'
branch_labels = None
depends_on = None

# Frozen copies: what was personal when this migration was written.
RECIPIENT = (
    "name",
    "address",
    "postal_code",
    "city",
    "phone",
    "access_note",
    "journal_ref",
    "decision_ref",
    "relatives",
)
PERSONAL = {
    "recipient.create": RECIPIENT,
    "recipient.update": RECIPIENT,
    "ticket.update": ("title", "description"),
}
# «Sak #5 registrert: <title> → <team>»: the title may hold anything, an arrow too, so
# everything after «registrert» goes.
TICKET_CREATED = re.compile(r"^(Sak #\d+ registrert): .*$", re.DOTALL)
# «Sak #5: vedlegg <file name> (image/png, 1234 byte)»: a file name often names the person.
TICKET_ATTACHED = re.compile(r"^(Sak #\d+): vedlegg .* (\([^()]*\))$", re.DOTALL)
CHANGED = {"changed": True}

TRIGGERS = {
    "postgresql": (
        [
            "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
            "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
        ],
        [
            """
            CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
            """,
            """
            CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
            FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
            """,
        ],
    ),
    "sqlite": (
        [
            "DROP TRIGGER IF EXISTS audit_events_no_update",
            "DROP TRIGGER IF EXISTS audit_events_no_delete",
        ],
        [
            """
            CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END
            """,
            """
            CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END
            """,
        ],
    ),
}

events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("created_at", vftops.core.models.UTCDateTime()),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("municipality_id", sa.Integer),
    sa.column("subject_user_id", sa.Integer),
    sa.column("summary", sa.Text),
    sa.column("changes", sa.JSON),
)


def _redacted(action, summary, changes):
    """The event's summary and changes without personal values."""
    fields = PERSONAL.get(action, ())
    new_changes = {
        k: (dict(CHANGED) if k in fields else v) for k, v in (changes or {}).items()
    }
    new_summary = summary
    if action == "placement.install":
        settings = (new_changes.get("config_settings") or {}).get("after")
        if isinstance(settings, dict):  # which settings, not their values
            new_changes["config_settings"] = {"before": None, "after": sorted(settings)}
    if action == "ticket.create":
        new_summary = TICKET_CREATED.sub(r"\1", summary)
    if action == "ticket.attach":
        new_summary = TICKET_ATTACHED.sub(r"\1: vedlegg lagt til \2", summary)
    return new_summary, new_changes


def upgrade():
    bind = op.get_bind()
    drop, create = TRIGGERS.get(bind.dialect.name, ([], []))
    for statement in drop:
        op.execute(statement)
    actions = [*PERSONAL, "ticket.create", "ticket.attach", "placement.install"]
    changed = 0
    last_id = 0
    while True:  # in batches: a national log has millions of events
        rows = bind.execute(
            sa.select(events.c.id, events.c.action, events.c.summary, events.c.changes)
            .where(events.c.action.in_(actions), events.c.id > last_id)
            .order_by(events.c.id)
            .limit(5000)
        ).all()
        if not rows:
            break
        last_id = rows[-1][0]
        for row_id, action, summary, changes in rows:
            new_summary, new_changes = _redacted(action, summary, changes)
            if new_summary != summary or new_changes != (changes or {}):
                bind.execute(
                    sa.update(events)
                    .where(events.c.id == row_id)
                    .values(summary=new_summary, changes=new_changes)
                )
                changed += 1
    for statement in create:
        op.execute(statement)
    if changed:
        bind.execute(
            sa.insert(events).values(
                created_at=datetime.now(UTC),
                actor_id=None,
                action="audit.redact",
                object_type="audit_events",
                object_id=None,
                municipality_id=None,
                subject_user_id=None,
                summary=(
                    f"Personopplysninger fjernet fra {changed} eldre hendelse(r): "
                    "tjenestemottakeres personfelt og sakers tittel og beskrivelse "
                    "står nå som «endret» uten verdier"
                ),
                changes={"events": {"before": None, "after": changed}},
            )
        )


def downgrade():
    # The values are gone for good; the events stay as they are.
    pass
