"""Photos and PDFs on tickets: checked by size and by their content, stored under random names.

The file's own bytes decide its type (a «.jpg» that is really HTML is refused), the
name on disk is random (never the uploader's), and files are read back only through
a view that has checked the ticket is in the user's scope.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from vftops.core import audit
from vftops.core.db import operation, undo_on_rollback
from vftops.core.errors import TooLargeError, ValidationError
from vftops.extensions import db
from vftops.support.models import EntryKind, Ticket, TicketAttachment

# Signature → (content type, extension). Phones send JPEG (iPhones convert HEIC when
# uploading through a browser), PNG or WebP; scanners and suppliers send PDF.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None when not an image or PDF."""
    for signature, content_type, extension in SIGNATURES:
        if data.startswith(signature):
            return content_type, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "image/heic", "heic"
    return None


EXTENSIONS = {content_type: extension for _sig, content_type, extension in SIGNATURES} | {
    "image/webp": "webp",
    "image/heic": "heic",
}


_UNSHOWN = re.compile("[\t\n\r\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def file_name(filename: str | None, content_type: str) -> str:
    """The uploader's name with the extension of what the file really is: a JPEG sent
    as «x.html» is kept and served as «x.jpg», never as something a browser would run."""
    extension = EXTENSIONS.get(content_type, "bin")
    # A name goes into the download's Content-Disposition header: no line breaks or
    # tabs (a header cannot hold them), no direction overrides (a «gpj.exe» that reads
    # as «exe.jpg»).
    name = " ".join(_UNSHOWN.sub(" ", filename or "").split())
    name = os.path.basename(name.replace("\\", "/")).strip()
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(". ")[:190] or "vedlegg"
    return f"{stem}.{extension}"


def storage_dir() -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"])


def path_of(attachment: TicketAttachment) -> Path:
    return storage_dir() / attachment.stored_name


@operation
def add_attachment(actor, ticket: Ticket, filename: str | None, data: bytes) -> TicketAttachment:
    """Check and store one file on the ticket; nothing is stored when it is refused."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    if not data:
        message = _l("Choose a file.")
        raise ValidationError(message, fields={"file": [message]})
    if len(data) > limit:
        message = _l("The file is too large: at most %(mb)d MB.", mb=max(1, limit // (1024 * 1024)))
        raise TooLargeError(message, fields={"file": [message]})
    kind = sniff(data)
    if kind is None:
        message = _l("Only photos (JPEG, PNG, WebP, HEIC) and PDF files can be attached.")
        raise ValidationError(message, fields={"file": [message]})
    content_type, extension = kind
    name = file_name(filename, content_type)
    stored_name = f"{ticket.municipality_id}-{secrets.token_hex(16)}.{extension}"
    attachment = TicketAttachment(
        ticket_id=ticket.id,
        filename=name,
        content_type=content_type,
        size=len(data),
        stored_name=stored_name,
        uploaded_by_id=actor.id if actor is not None else None,
    )
    db.session.add(attachment)
    db.session.flush()
    directory = storage_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / stored_name
    # Written last: if anything above fails, no file is left behind.
    with open(target, "xb") as out:
        out.write(data)
    # Rolled back later in the request (another step refused): no file without its row.
    undo_on_rollback(lambda: target.unlink(missing_ok=True))
    from vftops.support.operations import log_line

    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        f"Vedlegg lagt til: {name}",
        # The name is read from the line itself: a purge scrubs the line of the names of
        # the people it forgets, and a file name may hold one.
        event="attached",
    )
    audit.record(
        actor,
        "ticket.attach",
        ticket,
        # Not the file name: it often names the person, and the log is kept for ever.
        f"Sak #{ticket.id}: vedlegg lagt til ({content_type}, {len(data)} byte)",
        municipality_id=ticket.municipality_id,
    )
    return attachment
