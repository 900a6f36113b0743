"""The audit log as people read it: each event's action, object and changes in the reader's
language, with the objects named and linked.

What is stored stays as it was written: codes, ids and values, and a summary in Bokmål.
The modules say how their codes read (`AuditTexts` in their `module.py`); the names are
looked up now, one query per kind of object on the page, so a renamed store shows its
name of today. An object that no longer exists keeps its id, and the summary written at
the time names it as it was.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from vftops.core.audit import AuditEvent
from vftops.core.i18n import format_d, format_dt
from vftops.core.modules import AuditTexts, audit_texts


@dataclass
class Change:
    label: str
    before: str
    after: str
    changed_only: bool = False  # free text: that it changed, not how


@dataclass
class Line:
    event: AuditEvent
    action: str
    kind: str
    name: str | None
    url: str | None
    changes: list[Change] = field(default_factory=list)


def _ids(value) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, str) and value.isdigit():
        return [int(value)]
    if isinstance(value, list | tuple):
        return [i for v in value for i in _ids(v)]
    return []


def _may_see(kind, user) -> bool:
    return kind is not None and (kind.permission is None or user.can(kind.permission))


def _names(events, texts: AuditTexts, user) -> dict[str, dict[int, str]]:
    """{object kind: {id: name}} for the page's objects and the objects its changes name,
    those the reader may see."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        wanted[event.object_type].update(_ids(event.object_id))
        for key, change in (event.changes or {}).items():
            kind = texts.references.get(key)
            if kind and isinstance(change, dict):
                wanted[kind].update(_ids(change.get("before")) + _ids(change.get("after")))
    names = {}
    for kind, ids in wanted.items():
        found = texts.objects.get(kind)
        if found is not None and found.names is not None and ids and _may_see(found, user):
            names[kind] = dict(found.names(sorted(ids), user))
    return names


def _value(texts, names, object_type: str, key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    kind = texts.references.get(key)
    if kind:
        ids = _ids(value)
        if ids:
            known = names.get(kind, {})
            return ", ".join(known.get(i, f"#{i}") for i in ids)
    labels = texts.values.get(f"{object_type}.{key}") or texts.values.get(key)
    if isinstance(value, list):
        return ", ".join(_value(texts, names, object_type, key, v) for v in value)
    if labels and str(value) in {str(k) for k in labels}:
        return str(next(v for k, v in labels.items() if str(k) == str(value)))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_d(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and "T" in value and value[:4].isdigit():
        try:
            return format_dt(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def present(events, user) -> list[Line]:
    texts = audit_texts()
    names = _names(events, texts, user)
    lines = []
    for event in events:
        kind = texts.objects.get(event.object_type)
        ids = _ids(event.object_id)
        object_id = ids[0] if ids else None
        # Named for a reader who may see such objects, linked for one who may open them.
        may_see = _may_see(kind, user)
        name = names.get(event.object_type, {}).get(object_id) if object_id and may_see else None
        link_permission = (kind.link_permission or kind.permission) if kind is not None else None
        url = None
        if (
            may_see
            and kind.endpoint
            and object_id is not None
            and (name is not None or kind.names is None)
            and (link_permission is None or user.can(link_permission))
        ):
            url = url_for(kind.endpoint, **{kind.arg: object_id})
        changes = []
        for key, change in (event.changes or {}).items():
            # A module may name a field for its own objects («agreements.owner_id»).
            label = str(
                texts.fields.get(f"{event.object_type}.{key}") or texts.fields.get(key, key)
            )
            if not isinstance(change, dict):
                changes.append(
                    Change(label, "", _value(texts, names, event.object_type, key, change))
                )
            elif change.get("changed"):
                changes.append(Change(label, "", "", changed_only=True))
            else:
                changes.append(
                    Change(
                        label,
                        _value(texts, names, event.object_type, key, change.get("before")),
                        _value(texts, names, event.object_type, key, change.get("after")),
                    )
                )
        lines.append(
            Line(
                event=event,
                action=str(texts.actions.get(event.action, event.action)),
                kind=str(kind.label) if kind is not None else event.object_type,
                name=name,
                url=url,
                changes=changes,
            )
        )
    return lines


def object_kinds(types) -> list[tuple[str, str]]:
    """The filter's choices: each kind of object in the log by its label."""
    texts = audit_texts()
    return sorted(
        ((t, str(texts.objects[t].label) if t in texts.objects else t) for t in types),
        key=lambda pair: pair[1].casefold(),
    )
