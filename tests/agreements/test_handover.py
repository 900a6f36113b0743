"""The handover protocol: procurement lists what is handed over; the line confirms each
item once, with who and when kept; a confirmed item stays."""

from __future__ import annotations

from tests.agreements.conftest import lease
from tests.conftest import csrf_from, login


def test_the_line_confirms_each_item_of_the_handover(app, client, shop):
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    login(client, shop.buyer)
    page = client.get(f"/agreements/{agreement['id']}")
    empty = client.post(
        f"/agreements/{agreement['id']}/handover",
        data={"csrf_token": csrf_from(page.text), "section": "benefits", "text": " "},
        follow_redirects=True,
    )
    assert "Skriv hva som overleveres." in empty.text
    added = client.post(
        f"/agreements/{agreement['id']}/handover",
        data={
            "csrf_token": csrf_from(page.text),
            "section": "benefits",
            "text": "Gevinstrealiseringsplan: færre nattlige utrykninger",
        },
        follow_redirects=True,
    )
    assert "0 av 1 punkter bekreftet" in added.text
    item = added.text.split("/handover/")[1].split("/")[0]
    it = app.test_client()
    login(it, shop.it)
    detail = it.get(f"/agreements/{agreement['id']}")
    confirmed = it.post(
        f"/agreements/{agreement['id']}/handover/{item}/confirm",
        data={"csrf_token": csrf_from(detail.text), "version": "1"},
        follow_redirects=True,
    )
    assert "Bekreftet: du har tatt det over." in confirmed.text
    assert "Bekreftet av Person It-A" in confirmed.text
    again = it.post(
        f"/agreements/{agreement['id']}/handover/{item}/confirm",
        data={"csrf_token": csrf_from(detail.text), "version": "2"},
        follow_redirects=True,
    )
    assert "har allerede bekreftet det" in again.text
    removed = client.post(
        f"/agreements/{agreement['id']}/handover/{item}/remove",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    assert "Et bekreftet punkt blir stående i protokollen." in removed.text
    assert "1 av 1 punkter bekreftet" in removed.text
