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
