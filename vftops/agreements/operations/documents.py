"""An agreement's documents: PDFs only, checked by their own bytes, stored under random
names like ticket attachments, with their SHA-256 so a copy can be checked."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l

from vftops.agreements.models import Agreement, AgreementDocument
from vftops.agreements.operations.checks import record
from vftops.core.db import operation, undo_on_rollback
from vftops.core.errors import TooLargeError, ValidationError
from vftops.core.models import utcnow
from vftops.extensions import db
from vftops.support.attachments import file_name, sniff, storage_dir


def path_of(document: AgreementDocument):
    return storage_dir() / document.stored_name


@operation
def add_document(
    actor, agreement: Agreement, filename: str | None, data: bytes
) -> AgreementDocument:
    """Check and store one PDF on the agreement; nothing is stored when it is refused."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    if not data:
        message = _l("Choose a file.")
        raise ValidationError(message, fields={"file": [message]})
    if len(data) > limit:
        message = _l("The file is too large: at most %(mb)d MB.", mb=max(1, limit // (1024 * 1024)))
        raise TooLargeError(message, fields={"file": [message]})
    kind = sniff(data)
    if kind is None or kind[0] != "application/pdf":
        message = _l("Only PDF files can be added to an agreement.")
        raise ValidationError(message, fields={"file": [message]})
    name = file_name(filename, "application/pdf")
    document = AgreementDocument(
        agreement_id=agreement.id,
        filename=name,
        stored_name=f"avtale-{agreement.id}-{secrets.token_hex(16)}.pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=actor.id if actor is not None else None,
        uploaded_at=utcnow(),
    )
    db.session.add(document)
    db.session.flush()
    directory = storage_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / document.stored_name
    with open(target, "xb") as out:  # written last: nothing is left when a step fails
        out.write(data)
    undo_on_rollback(lambda: target.unlink(missing_ok=True))
    record(
        actor,
        "agreement.document_add",
        agreement,
        f"Dokument lagt til avtale {agreement.title}: {name}",
        {
            "document": {"before": None, "after": name},
            "sha256": {"before": None, "after": document.sha256},
        },
    )
    return document
