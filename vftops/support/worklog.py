"""A ticket's work log in the reader's language.

Each line vftops writes keeps its Bokmål text as written (`body`) and what happened as a
code and values (`event`, `params`). The page shows the coded lines through the labels
below; a line written by a person, or written before the codes were kept, is shown as it
was written. A person's note that came with a change (the resolution, say) follows the
line, as written.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from vftops.core.i18n import format_d, format_dt
from vftops.equipment.labels import DESTINATION_LABELS
from vftops.support.audit_texts import TEXTS
from vftops.support.models import CHANNEL_LABELS, STATUS_LABELS, TicketEntry


def _label(labels, code) -> str:
    for key, label in labels.items():
        if str(key) == str(code):
            return str(label)
    return str(code)


def _line(entry: TicketEntry) -> str | None:
    p = entry.params or {}
    author = entry.author.full_name if entry.author is not None else "vftops"
    match entry.event:
        case "created":
            text = _("Registered (%(channel)s)", channel=_label(CHANNEL_LABELS, p.get("channel")))
            if p.get("team"):
                text += " → " + p["team"]
            if p.get("rule") is not None:
                text += " " + _("(rule %(n)s)", n=p["rule"])
            return text
        case "acknowledged":
            return _("Acknowledged by %(name)s", name=author)
        case "assigned":
            parts = []
            if p.get("team"):
                parts.append(_("team %(name)s", name=p["team"]))
            parts.append(
                _("owner %(name)s", name=p["assignee"]) if p.get("assignee") else _("no owner")
            )
            return _("Assigned: %(what)s", what=", ".join(parts))
        case "status":
            return _(
                "Status: %(before)s → %(after)s",
                before=_label(STATUS_LABELS, p.get("before")),
                after=_label(STATUS_LABELS, p.get("after")),
            )
        case "resolved_with_incident":
            return _("Resolved with incident #%(id)s", id=p.get("incident"))
        case "changed":
            fields = ", ".join(_label(TEXTS.fields, f) for f in p.get("fields", ()))
            return _("Changed: %(fields)s", fields=fields)
        case "closed_automatically":
            return _("Closed automatically after %(days)s days", days=p.get("days"))
        case "linked":
            return _("Linked to incident #%(id)s", id=p.get("incident"))
        case "tickets_linked":
            ids = ", ".join(f"#{i}" for i in p.get("tickets", ()))
            return _("Tickets linked to it: %(ids)s", ids=ids)
        case "unlinked":
            return _("Taken out of incident #%(id)s", id=p.get("incident"))
        case "sent_to_repair":
            return _("%(serial)s sent to repair", serial=p.get("serial"))
        case "attached":
            return _("Attachment added: %(name)s", name=entry.body.partition(": ")[2])
        case "escalated":
            if p.get("reference"):
                return _(
                    "Escalated to %(supplier)s (their reference %(ref)s)",
                    supplier=p.get("supplier"),
                    ref=p["reference"],
                )
            return _("Escalated to %(supplier)s", supplier=p.get("supplier"))
        case "supplier_response":
            said = []
            if p.get("answered"):
                said.append(
                    _("answered %(at)s", at=format_dt(datetime.fromisoformat(p["answered"])))
                )
            if p.get("fixed"):
                said.append(_("fixed %(at)s", at=format_dt(datetime.fromisoformat(p["fixed"]))))
            if "reference" in p:
                said.append(_("their reference %(ref)s", ref=p["reference"] or "–"))
            return _("The supplier: %(what)s", what=", ".join(said))
        case "replaced":
            return _(
                "Replaced %(old)s with %(new)s (%(old)s: %(where)s)",
                old=p.get("old"),
                new=p.get("new"),
                where=_label(DESTINATION_LABELS, p.get("to")).lower(),
            )
        case "visit_planned":
            return _(
                "Visit planned %(date)s for %(name)s",
                date=format_d(date.fromisoformat(p["on"])),
                name=p.get("for"),
            )
    return None


def text(entry: TicketEntry) -> str:
    """The line as the reader reads it, with any note that came with it."""
    line = _line(entry) if entry.event else None
    if line is None:
        return entry.body
    _first, newline, note = entry.body.partition("\n")
    return line + (newline + note if newline else "")
