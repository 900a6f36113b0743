"""Pickers: a long list chosen from by typing.

A select field marked with `picker()` is turned into a type-ahead (Tom Select, served
from static/vendor, set up by static/js/picker.js). With a lookup address it asks the
server as the user types; the server answers with `lookup_answer`. Without JavaScript
the page shows the plain select with the first `PRELOAD` options and a search box that
narrows them (`?<field>_q=`), so the form still works.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

PRELOAD = 200  # options in the page; the rest are found by typing (or by the search box)
LOOKUP_LIMIT = 20  # answers to one typed query
QUERY_MAX = 100


def picker(field, lookup_url: str | None = None, *, more: bool = False) -> None:
    """Mark a select for the type-ahead; `more`: the page holds only some of the options."""
    attrs = {
        "data-picker": "",
        "data-none": _("Nothing found. Type more, or something else."),
        "data-clear": _("Clear the choice"),
    }
    if lookup_url:
        attrs["data-lookup"] = lookup_url
    field.render_kw = {**(field.render_kw or {}), **attrs}
    field.picker_more = more


def narrowing(field_name: str) -> str:
    """What a no-JavaScript user typed to narrow a long picker (`?<field>_q=`)."""
    return (request.args.get(f"{field_name}_q") or "").strip()[:QUERY_MAX]


def lookup_query() -> str:
    return (request.args.get("q") or "").strip()[:QUERY_MAX]


def lookup_answer(pairs):
    """The lookup's JSON: {"results": [{"value": "17", "text": "…"}]} (strings, as a
    select's options are), at most LOOKUP_LIMIT of them."""
    return jsonify(
        results=[{"value": str(value), "text": text} for value, text in list(pairs)[:LOOKUP_LIMIT]]
    )
