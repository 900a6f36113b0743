"""The JSON API's shared parts: error body, request checks, list envelope."""

from __future__ import annotations

import http

import marshmallow as ma
from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from werkzeug.exceptions import RequestEntityTooLarge

from vftops.core.errors import MAX_LISTED, more_message
from vftops.core.inputs import fits, number_problem, read_upload, upload_of_request

ERROR_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "Machine-readable error code"})
    message = ma.fields.String(metadata={"description": "Human-readable message, translated"})
    fields = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Problems per input field"},
    )
    details = ma.fields.Dict(
        metadata={
            "description": "Facts about the conflict, e.g. the current status and the "
            "allowed next steps"
        }
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema)


class VftopsApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        # vftops.core.web registers one handler for pages and API alike.
        pass


# The names flask-smorest registers its error responses under (HTTPStatus's own).
ERROR_RESPONSES = {
    code: http.HTTPStatus(code).name for code in (400, 401, 403, 404, 409, 413, 415, 422)
}


class ApiBlueprint(SmorestBlueprint):
    """A flask-smorest blueprint whose writes are CSRF-checked only for cookie sessions."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from vftops.extensions import csrf

        csrf.exempt(self)

    def errors(self, *codes: int):
        """Document the error answers of an endpoint in one line: 401 and 403 (every
        endpoint may give them) and the named ones (404, 409, 422 …), in the error format
        of every answer (`ErrorSchema`)."""

        def decorate(view):
            for code in (401, 403, *codes):
                view = self.alt_response(code, response=ERROR_RESPONSES[code])(view)
            return view

        return decorate


class StrictSchema(ma.Schema):
    """Input schemas reject unknown fields (422) instead of ignoring them, and whole
    numbers beyond what the database holds (a query parameter is not JSON: the request
    check does not see it as a number)."""

    class Meta:
        unknown = ma.RAISE

    @ma.validates_schema
    def _numbers_fit_the_database(self, data, **_kwargs):
        errors = {}
        for name, value in data.items():
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, int) and not isinstance(v, bool) and not fits(v) for v in values):
                field = self.fields.get(name)
                errors[(field.data_key if field is not None else None) or name] = [
                    str(number_problem())
                ]
        if errors:
            raise ma.ValidationError(errors)


def optional_text(**kwargs):
    """An optional text input that may be sent as null to clear it."""
    return ma.fields.String(allow_none=True, **kwargs)


class TypedNumber(ma.fields.Field):
    """A number as a person types it: JSON number or text («149,50»), checked by the operation.

    The operation gives the same translated message as the page form does, so a
    client sees one rule whichever way the value came in.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ma.ValidationError(_("Not a number."))
        return value


class CursorQuerySchema(StrictSchema):
    limit = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1, max=500),
        metadata={"description": "Page size (default 50, max 500)"},
    )
    cursor = ma.fields.String(
        load_default=None, metadata={"description": "`next_cursor` from the previous page"}
    )


def list_envelope(item_schema_cls):
    """A schema for `{"items": [...], "next_cursor": ...}` around `item_schema_cls`."""

    class Envelope(ma.Schema):
        items = ma.fields.List(ma.fields.Nested(item_schema_cls))
        next_cursor = ma.fields.String(allow_none=True)
        limit = ma.fields.Integer()

    Envelope.__name__ = item_schema_cls.__name__.replace("Schema", "") + "PageSchema"
    return Envelope


def json_error(
    status: int,
    message: str,
    fields: dict | None = None,
    headers=None,
    details=None,
    translate=str,
):
    body = {"error": {"code": ERROR_CODES.get(status, "error"), "message": str(message)}}
    if details:
        body["error"]["details"] = details
    if fields:
        # However many problems the input had, the answer lists at most MAX_LISTED
        # fields with MAX_LISTED messages each, and says how many more there were.
        listed = {}
        for key, value in fields.items():
            if len(listed) == MAX_LISTED:
                body["error"].setdefault("details", {})["fields_not_listed"] = (
                    len(fields) - MAX_LISTED
                )
                break
            messages = list(value) if isinstance(value, list | tuple) else [value]
            if len(messages) > MAX_LISTED + 1:  # a DomainError's own list is already capped
                messages = [*messages[:MAX_LISTED], more_message(len(messages) - MAX_LISTED)]
            listed[str(key)] = [str(translate(m) if isinstance(m, str) else m) for m in messages]
        body["error"]["fields"] = listed
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def flatten_webargs_messages(messages) -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"name": [...]}}); clients want fields."""
    fields: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            fields.setdefault(prefix or "_schema", []).extend(value)
        else:
            fields.setdefault(prefix or "_schema", []).append(str(value))

    for location_messages in (messages or {}).values():
        walk("", location_messages)
    return fields


# marshmallow's built-in messages, translated once per message rather than as a table.
FIELD_MESSAGES = {
    "Unknown field.": _l("Unknown field."),
    "Missing data for required field.": _l("This field is required."),
    "Not a valid integer.": _l("Not a whole number."),
    "Not a valid string.": _l("Not text."),
    "Not a valid boolean.": _l("Not true or false."),
    "Not a valid list.": _l("Not a list."),
    "Not a valid email address.": _l("Not a valid e-mail address."),
    "Not a valid datetime.": _l("Not a valid date and time."),
    "Not a valid date.": _l("Not a valid date."),
    "Field may not be null.": _l("This field cannot be empty."),
    "Invalid input type.": _l("Wrong type of value."),
    "Invalid JSON body.": _l("The body is not valid JSON."),
}


def translate_field_message(message: str) -> str:
    """marshmallow's built-in messages, in the reader's language."""
    if message.startswith("Must be one of: "):
        return _("Must be one of: %(choices)s", choices=message[len("Must be one of: ") :])
    known = FIELD_MESSAGES.get(message)
    return str(known) if known is not None else message


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _check_upload(types: frozenset[str], limit: int):
    """A method that takes a file as its body: the file's own limit and types."""
    request.max_content_length = limit + 1
    megabytes = max(1, limit // (1024 * 1024))
    if request.content_length is not None and request.content_length > limit:
        return json_error(
            413,
            _("The file is too large: at most %(mb)d MB.", mb=megabytes),
            {"file": [_("The file is too large: at most %(mb)d MB.", mb=megabytes)]},
        )
    if request.mimetype not in types:
        message = _("Send the file as %(types)s.", types=", ".join(sorted(types)))
        return json_error(415, message, {"file": [message]})
    # Read the whole body now, before the caller's token is looked up: on SQLite that
    # lookup opens the write transaction, and a slow upload must not hold it.
    try:
        g.upload = read_upload(limit)
    except RequestEntityTooLarge:
        message = _("The file is too large: at most %(mb)d MB.", mb=megabytes)
        return json_error(413, message, {"file": [message]})
    from flask_login import current_user

    if current_user.is_authenticated and g.get("auth_via") == "session":
        from vftops.extensions import csrf

        csrf.protect()
    return None


def check_api_request():
    """Runs before every /api/ request: body size, content type, CSRF for cookies."""
    if not request.path.startswith("/api/"):
        return None
    upload = upload_of_request()
    if upload is not None:
        return _check_upload(*upload)
    limit = current_app.config["API_MAX_BODY_BYTES"]
    # A chunked body has no length to check here: it is read up to one byte past the
    # limit, so that `vftops.core.inputs` can tell «too large» (413) from «broken» (400).
    request.max_content_length = limit + 1
    if request.content_length is not None and request.content_length > limit:
        return json_error(413, _("The request body is larger than 2 MB."))
    if request.method in SAFE_METHODS:
        return None
    has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding")
    if has_body and not request.is_json:
        return json_error(415, _("Send the request body as application/json."))
    from flask_login import current_user

    # Every method that can change something (DELETE too) needs the CSRF token when
    # the caller is a browser session; a bearer token cannot be sent by another site.
    if current_user.is_authenticated and g.get("auth_via") == "session":
        from vftops.extensions import csrf

        csrf.protect()
    return None
