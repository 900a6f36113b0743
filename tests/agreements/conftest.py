"""Two municipalities of a shared service, their buyers, a supplier and a product."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def shop(app, factories):
    a = factories.municipality("Bodø")
    b = factories.municipality("Saltdal")
    buyer = factories.user("procurement", municipalities=[a], username="innkjop-a")
    buyer_b = factories.user("procurement", municipalities=[b], username="innkjop-b")
    both = factories.user("procurement", municipalities=[a, b], username="innkjop-ab")
    it = factories.user("it", municipalities=[a], username="it-a")
    manager = factories.user("manager", municipalities=[a], username="leder-a")
    with app.app_context():
        from vftops.extensions import db
        from vftops.suppliers.operations import create_supplier

        supplier_id = create_supplier(None, name="Tunstall Norge AS").id
        db.session.commit()
    product = factories.product("safety_alarm", model="Lifeline Vi", supplier_id=supplier_id)
    return SimpleNamespace(
        a=a,
        b=b,
        buyer=buyer,
        buyer_b=buyer_b,
        both=both,
        it=it,
        manager=manager,
        product=product,
        supplier_id=supplier_id,
        api=factories.api(buyer),
        api_b=factories.api(buyer_b),
        api_both=factories.api(both),
    )


def lease(shop, **extra) -> dict:
    body = {
        "municipality_id": shop.a.id,
        "title": "Leie av trygghetsalarmer",
        "reference": "2024/1187",
        "kind": "lease",
        "supplier_id": shop.supplier_id,
        "owner_id": shop.buyer.id,
        "starts_on": "2024-01-01",
        "ends_on": "2026-12-31",
        "notice_months": 6,
        "renews_automatically": True,
        "renewal_months": 12,
        "units_paid": 450,
        "yearly_cost": "805 000",
    }
    return {**body, **extra}
