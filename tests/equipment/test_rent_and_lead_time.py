"""A product's monthly rent and a supplier's lead time: on the forms, the list and the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import csrf_from, login
from vftops.equipment.models import Product
from vftops.extensions import db
from vftops.suppliers.models import Supplier


@pytest.fixture
def buyer(factories):
    m = factories.municipality(name="Stjørdal", number="5035")
    return factories.user("procurement", municipalities=[m], username="innkjop")


def _post(client, url, data):
    html = client.get(url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(html)})


PRODUCT = {"category": "safety_alarm", "manufacturer": "Tunstall", "model": "Lifeline Vi+"}


def test_monthly_rent_on_the_product_form_and_list(app, client, buyer):
    """A rent that is not kroner is named in Norwegian and kept; «149,50» is saved and listed."""
    login(client, buyer)
    bad = _post(client, "/products/new", {**PRODUCT, "monthly_rent": "-12,5"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Oppgi månedsleien i kroner" in html
    assert 'value="-12,5"' in html
    assert 'id="monthly_rent-error"' in html
    too_fine = _post(client, "/products/new", {**PRODUCT, "monthly_rent": "149,555"})
    assert too_fine.status_code == 422
    with app.app_context():
        assert db.session.query(Product).count() == 0

    ok = _post(client, "/products/new", {**PRODUCT, "monthly_rent": " 149,50 "})
    assert ok.status_code == 302
    with app.app_context():
        product = db.session.query(Product).one()
        assert product.monthly_rent == Decimal("149.50")
        product_id = product.id
    listing = client.get("/products").get_data(as_text=True)
    assert "Månedsleie" in listing
    assert "149,50 kr" in listing

    form = client.get(f"/products/{product_id}/edit").get_data(as_text=True)
    assert 'value="149.50"' in form
    cleared = _post(
        client,
        f"/products/{product_id}/edit",
        {**PRODUCT, "is_serialised": "y", "is_active": "y", "monthly_rent": ""},
    )
    assert cleared.status_code == 302
    with app.app_context():
        assert db.session.get(Product, product_id).monthly_rent is None


def test_lead_time_on_the_supplier_form(app, client, buyer):
    """A lead time of 0 days or «to uker» is refused beside the field and kept; 21 is saved."""
    login(client, buyer)
    for typed in ("0", "to uker", "2,5"):
        bad = _post(client, "/suppliers/new", {"name": "Tunstall AS", "lead_time_days": typed})
        assert bad.status_code == 422, typed
        html = bad.get_data(as_text=True)
        assert "Oppgi leveringstiden som et helt antall dager" in html
        assert f'value="{typed}"' in html
    ok = _post(client, "/suppliers/new", {"name": "Tunstall AS", "lead_time_days": "21"})
    assert ok.status_code == 302
    with app.app_context():
        supplier = db.session.query(Supplier).one()
        assert supplier.lead_time_days == 21
        supplier_id = supplier.id
    form = client.get(f"/suppliers/{supplier_id}/edit").get_data(as_text=True)
    assert "Leveringstid (dager)" in form
    assert 'value="21"' in form


def test_rent_and_lead_time_through_the_api(app, factories, buyer):
    """The API takes a rent as text or number and a lead time as a whole number; 422 names the field."""
    api = factories.api(buyer)
    for rent in ("-1", "12.345", "mye", True, [149]):
        bad = api.post("/api/v1/products", json={**PRODUCT, "monthly_rent": rent})
        assert bad.status_code == 422, rent
        assert list(bad.get_json()["error"]["fields"]) == ["monthly_rent"], rent
    created = api.post("/api/v1/products", json={**PRODUCT, "monthly_rent": 149.5})
    assert created.status_code == 201
    product = created.get_json()
    assert product["monthly_rent"] == "149.50"
    changed = api.patch(
        f"/api/v1/products/{product['id']}",
        json={"monthly_rent": "1 249,00", "version": product["version"]},
    )
    assert changed.get_json()["monthly_rent"] == "1249.00"
    assert (
        api.patch(f"/api/v1/products/{product['id']}", json={"monthly_rent": None}).get_json()[
            "monthly_rent"
        ]
        is None
    )

    for days in (0, -3, 2.5, "x"):
        bad = api.post("/api/v1/suppliers", json={"name": "Doro AS", "lead_time_days": days})
        assert bad.status_code == 422, days
        assert bad.get_json()["error"]["fields"] == {
            "lead_time_days": ["Oppgi leveringstiden som et helt antall dager, 1 eller flere."]
        }
    supplier = api.post("/api/v1/suppliers", json={"name": "Doro AS", "lead_time_days": 14})
    assert supplier.status_code == 201
    assert supplier.get_json()["lead_time_days"] == 14
    supplier_id = supplier.get_json()["id"]
    patched = api.patch(f"/api/v1/suppliers/{supplier_id}", json={"lead_time_days": "30"})
    assert patched.get_json()["lead_time_days"] == 30
    refused = api.patch(f"/api/v1/suppliers/{supplier_id}", json={"lead_time_days": 0})
    assert refused.status_code == 422
    assert api.get(f"/api/v1/suppliers/{supplier_id}").get_json()["lead_time_days"] == 30
    cleared = api.patch(f"/api/v1/suppliers/{supplier_id}", json={"lead_time_days": None})
    assert cleared.get_json()["lead_time_days"] is None
