"""Suppliers: the organisation number checked, the address, the contacts, and the supplier's
page (what the modules above add to it is tested with those modules)."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from, login


@pytest.fixture
def people(app, factories):
    a = factories.municipality("Bodø")
    return {
        "buyer": factories.user("procurement", municipalities=[a]),
        "tech": factories.user("technician", municipalities=[a]),
    }


def test_an_organisation_number_must_carry_its_check_digit(app, factories, people):
    buyer = factories.api(people["buyer"])
    wrong = buyer.post("/api/v1/suppliers", json={"name": "Tunstall AS", "org_number": "974760674"})
    assert wrong.status_code == 422
    assert "kontrollsiffer" in wrong.get_json()["error"]["fields"]["org_number"][0]
    short = buyer.post("/api/v1/suppliers", json={"name": "Tunstall AS", "org_number": "97476067"})
    assert "ni sifre" in short.get_json()["error"]["fields"]["org_number"][0]
    # A remainder of 1 gives the check digit 10: no number ends so.
    ten = buyer.post("/api/v1/suppliers", json={"name": "Tunstall AS", "org_number": "912345678"})
    assert ten.status_code == 422
    assert buyer.get("/api/v1/suppliers").get_json()["items"] == []
    made = buyer.post(
        "/api/v1/suppliers",
        json={
            "name": "Tunstall AS",
            "org_number": "974 760 673",
            "street_address": "Postboks 1",
            "postcode": "0101",
            "city": "Oslo",
        },
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["org_number"], body["postcode"], body["city"]) == ("974760673", "0101", "Oslo")
    bad_code = buyer.patch(f"/api/v1/suppliers/{body['id']}", json={"postcode": "01"})
    assert bad_code.status_code == 422
    assert "fire sifre" in bad_code.get_json()["error"]["fields"]["postcode"][0]


def test_a_number_registered_before_the_check_is_kept_when_other_things_change(
    app, factories, people
):
    from vftops.extensions import db
    from vftops.suppliers.models import Supplier

    with app.app_context():
        old = Supplier(name="Gammel AS", org_number="912345678")
        db.session.add(old)
        db.session.commit()
        supplier_id = old.id
    buyer = factories.api(people["buyer"])
    ok = buyer.patch(f"/api/v1/suppliers/{supplier_id}", json={"city": "Bodø"})
    assert ok.status_code == 200
    assert ok.get_json()["org_number"] == "912345678"
    assert (
        buyer.patch(
            f"/api/v1/suppliers/{supplier_id}", json={"org_number": "912345679"}
        ).status_code
        == 422
    )


def test_contacts_are_added_changed_and_removed_through_the_api(app, factories, people):
    buyer = factories.api(people["buyer"])
    supplier = buyer.post("/api/v1/suppliers", json={"name": "Tunstall AS"}).get_json()
    base = f"/api/v1/suppliers/{supplier['id']}/contacts"
    nothing = buyer.post(base, json={"name": "Kari", "role": "account_manager"})
    assert nothing.status_code == 422
    assert set(nothing.get_json()["error"]["fields"]) == {"email", "phone"}
    wrong_role = buyer.post(base, json={"name": "Kari", "role": "boss", "phone": "1"})
    assert "role" in wrong_role.get_json()["error"]["fields"]
    kari = buyer.post(
        base, json={"name": "Kari Nordmann", "role": "account_manager", "email": "kari@t.example"}
    ).get_json()
    assert kari["role"] == "account_manager"
    stale = buyer.patch(f"{base}/{kari['id']}", json={"phone": "900 00 000", "version": 0})
    assert stale.status_code == 409
    changed = buyer.patch(
        f"{base}/{kari['id']}", json={"phone": "900 00 000", "version": kari["version"]}
    )
    assert changed.get_json()["phone"] == "900 00 000"
    listed = buyer.get(f"/api/v1/suppliers/{supplier['id']}").get_json()["contacts"]
    assert [(c["name"], c["phone"]) for c in listed] == [("Kari Nordmann", "900 00 000")]
    other = buyer.post("/api/v1/suppliers", json={"name": "Annen AS"}).get_json()
    assert buyer.delete(f"/api/v1/suppliers/{other['id']}/contacts/{kari['id']}").status_code == 404
    assert buyer.delete(f"{base}/{kari['id']}").status_code == 204
    assert buyer.get(base).get_json() == []
    tech = factories.api(people["tech"])
    assert tech.get(base).status_code == 200
    assert tech.post(base, json={"name": "X", "phone": "1"}).status_code == 403


def test_procurement_keeps_contacts_on_the_suppliers_page(app, client, factories, people):
    login(client, people["buyer"])
    page = client.get("/suppliers/new")
    made = client.post(
        "/suppliers/new",
        data={"csrf_token": csrf_from(page.text), "name": "Tunstall AS", "org_number": "974760674"},
    )
    assert made.status_code == 422
    assert "kontrollsiffer" in made.text
    assert 'value="974760674"' in made.text
    made = client.post(
        "/suppliers/new",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "Tunstall AS",
            "org_number": "974760673",
            "street_address": "Postboks 1",
            "postcode": "0101",
            "city": "Oslo",
        },
    )
    assert made.status_code == 302
    supplier_page = made.headers["Location"]
    new = client.get(f"{supplier_page}/contacts/new")
    refused = client.post(
        f"{supplier_page}/contacts/new",
        data={"csrf_token": csrf_from(new.text), "name": "Ola Support", "role": "support"},
    )
    assert refused.status_code == 422
    assert 'value="Ola Support"' in refused.text
    assert "telefonnummer" in refused.text
    client.post(
        f"{supplier_page}/contacts/new",
        data={
            "csrf_token": csrf_from(new.text),
            "name": "Ola Support",
            "role": "support",
            "phone": "+47 22 00 00 00",
        },
    )
    shown = client.get(supplier_page)
    assert "974760673" in shown.text
    assert "Postboks 1, 0101 Oslo" in shown.text
    assert "Ola Support" in shown.text
    assert "<td>Support</td>" in shown.text
    assert 'href="tel:+47 22 00 00 00"' in shown.text
    from sqlalchemy import select

    from vftops.core.audit import AuditEvent
    from vftops.extensions import db

    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        events = [e for e in events if e.action.startswith("supplier.")]
        assert [e.action for e in events] == ["supplier.create", "supplier.contact_add"]
        assert events[1].changes["contact_role"] == {"before": None, "after": "support"}


def test_a_technician_reads_the_supplier_page_but_cannot_change_it(app, client, factories, people):
    buyer = factories.api(people["buyer"])
    supplier = buyer.post("/api/v1/suppliers", json={"name": "Tunstall AS"}).get_json()
    buyer.post(
        f"/api/v1/suppliers/{supplier['id']}/contacts",
        json={"name": "Kari Nordmann", "role": "support", "phone": "123"},
    )
    login(client, people["tech"])
    page = client.get(f"/suppliers/{supplier['id']}")
    assert "Kari Nordmann" in page.text
    assert "/contacts/new" not in page.text
    assert "/edit" not in page.text
    assert client.get(f"/suppliers/{supplier['id']}/contacts/new").status_code == 403
    assert client.get("/suppliers/99999").status_code == 404
