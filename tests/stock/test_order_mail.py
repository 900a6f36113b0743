"""A purchase order is sent to the supplier for real: an e-mail to the supplier's order
address with the lines in the body and as a spreadsheet, after the sending is
committed, recorded on the order, and tried again by the daily run if the mail server
is down. A supplier without an order address gets «Mark as sent» and a printed order.

The e-mails go to a real SMTP server (aiosmtpd) on a free local port.
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import csrf_from, login
from tests.stock.test_notify import Inbox, _free_port, parts

ORDER_ADDRESS = "ordre@tunstall.example"


@pytest.fixture
def smtp(app, monkeypatch):
    from aiosmtpd.controller import Controller

    handler = Inbox()
    port = _free_port()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_FROM", "vftops <vftops@kommune.example>")
    servers = []

    def start():
        servers.append(Controller(handler, hostname="127.0.0.1", port=port))
        servers[-1].start()

    def stop():
        servers[-1].stop()

    handler.start, handler.stop = start, stop
    start()
    yield handler
    if servers[-1].loop.is_running():
        stop()


@pytest.fixture
def shop(app, factories):
    from vftops.equipment.operations import create_product
    from vftops.extensions import db
    from vftops.stock.operations import create_order
    from vftops.suppliers.operations import create_supplier

    m = factories.municipality(name="Stjørdal", number="5035")
    store = factories.store(m, name="Sentrallager")
    buyer = factories.user("procurement", municipalities=[m], username="ingrid")
    with app.app_context():
        mailed = create_supplier(None, name="Tunstall AS", order_email=ORDER_ADDRESS)
        paper = create_supplier(None, name="Papirleverandøren AS")
        alarm = create_product(
            None, category="safety_alarm", manufacturer="Tunstall", model="Lifeline Vi+"
        )
        from vftops.auth.models import User
        from vftops.equipment.models import Store

        creator = db.session.get(User, buyer.id)
        orders = {}
        for key, supplier in (("mailed", mailed), ("paper", paper)):
            order = create_order(
                creator,
                db.session.get(Store, store.id),
                supplier,
                lines=[(alarm, 3, "2490.00")],
                agreement_ref="RA-2025-17",
            )
            orders[key] = order.id
        db.session.commit()
    return SimpleNamespace(m=m, store=store, buyer=buyer, **orders)


def _order(app, order_id):
    from vftops.extensions import db
    from vftops.stock.models import PurchaseOrder

    with app.app_context():
        order = db.session.get(PurchaseOrder, order_id)
        db.session.expunge(order)
        return order


def _send(client, order_id):
    page = client.get(f"/stock/orders/{order_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return client.post(
        f"/stock/orders/{order_id}/send", data={"csrf_token": csrf_from(page), "version": version}
    )


def test_sending_an_order_e_mails_it_to_the_supplier(app, client, smtp, shop):
    """«Send the order» e-mails the supplier's order address: the lines in the body and as a
    spreadsheet, replies to the buyer; the order says when it left and its Message-ID."""
    login(client, shop.buyer)
    page = client.get(f"/stock/orders/{shop.mailed}").get_data(as_text=True)
    assert "Send bestillingen" in page
    assert ORDER_ADDRESS in page
    response = _send(client, shop.mailed)
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    number = _order(app, shop.mailed).number
    assert number == "5035-2026-0001" or re.fullmatch(r"5035-\d{4}-0001", number)
    assert f"Bestilling {number} er sendt på e-post til {ORDER_ADDRESS}." in shown
    assert 'data-testid="order-mail"' in shown

    message = smtp.to(ORDER_ADDRESS)
    assert message["Subject"] == f"Bestilling {number} fra Stjørdal"
    assert "ingrid@example.no" in message["Reply-To"]
    text, html = parts(message)
    assert "3 × Tunstall Lifeline Vi+" in text
    assert "RA-2025-17" in text
    assert "Sentrallager" in html
    attached = list(message.iter_attachments())
    assert [p.get_filename() for p in attached] == [f"bestilling-{number}.xlsx"]
    sheet = load_workbook(io.BytesIO(attached[0].get_content())).active
    assert [c.value for c in sheet[2]] == ["Tunstall Lifeline Vi+", 3, 2490, 7470]

    order = _order(app, shop.mailed)
    assert order.status == "sent"
    assert order.mail_to == ORDER_ADDRESS
    assert order.mailed_at is not None
    assert order.mail_message_id == message["Message-ID"]


def test_a_supplier_without_an_order_address_gets_a_printed_order(app, client, smtp, shop):
    """Without an order address the button says «Mark as sent», nothing is e-mailed, and
    the order can be printed with its lines and where to deliver."""
    login(client, shop.buyer)
    page = client.get(f"/stock/orders/{shop.paper}").get_data(as_text=True)
    assert "Merk som sendt" in page
    assert "Send bestillingen" not in page
    response = _send(client, shop.paper)
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "er registrert som sendt" in shown or "merket som sendt" in shown
    assert smtp.envelopes == []
    order = _order(app, shop.paper)
    assert (order.status, order.mail_to) == ("sent", None)
    printed = client.get(f"/stock/orders/{shop.paper}/print").get_data(as_text=True)
    assert order.number in printed
    assert "Tunstall Lifeline Vi+" in printed
    assert "Sentrallager" in printed


def test_a_mail_server_that_is_down_is_tried_again_by_the_daily_run(app, client, smtp, shop):
    """With the mail server down the order is sent but its e-mail waits, the page says
    so, and `flask vftops notify` sends it once (not twice)."""
    smtp.stop()
    login(client, shop.buyer)
    response = _send(client, shop.mailed)
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "prøves igjen i den daglige kjøringen" in shown
    order = _order(app, shop.mailed)
    assert (order.status, order.mailed_at, order.mail_attempts) == ("sent", None, 1)
    assert order.mail_error

    smtp.start()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["vftops", "notify"])
    assert f"Order {order.number}: e-mailed to the supplier" in result.output
    assert smtp.to(ORDER_ADDRESS)["Subject"].startswith(f"Bestilling {order.number}")
    runner.invoke(args=["vftops", "notify"])
    assert len(smtp.envelopes) == 1
    assert _order(app, shop.mailed).mailed_at is not None


def test_a_refused_send_sends_nothing(app, client, smtp, shop):
    """A send made on an out-of-date page is refused (409) and no e-mail leaves."""
    login(client, shop.buyer)
    page = client.get(f"/stock/orders/{shop.mailed}").get_data(as_text=True)
    response = client.post(
        f"/stock/orders/{shop.mailed}/send", data={"csrf_token": csrf_from(page), "version": "99"}
    )
    assert response.status_code == 302
    assert smtp.envelopes == []
    assert _order(app, shop.mailed).status == "draft"


def test_the_api_sends_the_order_by_e_mail_too(app, client, smtp, shop, factories):
    """POST /api/v1/purchase-orders/{id}/send e-mails the supplier; the order shows where to."""
    token = factories.token(shop.buyer)
    response = client.post(
        f"/api/v1/purchase-orders/{shop.mailed}/send",
        json={},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert response.get_json()["mail_to"] == ORDER_ADDRESS
    assert smtp.to(ORDER_ADDRESS)
    shown = client.get(
        f"/api/v1/purchase-orders/{shop.mailed}", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert shown["mailed_at"] is not None


def test_order_numbers_name_one_order_in_every_municipality(app, factories):
    """Two municipalities' first orders of the year have different numbers, and the
    database refuses a second order with a number already taken."""
    from sqlalchemy.exc import IntegrityError

    from vftops.core.models import local_today
    from vftops.equipment.models import Store
    from vftops.equipment.operations import create_product
    from vftops.extensions import db
    from vftops.stock.models import PurchaseOrder
    from vftops.stock.operations import create_order
    from vftops.suppliers.operations import create_supplier

    stjordal = factories.store(factories.municipality(name="Stjørdal", number="5035"))
    meraker = factories.store(factories.municipality(name="Meråker", number="5034"))
    with app.app_context():
        supplier = create_supplier(None, name="Doro AS")
        product = create_product(None, category="mobile_alarm", manufacturer="Doro", model="X")
        numbers = [
            create_order(None, db.session.get(Store, s.id), supplier, lines=[(product, 1)]).number
            for s in (stjordal, meraker)
        ]
        db.session.commit()
        year = local_today().year
        assert numbers == [f"5035-{year}-0001", f"5034-{year}-0001"]
        first = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == numbers[0]))
        db.session.add(
            PurchaseOrder(
                municipality_id=first.municipality_id,
                number=numbers[0],
                supplier_id=first.supplier_id,
                store_id=first.store_id,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
