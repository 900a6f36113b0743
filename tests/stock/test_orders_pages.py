"""Purchase orders (avrop) through the pages: order the shortfall, send, receive in parts."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.conftest import count_statements, csrf_from, login
from vftops.core.models import local_today
from vftops.equipment.models import Device, Movement
from vftops.extensions import db
from vftops.stock.models import (
    OrderReceipt,
    PurchaseOrder,
    StockBalance,
    StockMovement,
)


@pytest.fixture
def world(app, factories):
    from vftops.equipment.models import Store
    from vftops.equipment.operations import create_product
    from vftops.stock import operations as st
    from vftops.suppliers.operations import create_supplier

    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    store = factories.store(m, name="Sentrallager")
    far = factories.store(other, name="Meråker lager")
    with app.app_context():
        supplier = create_supplier(None, name="Alarmleverandøren AS", lead_time_days=10)
        alarm = create_product(
            None,
            category="safety_alarm",
            manufacturer="Tunstall",
            model="Lifeline Vi+",
            supplier_id=supplier.id,
        )
        battery = create_product(
            None,
            category="other",
            manufacturer="Varta",
            model="CR2 batteri",
            is_serialised=False,
            supplier_id=supplier.id,
        )
        st.set_minimum(None, db.session.get(Store, store.id), alarm, minimum=2, reorder_target=4)
        db.session.commit()
        ids = SimpleNamespace(supplier=supplier.id, alarm=alarm.id, battery=battery.id)
    buyer = factories.user("procurement", municipalities=[m], username="innkjop")
    tech = factories.user("technician", municipalities=[m], username="tore")
    return SimpleNamespace(
        m=m,
        other=other,
        store=store,
        far=far,
        buyer=buyer,
        tech=tech,
        supplier=ids.supplier,
        alarm=ids.alarm,
        battery=ids.battery,
    )


def make_order(app, store_id, supplier_id, lines, *, send=True, expected_on=None):
    """An order through the operations: lines are (product id, quantity)."""
    from vftops.equipment.models import Product, Store
    from vftops.stock import operations as st
    from vftops.suppliers.models import Supplier

    with app.app_context():
        order = st.create_order(
            None,
            db.session.get(Store, store_id),
            db.session.get(Supplier, supplier_id),
            lines=[(db.session.get(Product, pid), q) for pid, q in lines],
            expected_on=expected_on,
        )
        if send:
            st.send_order(None, order)
        db.session.commit()
        return SimpleNamespace(
            id=order.id,
            number=order.number,
            lines={line.product_id: line.id for line in order.lines},
        )


def post(client, url, data, page=None):
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(html)})


def version_of(html: str) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)


def text(response) -> str:
    return response.get_data(as_text=True)


def receive_form(order, entries: dict[int, str], reason: str = "") -> dict:
    """The receive form's fields: one entry per line id (serials or a quantity)."""
    data = {"reason": reason}
    for i, (line_id, value) in enumerate(entries.items()):
        data[f"lines-{i}-line_id"] = str(line_id)
        data[f"lines-{i}-received"] = value
    return data


def test_order_the_shortfall_in_two_clicks(app, client, world):
    """From the shortfall board: one click makes a draft and shows it, «Send» sends it."""
    login(client, world.buyer)
    board = text(client.get("/stock"))
    action = f"/stock/stores/{world.store.id}/products/{world.alarm}/order"
    assert action in board
    first = client.post(action, data={"csrf_token": csrf_from(board)})
    assert first.status_code == 302
    page = client.get(first.headers["Location"])
    html = text(page)
    assert "Utkast" in html
    assert "Merk som sendt" in html  # the supplier has no order address: printed
    assert "Tunstall Lifeline Vi+" in html
    assert re.search(r'<td class="text-end">4</td>', html)  # up to the target of 4
    second = client.post(
        f"{first.headers['Location']}/send",
        data={"csrf_token": csrf_from(html), "version": version_of(html)},
        follow_redirects=True,
    )
    html = text(second)
    expected = (local_today() + timedelta(days=10)).strftime("%d.%m.%Y")
    assert "er merket som sendt til Alarmleverandøren AS" in html
    assert expected in html
    assert "Sendt" in html
    with app.app_context():
        order = db.session.scalars(select(PurchaseOrder)).one()
        assert order.status == "sent"
        assert order.expected_on == local_today() + timedelta(days=10)
        assert [(line.product_id, line.quantity) for line in order.lines] == [(world.alarm, 4)]


def test_new_order_names_each_bad_line_and_keeps_what_was_typed(app, client, world):
    """Several lines at once; a wrong line is named on its row and nothing is saved."""
    login(client, world.buyer)
    data = {
        "store_id": world.store.id,
        "supplier_id": world.supplier,
        "agreement_ref": "Rammeavtale 2025-17",
        "lines-0-product_id": world.alarm,
        "lines-0-quantity": "3",
        "lines-0-unit_price": "1 249,50",
        "lines-1-product_id": world.battery,
        "lines-1-quantity": "mange",
        "lines-2-product_id": world.alarm,
        "lines-2-quantity": "1",
        "lines-3-quantity": "5",
    }
    response = post(client, "/stock/orders/new", data)
    html = text(response)
    assert response.status_code == 422
    assert "Velg et produkt for denne linjen." in html
    with app.app_context():
        assert db.session.scalar(select(func.count(PurchaseOrder.id))) == 0
    del data["lines-3-quantity"]
    response = post(client, "/stock/orders/new", data)
    html = text(response)
    assert response.status_code == 422
    errors = re.findall(r'data-testid="line-error">([^<]*)<', html)
    assert errors == [
        "Skriv et helt tall.",
        "Tunstall Lifeline Vi+ står to ganger på bestillingen.",
    ]
    assert 'value="mange"' in html
    assert 'value="Rammeavtale 2025-17"' in html
    data["lines-1-quantity"] = "20"
    del data["lines-2-product_id"], data["lines-2-quantity"]
    response = post(client, "/stock/orders/new", data)
    assert response.status_code == 302
    html = text(client.get(response.headers["Location"]))
    assert "er lagret som utkast" in html
    assert "Rammeavtale 2025-17" in html
    # No date given: today plus the supplier's lead time.
    assert (local_today() + timedelta(days=10)).strftime("%d.%m.%Y") in html
    with app.app_context():
        order = db.session.scalars(select(PurchaseOrder)).one()
        assert order.status == "draft"
        assert {(line.product_id, line.quantity, str(line.unit_price)) for line in order.lines} == {
            (world.alarm, 3, "1249.50"),
            (world.battery, 20, "None"),
        }


def test_receive_in_parts_then_the_rest(app, client, world):
    """A part delivery leaves the order partly received; the rest closes it. Devices and
    consumables are in the store with their ledger lines."""
    order = make_order(app, world.store.id, world.supplier, [(world.alarm, 3), (world.battery, 10)])
    login(client, world.tech)
    url = f"/stock/orders/{order.id}/receive"
    page = text(client.get(url))
    assert "Skann serienumrene" in page
    assert "autofocus" in page
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "version": version_of(page),
            **receive_form(
                order, {order.lines[world.alarm]: "ta-1\nTA-2\n", order.lines[world.battery]: "4"}
            ),
        },
        follow_redirects=True,
    )
    html = text(response)
    assert "2 × Tunstall Lifeline Vi+" in html
    assert "4 × Varta CR2 batteri" in html
    assert "Bestillingen er nå: Delvis mottatt" in html
    with app.app_context():
        assert db.session.get(PurchaseOrder, order.id).status == "partly_received"
    page = text(client.get(url))
    assert "Bestilt 3 · mottatt 2 · gjenstår 1" in page
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "version": version_of(page),
            **receive_form(
                order, {order.lines[world.alarm]: "TA-3", order.lines[world.battery]: "6"}
            ),
        },
        follow_redirects=True,
    )
    html = text(response)
    assert "Bestillingen er nå: Mottatt" in html
    assert "Ta imot levering" not in html  # nothing outstanding
    with app.app_context():
        assert db.session.get(PurchaseOrder, order.id).status == "received"
        devices = db.session.scalars(select(Device).order_by(Device.serial_number)).all()
        assert [(d.serial_number, d.status, d.store_id) for d in devices] == [
            ("TA-1", "in_stock", world.store.id),
            ("TA-2", "in_stock", world.store.id),
            ("TA-3", "in_stock", world.store.id),
        ]
        reasons = db.session.scalars(select(Movement.reason).where(Movement.kind == "receive"))
        assert set(reasons) == {f"Bestilling {order.number}"}
        ledger = db.session.scalars(
            select(StockMovement)
            .where(StockMovement.order_id == order.id)
            .order_by(StockMovement.id)
        ).all()
        assert [(m.quantity, m.balance_after) for m in ledger] == [(4, 4), (6, 10)]
        assert db.session.scalar(select(func.count(OrderReceipt.id))) == 4


def test_more_than_ordered_needs_a_reason(app, client, world):
    """Three alarms came for two ordered: a warning on the line, nothing registered, what was
    scanned kept; with a reason all three are received."""
    order = make_order(app, world.store.id, world.supplier, [(world.alarm, 2)])
    login(client, world.tech)
    url = f"/stock/orders/{order.id}/receive"
    page = text(client.get(url))
    form = {
        "csrf_token": csrf_from(page),
        "version": version_of(page),
        **receive_form(order, {order.lines[world.alarm]: "A-1\nA-2\nA-3"}),
    }
    response = client.post(url, data=form)
    html = text(response)
    assert response.status_code == 422
    assert "1 flere enn bestilt av Tunstall Lifeline Vi+" in html
    assert 'data-testid="line-warning"' in html
    assert "Mer enn bestilt: oppgi en grunn for å ta imot likevel." in html
    assert "A-1\nA-2\nA-3" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Device.id))) == 0
        assert db.session.get(PurchaseOrder, order.id).status == "sent"
    response = client.post(
        url, data={**form, "reason": "Leverandøren sendte en ekstra"}, follow_redirects=True
    )
    html = text(response)
    assert "3 × Tunstall Lifeline Vi+" in html
    assert "mer enn bestilt" in html
    assert "Leverandøren sendte en ekstra" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Device.id))) == 3
        order_row = db.session.get(PurchaseOrder, order.id)
        assert order_row.status == "received"
        assert order_row.lines[0].received_quantity == 3
        receipt = db.session.scalars(select(OrderReceipt)).one()
        assert receipt.reason == "Leverandøren sendte en ekstra"


def test_a_serial_already_registered_is_refused_and_named(app, client, world, factories):
    """One known serial in the scan: the line and serial are named and nothing is registered."""
    factories.device(SimpleNamespace(id=world.alarm), world.store, serial="DUP-1")
    order = make_order(app, world.store.id, world.supplier, [(world.alarm, 3), (world.battery, 5)])
    login(client, world.tech)
    url = f"/stock/orders/{order.id}/receive"
    page = text(client.get(url))
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "version": version_of(page),
            **receive_form(
                order, {order.lines[world.alarm]: "NEW-1\nDUP-1", order.lines[world.battery]: "5"}
            ),
        },
    )
    html = text(response)
    assert response.status_code == 422
    assert "Linje 2: DUP-1 er allerede registrert." in html
    assert "Ingenting ble tatt imot" in html
    with app.app_context():
        assert db.session.scalars(select(Device.serial_number)).all() == ["DUP-1"]
        assert db.session.scalar(select(func.count(StockBalance.id))) == 0
        assert db.session.get(PurchaseOrder, order.id).status == "sent"


def test_cancel_a_sent_order_needs_a_reason(app, client, world):
    order = make_order(app, world.store.id, world.supplier, [(world.battery, 5)])
    login(client, world.buyer)
    url = f"/stock/orders/{order.id}"
    page = text(client.get(url))
    response = client.post(
        f"{url}/cancel",
        data={"csrf_token": csrf_from(page), "version": version_of(page), "reason": ""},
        follow_redirects=True,
    )
    assert "Oppgi hvorfor en sendt bestilling kanselleres." in text(response)
    response = client.post(
        f"{url}/cancel",
        data={"csrf_token": csrf_from(page), "version": version_of(page), "reason": "Feil modell"},
        follow_redirects=True,
    )
    assert f"Bestilling {order.number} er kansellert." in text(response)
    with app.app_context():
        assert db.session.get(PurchaseOrder, order.id).status == "cancelled"


def test_order_list_filters_and_marks_overdue_orders(app, client, world):
    """Open and overdue filters; an order past its expected date stands out."""
    late = make_order(
        app,
        world.store.id,
        world.supplier,
        [(world.battery, 5)],
        expected_on=local_today() - timedelta(days=3),
    )
    on_time = make_order(app, world.store.id, world.supplier, [(world.alarm, 1)])
    draft = make_order(app, world.store.id, world.supplier, [(world.alarm, 2)], send=False)
    login(client, world.tech)
    html = text(client.get("/stock/orders"))
    assert html.count('data-testid="overdue"') == 1
    assert "Forsinket" in html
    for order in (late, on_time, draft):
        assert order.number in html
    html = text(client.get("/stock/orders?overdue=y"))
    assert late.number in html
    assert on_time.number not in html
    assert draft.number not in html
    html = text(client.get("/stock/orders?status=draft"))
    assert draft.number in html
    assert late.number not in html
    detail = text(client.get(f"/stock/orders/{late.id}"))
    assert "Leveransen er forsinket" in detail
    # The technician receives but neither sends nor cancels.
    assert "Ta imot levering" in detail
    assert "Kanseller bestillingen" not in detail


def test_order_list_costs_the_same_whatever_its_length(app, client, world):
    make_order(app, world.store.id, world.supplier, [(world.alarm, 1), (world.battery, 2)])
    login(client, world.tech)
    client.get("/stock/orders")
    with count_statements(app) as few:
        assert client.get("/stock/orders").status_code == 200
    for _ in range(12):
        make_order(app, world.store.id, world.supplier, [(world.alarm, 1), (world.battery, 2)])
    with count_statements(app) as many:
        html = text(client.get("/stock/orders"))
    assert html.count("Varta CR2 batteri") == 13
    assert len(few) == len(many)


def test_another_municipalitys_order_is_not_found(app, client, world, factories):
    order = make_order(app, world.far.id, world.supplier, [(world.battery, 5)])
    admin = factories.user("admin", municipalities=[world.m])
    login(client, admin)
    for url in (f"/stock/orders/{order.id}", f"/stock/orders/{order.id}/receive"):
        assert client.get(url).status_code == 404
    page = text(client.get("/stock/orders"))
    assert "Meråker lager" not in page
    response = client.post(f"/stock/orders/{order.id}/send", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 404


def test_draft_lines_can_change_but_a_sent_order_only_its_date_and_note(app, client, world):
    draft = make_order(app, world.store.id, world.supplier, [(world.alarm, 2)], send=False)
    login(client, world.buyer)
    new_page = text(client.get("/stock/orders/new"))
    # One store and one supplier: both chosen, and the date follows the lead time.
    assert f'value="{(local_today() + timedelta(days=10)).isoformat()}"' in new_page
    url = f"/stock/orders/{draft.id}/edit"
    page = text(client.get(url))
    assert 'name="lines-0-quantity" type="text" value="2"' in page
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "version": version_of(page),
            "lines-0-product_id": world.alarm,
            "lines-0-quantity": "5",
            "lines-1-product_id": world.battery,
            "lines-1-quantity": "40",
            "lines-1-unit_price": "12.50",
            "note": "Haster",
        },
        follow_redirects=True,
    )
    html = text(response)
    assert "Endringene er lagret." in html
    assert "Haster" in html
    with app.app_context():
        order = db.session.get(PurchaseOrder, draft.id)
        assert sorted((line.product_id, line.quantity) for line in order.lines) == [
            (world.alarm, 5),
            (world.battery, 40),
        ]
    html = text(client.get(f"/stock/orders/{draft.id}"))
    client.post(
        f"/stock/orders/{draft.id}/send",
        data={"csrf_token": csrf_from(html), "version": version_of(html)},
    )
    page = text(client.get(url))
    assert 'data-testid="fixed-lines"' in page
    assert 'name="lines-0-product_id"' not in page
    later = local_today() + timedelta(days=30)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "version": version_of(page),
            "expected_on": later.isoformat(),
            "lines-0-product_id": world.alarm,
            "lines-0-quantity": "99",
        },
        follow_redirects=True,
    )
    assert later.strftime("%d.%m.%Y") in text(response)
    with app.app_context():
        order = db.session.get(PurchaseOrder, draft.id)
        assert order.expected_on == later
        assert sorted(line.quantity for line in order.lines) == [5, 40]
