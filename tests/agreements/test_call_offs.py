"""Call-offs: an order is placed on an agreement of its supplier from the order's page;
a line priced above the agreement is flagged (not refused); the agreement shows its
orders and spend; stock's idle cost takes its rent from the agreement's price line."""

from __future__ import annotations

from decimal import Decimal

from tests.agreements.conftest import lease
from tests.conftest import csrf_from, login


def _order(app, shop, price: str):
    from vftops.equipment.models import Product
    from vftops.extensions import db
    from vftops.org.models import Municipality
    from vftops.stock import operations as st
    from vftops.suppliers.models import Supplier

    with app.app_context():
        store = st.create_store(None, db.session.get(Municipality, shop.a.id), name="Sentrallager")
        order = st.create_order(
            None,
            store,
            db.session.get(Supplier, shop.supplier_id),
            lines=[(db.session.get(Product, shop.product.id), 10, Decimal(price))],
        )
        db.session.commit()
        return order.id, store.id


def test_an_order_is_placed_on_the_agreement_and_a_price_above_it_flagged(
    app, client, factories, shop
):
    agreement = shop.api.post(
        "/api/v1/agreements", json=lease(shop, estimated_value="100000")
    ).get_json()
    shop.api.post(
        "/api/v1/price-lines",
        json={
            "agreement_id": agreement["id"],
            "product_id": shop.product.id,
            "unit_price": "3490",
            "valid_from": "2024-01-01",
        },
    )
    order_id, _store = _order(app, shop, "3690")
    login(client, shop.buyer)
    page = client.get(f"/stock/orders/{order_id}")
    assert "Avrop på avtalen" in page.text
    placed = client.post(
        f"/agreements/orders/{order_id}/place",
        data={"csrf_token": csrf_from(page.text), "agreement_id": agreement["id"]},
        follow_redirects=True,
    )
    assert "Bestillingen er avropt på Leie av trygghetsalarmer." in placed.text
    flag = placed.text.split('data-testid="price-flag"')[1].split("</p>")[0]
    assert "3\xa0690,00\xa0kr" in flag
    assert "3\xa0490,00\xa0kr" in flag
    detail = client.get(f"/agreements/{agreement['id']}")
    assert "36\xa0900,00\xa0kr" in detail.text.split('data-testid="spend"')[1][:200]
    # Another municipality's agreement is not offered and not accepted.
    other = shop.api_b.post(
        "/api/v1/agreements", json=lease(shop, municipality_id=shop.b.id, owner_id=shop.buyer_b.id)
    ).get_json()
    refused = client.post(
        f"/agreements/orders/{order_id}/place",
        data={"csrf_token": csrf_from(page.text), "agreement_id": other["id"]},
    )
    assert refused.status_code == 404


def test_idle_leased_devices_cost_the_agreements_rent(app, client, factories, shop):
    from vftops.stock.queries.idle import idle_costs

    _order_id, store_id = _order(app, shop, "0")
    with app.app_context():
        from vftops.equipment import operations as eq
        from vftops.equipment.models import Product
        from vftops.extensions import db
        from vftops.stock.models import Store

        for n in range(2):
            eq.register_device(
                None,
                product=db.session.get(Product, shop.product.id),
                store=db.session.get(Store, store_id),
                serial_number=f"LEIE-{n}",
                ownership="leased",
            )
        db.session.commit()
        assert [r for r in idle_costs([store_id]) if r.product.id == shop.product.id] == []
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    shop.api.post(
        "/api/v1/price-lines",
        json={
            "agreement_id": agreement["id"],
            "product_id": shop.product.id,
            "monthly_rent": "179",
            "valid_from": "2024-01-01",
        },
    )
    with app.app_context():
        [row] = [r for r in idle_costs([store_id]) if r.product.id == shop.product.id]
        assert row.monthly_rent == Decimal("179.00")
        assert row.cost_per_month == Decimal("358.00")


def test_delivery_time_is_counted_in_working_days_when_promised_so(app, client, shop):
    """Sent a week ago, delivered now: 7 days around the clock, and only the working days
    after the day it was sent (weekends and Norwegian public holidays left out) for a
    level promised in business hours: one working day fewer promised is late; eight
    days around the clock is in time."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    import holidays

    from vftops.agreements import operations as ops
    from vftops.agreements.models import Agreement
    from vftops.core.models import utcnow
    from vftops.extensions import db
    from vftops.stock import operations as st
    from vftops.stock.models import PurchaseOrder

    oslo = ZoneInfo("Europe/Oslo")
    sent = utcnow() - timedelta(days=7)
    first, today = sent.astimezone(oslo).date(), utcnow().astimezone(oslo).date()
    days = [first + timedelta(days=n) for n in range(1, (today - first).days + 1)]
    off = holidays.country_holidays("NO", years={d.year for d in days})
    working = sum(1 for d in days if d.weekday() < 5 and d not in off)
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    for calendar, target in (("business", str(working - 1)), ("24x7", "8")):
        made = shop.api.post(
            "/api/v1/service-levels",
            json={
                "agreement_id": agreement["id"],
                "metric": "delivery_time",
                "target": target,
                "calendar": calendar,
            },
        )
        assert made.status_code == 201, made.get_json()
    order_id, _store = _order(app, shop, "3490")
    with app.app_context():
        order = db.session.get(PurchaseOrder, order_id)
        st.send_order(None, order, at=sent)
        ops.place_on_agreement(None, order, db.session.get(Agreement, agreement["id"]))
        [line] = order.lines
        st.receive_order(None, order, serials={line.id: ["LEV-1"]})
        db.session.commit()
    body = shop.api.get(
        f"/api/v1/agreements/{agreement['id']}/evaluation?from={first.isoformat()}"
        f"&to={today.isoformat()}"
    ).get_json()
    by_calendar = {}
    for trend in body["levels"]:
        level = shop.api.get(f"/api/v1/service-levels/{trend['service_level_id']}").get_json()
        by_calendar[level["calendar"]] = trend
    in_working_days, around_the_clock = by_calendar["business"], by_calendar["24x7"]
    assert [(c["value"], c["breached"]) for c in in_working_days["cases"]] == [
        (float(working), True)
    ]
    assert [(c["value"], c["breached"]) for c in around_the_clock["cases"]] == [(7.0, False)]
    login(client, shop.buyer)
    page = client.get(
        f"/agreements/{agreement['id']}/evaluation?from={first.isoformat()}&to={today.isoformat()}"
    ).text
    assert f"{working - 1} virkedag" in page
    assert "8 dager" in page
