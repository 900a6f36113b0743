"""Text the databases can store alike, and a request body we can afford to read.

PostgreSQL refuses NUL in text, SQLite stores it; neither can store half of a
UTF-16 surrogate pair (JSON's «\\ud800»). So every piece of text that arrives is
checked here, in one place, before a view sees it:

- the path and the query parameters of every request, and the JSON body of every
  API request: refused at once (400/422, naming the parameter or field);
- the fields of a page's form: the view sees them without the forbidden
  characters, the page form shows the field in error with the rest of what was
  typed (`vftops.core.forms.Form`), and the request is refused as a whole
  whatever the view did: nothing it wrote is committed, and an answer that is
  not already an error becomes a 422 page naming the fields.

Tab, line feed and carriage return are allowed wherever text is.

Whole numbers get the same care: every id and count is an INTEGER column, which
PostgreSQL holds in 32 bits (SQLite cannot even bind a number beyond 64), so a
number outside that range is refused where it is read — a path id by the URL
converter (404), a JSON number here, a query parameter by `db_int`, a form field
by the page form, an API query by the schema. Text longer than its column is
refused when it is written (`vftops.core.db`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import current_app, g, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

# C0 controls but tab, LF and CR; DEL and the C1 controls; lone surrogates.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_JSON_DEPTH = 32
DB_INT_MAX = 2**31 - 1  # an INTEGER column in PostgreSQL: every id and count


def accepts_upload(*mimetypes: str, limit_key: str):
    """Declare that an API method takes one file as its raw request body (not JSON):
    of one of `mimetypes`, at most `app.config[limit_key]` bytes. The request checks
    read it (`vftops.core.api`) and the view finds it in `g.upload` (one byte past the
    limit when it is too large) and checks the bytes themselves."""

    def mark(view):
        view.vftops_upload = (frozenset(mimetypes), limit_key)
        return view

    return mark


def read_upload(limit: int) -> bytes:
    """The request body, read to its end or to one byte past `limit`: a stream may hand
    it over in pieces (one read is not the whole file)."""
    chunks, size = [], 0
    while size <= limit:
        chunk = request.stream.read(min(64 * 1024, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def upload_of_request() -> tuple[frozenset[str], int] | None:
    """(types, byte limit) when the matched API method takes a raw file, else None."""
    view = current_app.view_functions.get(request.endpoint or "")
    target = getattr(view, "view_class", None)
    if target is not None:
        view = getattr(target, request.method.lower(), None)
    mark = getattr(view, "vftops_upload", None)
    if mark is None:
        return None
    return mark[0], int(current_app.config[mark[1]])


class BadInput(Exception):
    """Refused before the view: `status` 400/413/422 with a message and fields."""

    def __init__(self, status: int, message, fields: dict | None = None):
        super().__init__(str(message))
        self.status = status
        self.message = message
        self.fields = fields or {}


def text_problem(text: str):
    """Why a text cannot be stored (a translated message), or None when it can."""
    match = FORBIDDEN.search(text)
    if match is None:
        return None
    char = match.group()
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        return _l("Remove the broken character (%(code)s) and try again.", code=code)
    return _l("Remove the invisible control character (%(code)s): it cannot be saved.", code=code)


def fits(value: int) -> bool:
    return -DB_INT_MAX <= value <= DB_INT_MAX


def number_problem():
    return _l("The number is too large.")


def db_int(value) -> int:
    """int() for request values (`request.args.get(..., type=db_int)`): a number beyond
    what the database holds is no number at all (ValueError), like any other garbage."""
    number = int(value)
    if not fits(number):
        raise ValueError("out of range")
    return number


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` in a route: an id beyond what the database holds matches nothing (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def _check_parameters() -> None:
    problem = text_problem(request.path)
    if problem is not None:
        raise BadInput(400, problem)
    fields = {}
    for key, value in request.args.items(multi=True):
        problem = text_problem(key) or text_problem(value)
        if problem is not None:
            fields.setdefault(key if text_problem(key) is None else "_query", [problem])
    if fields:
        raise BadInput(422, next(iter(fields.values()))[0], fields)


def _json_problems(document: Any) -> dict[str, list]:
    """Every string (keys too) in a parsed JSON document, walked without recursion."""
    fields: dict[str, list] = {}
    stack: list[tuple[str, Any, int]] = [("", document, 1)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadInput(400, _l("The JSON is nested too deeply."))
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                fields.setdefault(path or "_schema", [problem])
        elif isinstance(value, int) and not isinstance(value, bool) and not fits(value):
            fields.setdefault(path or "_schema", [number_problem()])
        elif isinstance(value, dict):
            for key, inner in value.items():
                problem = text_problem(key)
                name = f"{path}.{key}" if path else key
                if problem is not None:
                    fields.setdefault(path or "_schema", [problem])
                    continue
                stack.append((name, inner, depth + 1))
        elif isinstance(value, list):
            stack.extend(
                (f"{path}.{i}" if path else str(i), v, depth + 1) for i, v in enumerate(value)
            )
    return fields


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")  # Python reads NaN and Infinity; JSON has neither


def _check_json_body() -> None:
    """Read the body within its limit, parse it once, and look at every string."""
    if upload_of_request() is not None:
        return  # a file: its view reads it within the upload's own limit
    limit = current_app.config["API_MAX_BODY_BYTES"]
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise BadInput(413, _l("The request body is larger than 2 MB.")) from None
    if len(data) > limit:  # a chunked body, read one byte past the limit
        raise BadInput(413, _l("The request body is larger than 2 MB."))
    if not data or not request.is_json:
        return
    try:
        document = json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise BadInput(400, _l("The JSON is nested too deeply.")) from None
    except ValueError:
        raise BadInput(400, _l("The request body is not valid JSON.")) from None
    fields = _json_problems(document)
    if fields:
        raise BadInput(422, next(iter(fields.values()))[0], fields)
    g.checked_json = True


def _check_form_fields() -> None:
    """A page's posted fields and file names: cleaned for the view, problems kept in `g`."""
    problems: dict[str, object] = {}
    cleaned = MultiDict()
    for key, value in request.form.items(multi=True):
        problem = text_problem(key) or text_problem(value)
        if problem is not None:
            problems.setdefault(FORBIDDEN.sub("", key), problem)
            key, value = FORBIDDEN.sub("", key), FORBIDDEN.sub("", value)
        cleaned.add(key, value)
    for key, upload in request.files.items(multi=True):
        problem = text_problem(upload.filename or "")
        if problem is not None:
            problems.setdefault(key, problem)
            upload.filename = FORBIDDEN.sub("", upload.filename)
    if problems:
        request.form = ImmutableMultiDict(cleaned)
        request.__dict__.pop("values", None)
        g.refused_text = problems


def refused_text() -> dict[str, object]:
    """The page form fields refused in this request: field name → message."""
    return g.get("refused_text") or {}


def check_request() -> None:
    """Runs before every request: raises BadInput for what no view should see."""
    _check_parameters()
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.path.startswith("/api/"):
        _check_json_body()
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        _check_form_fields()


def refusal(problems: dict[str, object]) -> BadInput:
    """What to answer when a view went on with refused form text (see web.py)."""
    fields = ", ".join(f"«{name}»" for name in sorted(problems))
    return BadInput(
        422,
        _l(
            "Nothing was saved: %(fields)s held a character that cannot be saved. %(problem)s",
            fields=fields,
            problem=next(iter(problems.values())),
        ),
        {name: [problem] for name, problem in problems.items()},
    )


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, but a document nested deeper than Python can parse is a 400, not a 500.

    Werkzeug answers 400 for a ValueError from here; RecursionError is not one.
    """

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON is nested too deeply.") from None
