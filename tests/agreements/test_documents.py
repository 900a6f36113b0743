"""An agreement's documents: a PDF is kept with its SHA-256 and read back only by those
who see the agreement; anything else, or too large, is refused and nothing is stored."""

from __future__ import annotations

import hashlib
import io

from tests.agreements.conftest import lease
from tests.agreements.world import PDF
from tests.conftest import csrf_from, login


def test_a_pdf_is_kept_and_anything_else_refused(app, client, shop, monkeypatch, tmp_path):
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    login(client, shop.buyer)
    page = client.get(f"/agreements/{agreement['id']}")
    token = csrf_from(page.text)
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    folder = tmp_path

    def stored():
        import pathlib

        return sorted(p.name for p in pathlib.Path(folder).glob("avtale-*"))

    html = client.post(
        f"/agreements/{agreement['id']}/documents",
        data={"csrf_token": token, "file": (io.BytesIO(b"<html><script>"), "avtale.pdf")},
        follow_redirects=True,
    )
    assert "Bare PDF-filer kan legges til en avtale." in html.text
    assert stored() == []
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024 * 1024)
    big = client.post(
        f"/agreements/{agreement['id']}/documents",
        data={"csrf_token": token, "file": (io.BytesIO(PDF + b"0" * (1024 * 1024)), "stor.pdf")},
        follow_redirects=True,
    )
    assert "For stor" in big.text or "for stor" in big.text
    assert stored() == []
    ok = client.post(
        f"/agreements/{agreement['id']}/documents",
        data={"csrf_token": token, "file": (io.BytesIO(PDF), "Signert avtale.pdf")},
        follow_redirects=True,
    )
    assert "Signert avtale.pdf er lagt til." in ok.text
    assert hashlib.sha256(PDF).hexdigest()[:16] in ok.text
    assert len(stored()) == 1
    link = ok.text.split(f"/agreements/{agreement['id']}/documents/")[1].split('"')[0]
    got = client.get(f"/agreements/{agreement['id']}/documents/{link}")
    assert got.data == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    other = app.test_client()
    login(other, shop.buyer_b)
    assert other.get(f"/agreements/{agreement['id']}/documents/{link}").status_code == 404


def _stored(folder) -> list[str]:
    import pathlib

    return sorted(p.name for p in pathlib.Path(folder).glob("avtale-*"))


def test_the_api_adds_lists_reads_and_removes_a_pdf(app, shop, monkeypatch, tmp_path):
    """A program sends the PDF itself as the body; the list, the bytes and the removal
    follow the agreement's municipalities, and the audit log keeps the file's SHA-256."""
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    base = f"/api/v1/agreements/{agreement['id']}/documents"
    added = shop.api.post(
        f"{base}?filename=Signert avtale.pdf", data=PDF, content_type="application/pdf"
    )
    assert added.status_code == 201, added.get_json()
    body = added.get_json()
    assert body["filename"] == "Signert avtale.pdf"
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["size"] == len(PDF)
    listed = shop.api.get(base).get_json()
    assert [d["filename"] for d in listed] == ["Signert avtale.pdf"]
    got = shop.api.get(f"{base}/{body['id']}")
    assert got.data == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    # Another municipality sees neither the list nor the file, and cannot remove it.
    assert shop.api_b.get(base).status_code == 404
    assert shop.api_b.get(f"{base}/{body['id']}").status_code == 404
    assert shop.api_b.delete(f"{base}/{body['id']}").status_code == 404
    assert len(_stored(tmp_path)) == 1
    assert shop.api.delete(f"{base}/{body['id']}").status_code == 204
    assert shop.api.get(base).get_json() == []
    assert _stored(tmp_path) == []
    assert shop.api.get(f"{base}/{body['id']}").status_code == 404
    with app.app_context():
        from sqlalchemy import select

        from vftops.core.audit import AuditEvent
        from vftops.extensions import db

        removed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "agreement.document_remove")
        ).one()
        assert removed.changes["sha256"]["before"] == hashlib.sha256(PDF).hexdigest()


def test_the_api_refuses_what_is_not_a_pdf_and_stores_nothing(app, shop, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 64 * 1024)
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    base = f"/api/v1/agreements/{agreement['id']}/documents"
    html = shop.api.post(base, data=b"<html><script>", content_type="application/pdf")
    assert html.status_code == 422
    assert html.get_json()["error"]["fields"]["file"] == [
        "Bare PDF-filer kan legges til en avtale."
    ]
    as_json = shop.api.post(base, json={"file": "x"})
    assert as_json.status_code == 415
    assert "application/pdf" in as_json.get_json()["error"]["message"]
    big = shop.api.post(base, data=PDF + b"0" * (64 * 1024), content_type="application/pdf")
    assert big.status_code == 413
    assert "file" in big.get_json()["error"]["fields"]
    empty = shop.api.post(base, data=b"", content_type="application/pdf")
    assert empty.status_code == 422
    assert "file" in empty.get_json()["error"]["fields"]
    # Only the managing municipality adds documents; a reader of another gets 404.
    other = shop.api_b.post(base, data=PDF, content_type="application/pdf")
    assert other.status_code == 404
    assert _stored(tmp_path) == []
    assert shop.api.get(base).get_json() == []


def test_the_page_removes_a_document_and_its_file(app, client, shop, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    shop.api.post(
        f"/api/v1/agreements/{agreement['id']}/documents?filename=Utkast.pdf",
        data=PDF,
        content_type="application/pdf",
    )
    login(client, shop.buyer)
    page = client.get(f"/agreements/{agreement['id']}")
    assert "Utkast.pdf" in page.text
    action = page.text.split('action="')[1:]
    remove = next(
        a.split('"')[0]
        for a in action
        if a.split('"')[0].endswith("/remove") and "/documents/" in a.split('"')[0]
    )
    done = client.post(remove, data={"csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert "Utkast.pdf er fjernet fra avtalen." in done.text
    assert "Ingen dokumenter ennå." in done.text
    assert _stored(tmp_path) == []


def test_a_name_with_a_line_break_or_a_direction_override_is_cleaned(
    app, shop, monkeypatch, tmp_path
):
    """A name goes into the download's header: a line break would break it (500), a
    right-to-left override would show «gpj.exe» as «exe.jpg». Both are made spaces or
    dropped, and the file downloads under the cleaned name."""
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    base = f"/api/v1/agreements/{agreement['id']}/documents"
    added = shop.api.post(
        f"{base}?filename=Bilag%0D%0A2%E2%80%AE.pdf", data=PDF, content_type="application/pdf"
    )
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["filename"] == "Bilag 2.pdf"
    got = shop.api.get(f"{base}/{added.get_json()['id']}")
    assert got.status_code == 200
    assert got.data == PDF
    assert "Bilag 2.pdf" in got.headers["Content-Disposition"]


def test_a_pdf_handed_over_in_pieces_is_stored_whole(app, shop, monkeypatch, tmp_path):
    """A server may pass the body on in small reads: the whole file is stored, not the
    first piece."""
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    body = PDF + b"%" + b"x" * 100_000 + b"\n%%EOF\n"

    class Trickle(io.BytesIO):
        """Hands the body over 4 KB at a time, however much is asked for."""

        def read(self, size=-1):
            return super().read(4096 if size is None or size < 0 else min(size, 4096))

        def readinto(self, buffer):
            piece = self.read(len(buffer))
            buffer[: len(piece)] = piece
            return len(piece)

        read1 = read

    added = shop.api.post(
        f"/api/v1/agreements/{agreement['id']}/documents?filename=stor.pdf",
        input_stream=Trickle(body),
        content_type="application/pdf",
        headers={"Content-Length": str(len(body))},
    )
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["size"] == len(body)
    assert added.get_json()["sha256"] == hashlib.sha256(body).hexdigest()
