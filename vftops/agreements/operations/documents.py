"""An agreement's documents: PDFs only, checked by their own bytes, stored under random
names like ticket attachments, with their SHA-256 so a copy can be checked."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.agreements.models import Agreement, AgreementDocument
from vftops.agreements.operations.agreements import check_manages
from vftops.agreements.operations.checks import record
from vftops.core.db import operation, take_write_lock, undo_on_rollback, when_finished
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
    check_manages(actor, agreement)
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
    undo_on_rollback(lambda: target.unlink(missing_ok=True))  # a half-written file too
    with open(target, "xb") as out:  # written last: nothing is left when a step fails
        out.write(data)
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


@operation
def remove_document(actor, document: AgreementDocument) -> None:
    """Take a document off the agreement (a wrong file, a draft): the row now, the file
    once that is committed. The audit log keeps its name and SHA-256."""
    agreement = document.agreement
    check_manages(actor, agreement)
    take_write_lock(Agreement, agreement.id)
    still = select(AgreementDocument.id).where(AgreementDocument.id == document.id)
    if db.session.scalar(still) is None:
        return  # removed by someone else a moment ago: the outcome is the same
    target = path_of(document)
    name, digest = document.filename, document.sha256
    db.session.delete(document)
    when_finished(committed=lambda: target.unlink(missing_ok=True))
    record(
        actor,
        "agreement.document_remove",
        agreement,
        f"Dokument fjernet fra avtale {agreement.title}: {name}",
        {
            "document": {"before": name, "after": None},
            "sha256": {"before": digest, "after": None},
        },
    )
