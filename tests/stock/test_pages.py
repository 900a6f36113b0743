"""The store manager's pages: the shortfall board, stores, levels, minimums, suggestions,
history, idle cost and consumables, driven through the real forms."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import count_statements, csrf_from, login
from vftops.core.audit import AuditEvent
from vftops.equipment.models import Store
from vftops.extensions import db
from vftops.stock.models import PurchaseOrder, StockBalance, StockMinimum, StockMovement

OSLO = ZoneInfo("Europe/Oslo")


def text_of(html: str) -> str:
    """The page as a reader sees it: no tags, single spaces (non-breaking ones too)."""
    plain = re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").replace("&nbsp;", " ")
    return re.sub(r"\s+", " ", plain)


def in_app(app, fn):
    """Run `fn` in an application context through the real models, commit, return its result."""
    with app.app_context():
        result = fn()
        db.session.commit()
        return result


def get(model, id_):
    return db.session.get(model, id_)


def post_form(client, url, data, page=None):
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(html)})


def post_button(client, url, page):
    html = client.get(page).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html)})


@pytest.fixture
def world(app, factories):
    from vftops.org.models import Municipality
    from vftops.stock import operations as st
    from vftops.suppliers.operations import create_supplier

    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    central = factories.store(m, name="Sentrallager Værnes")
    local = factories.store(m, name="Kvislamarka minilager", kind="local")
    foreign = factories.store(other, name="Meråker sykehjem")

    def shared_store():
        store = st.create_store(
            None,
            get(Municipality, other.id),
            name="Felleslager Meråker",
            shared_with_ids=[m.id],
        )
        supplier = create_supplier(None, name="Tunstall Norge AS")
        db.session.flush()
        return store.id, supplier.id

    shared_id, supplier_id = in_app(app, shared_store)
    alarm = factories.product("safety_alarm", model="Lifeline Vi+", supplier_id=supplier_id)
    battery = factories.product(
        "other", manufacturer="Varta", model="CR2 batteri", is_serialised=False
    )
    tech = factories.user("technician", municipalities=[m], username="tore")
    buyer = factories.user("procurement", municipalities=[m], username="ingrid")
    manager = factories.user("manager", municipalities=[m], username="lise")
    return {
        "m": m,
        "other": other,
        "central": central,
        "local": local,
        "foreign": foreign,
        "shared": SimpleNamespace(id=shared_id, name="Felleslager Meråker"),
        "alarm": alarm,
        "battery": battery,
        "supplier_id": supplier_id,
        "tech": tech,
        "buyer": buyer,
        "manager": manager,
    }


def set_minimum(app, store, product, minimum, target=None):
    from vftops.equipment.models import Product
    from vftops.stock import operations as st

    in_app(
        app,
        lambda: st.set_minimum(
            None,
            get(Store, store.id),
            get(Product, product.id),
            minimum=minimum,
            reorder_target=target,
        ),
    )


def receive(app, store, product, quantity):
    from vftops.equipment.models import Product
    from vftops.stock import operations as st

    in_app(
        app,
        lambda: st.receive_consumables(
            None, get(Store, store.id), get(Product, product.id), quantity, reason="Levering"
        ),
    )


# --- the shortfall board -----------------------------------------------------------------


def test_board_lists_exactly_the_short_rows_worst_first(app, client, factories, world):
    """Short rows of my stores and of a store shared with me, worst first; another
    municipality's own store is not on my board."""
    w = world
    # Sentrallager: alarm 0 of 3 (empty shelf: worst), batteries 4 of 5.
    set_minimum(app, w["central"], w["alarm"], 3)
    receive(app, w["central"], w["battery"], 4)
    set_minimum(app, w["central"], w["battery"], 5)
    # Kvislamarka: batteries 6 of 10; alarm 2 of 1 is fine.
    receive(app, w["local"], w["battery"], 6)
    set_minimum(app, w["local"], w["battery"], 10)
    factories.device(w["alarm"], w["local"])
    factories.device(w["alarm"], w["local"])
    set_minimum(app, w["local"], w["alarm"], 1)
    # The shared store in Meråker: alarm 1 of 2.
    factories.device(w["alarm"], w["shared"])
    set_minimum(app, w["shared"], w["alarm"], 2)
    # Meråker's own store, not shared: 0 of 5, not mine.
    set_minimum(app, w["foreign"], w["alarm"], 5)

    login(client, w["manager"])
    html = client.get("/stock").get_data(as_text=True)
    rows = re.findall(r'data-testid="shortfall-row" data-store="(\d+)" data-product="(\d+)"', html)
    assert rows == [
        (str(w["central"].id), str(w["alarm"].id)),
        (str(w["shared"].id), str(w["alarm"].id)),
        (str(w["local"].id), str(w["battery"].id)),
        (str(w["central"].id), str(w["battery"].id)),
    ]
    page = text_of(html)
    assert "4 produkter er under minimum" in page
    assert "Felleslager Meråker" in page
    assert "Meråker sykehjem" not in page
    # A manager sees the board but cannot order.
    assert "Bestill det som mangler" not in page


def test_board_offers_a_transfer_before_an_order_and_the_form_comes_filled(
    app, client, factories, world
):
    """The central store has 7 alarms for a minimum of 3 and 30 batteries for 5; the mini
    store has none of either. The board offers «Send 4» and «Send 10» from the central
    store, the technician follows it, scans what the form lists, and the row is covered."""
    w = world
    serials = [factories.device(w["alarm"], w["central"]).serial for _n in range(7)]
    set_minimum(app, w["central"], w["alarm"], 3)
    set_minimum(app, w["local"], w["alarm"], 4)
    receive(app, w["central"], w["battery"], 30)
    set_minimum(app, w["central"], w["battery"], 5)
    set_minimum(app, w["local"], w["battery"], 10)

    # The buyer sees what the central store can send and that nothing is left to order.
    login(client, w["buyer"])
    page = text_of(client.get("/stock").get_data(as_text=True))
    assert "Sentrallager Værnes kan sende 4." in page
    assert "Sentrallager Værnes kan sende 10." in page
    assert "Ingenting å bestille når dette er sendt." in page
    assert "Bestill det som mangler" not in page
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})

    login(client, w["tech"])
    html = client.get("/stock").get_data(as_text=True)
    links = {
        m.group(2): m.group(1).replace("&amp;", "&")
        for m in re.finditer(r'href="(/stock/transfers/new\?[^"]+)">(Send \d+ fra [^<]+)<', html)
    }
    assert set(links) == {"Send 4 fra Sentrallager Værnes", "Send 10 fra Sentrallager Værnes"}
    alarm_link = next(url for url in links.values() if f"product_id={w['alarm'].id}" in url)
    form = client.get(alarm_link).get_data(as_text=True)
    assert "foreslår å sende 4 × Tunstall Lifeline Vi+" in text_of(form)
    listed = re.findall(
        r"<li>([^<]+)</li>", form.split('data-testid="on-shelf"')[1].split("</ul>")[0]
    )
    assert listed == sorted(serials)
    assert re.search(
        rf'<option selected value="{w["local"].id}"|<option value="{w["local"].id}" selected', form
    )
    battery_link = next(url for url in links.values() if f"product_id={w['battery'].id}" in url)
    battery_form = client.get(battery_link).get_data(as_text=True)
    assert re.search(r'name="quantities-0-quantity"[^>]*value="10"', battery_form)

    response = client.post(
        "/stock/transfers/new",
        data={
            "csrf_token": csrf_from(form),
            "from_store_id": str(w["central"].id),
            "to_store_id": str(w["local"].id),
            "serials": "\n".join(listed[:4]),
            "quantities-0-product_id": str(w["battery"].id),
            "quantities-0-quantity": "10",
        },
    )
    assert response.status_code == 302
    page = text_of(client.get("/stock").get_data(as_text=True))
    assert "Send 4 fra" not in page
    assert "Send 10 fra" not in page
    assert page.count("Dekket av det som er bestilt") == 2


def test_empty_board_says_all_stores_are_above_minimum(app, client, world):
    w = world
    set_minimum(app, w["central"], w["battery"], 0)
    login(client, w["tech"])
    page = text_of(client.get("/stock").get_data(as_text=True))
    assert "Alle lagre er over minimum" in page
    assert 'data-testid="shortfall-row"' not in page


def test_order_button_makes_a_draft_order_up_to_the_target(app, client, factories, world):
    """target − available − on order: 6 − 1 − 2 = 3 on a new draft; lands on the order page."""
    from vftops.equipment.models import Product
    from vftops.stock import operations as st
    from vftops.suppliers.models import Supplier

    w = world
    factories.device(w["alarm"], w["central"])
    set_minimum(app, w["central"], w["alarm"], 3, target=6)

    def sent_order():
        order = st.create_order(
            None,
            get(Store, w["central"].id),
            get(Supplier, w["supplier_id"]),
            lines=[(get(Product, w["alarm"].id), 2)],
        )
        st.send_order(None, order)

    in_app(app, sent_order)

    login(client, w["buyer"])
    board = client.get("/stock").get_data(as_text=True)
    assert "Bestill det som mangler" in text_of(board)
    assert "3 settes på en bestilling" in text_of(board)
    response = client.post(
        f"/stock/stores/{w['central'].id}/products/{w['alarm'].id}/order",
        data={"csrf_token": csrf_from(board)},
    )
    assert response.status_code == 302
    with app.app_context():
        draft = db.session.scalars(
            select(PurchaseOrder).where(PurchaseOrder.status == "draft")
        ).one()
        assert [(line.product_id, line.quantity) for line in draft.lines] == [(w["alarm"].id, 3)]
        assert draft.store_id == w["central"].id
        expected = f"/stock/orders/{draft.id}"
    assert response.headers["Location"] == expected


def test_order_button_counts_what_is_on_its_way_from_another_store(app, client, factories, world):
    """Devices on a transfer to the store fill it up too: 6 − 1 available − 2 incoming = 3.
    When transfers cover the target there is nothing to order, and no order is made.
    (The central store keeps a minimum of 3, so it has nothing to spare for a transfer.)"""
    from vftops.stock import operations as st

    w = world
    factories.device(w["alarm"], w["local"], serial="HERE-1")
    for n in range(5):
        factories.device(w["alarm"], w["central"], serial=f"ON-WAY-{n}")
    set_minimum(app, w["local"], w["alarm"], 3, target=6)
    set_minimum(app, w["central"], w["alarm"], 3)

    def send(serials):
        in_app(
            app,
            lambda: st.send_transfer(
                None, get(Store, w["central"].id), get(Store, w["local"].id), serials=serials
            ),
        )

    send(["ON-WAY-0", "ON-WAY-1"])
    login(client, w["buyer"])
    board = client.get("/stock").get_data(as_text=True)
    assert "3 settes på en bestilling" in text_of(board)
    url = f"/stock/stores/{w['local'].id}/products/{w['alarm'].id}/order"
    assert client.post(url, data={"csrf_token": csrf_from(board)}).status_code == 302

    def draft_lines():
        with app.app_context():
            return [
                (line.product_id, line.quantity)
                for line in db.session.scalars(select(PurchaseOrder)).one().lines
            ]

    assert draft_lines() == [(w["alarm"].id, 3)]

    send(["ON-WAY-2", "ON-WAY-3", "ON-WAY-4"])
    html = client.get("/stock").get_data(as_text=True)
    # Still short until the transfers are received (the emptied central store is too).
    row = text_of(html.split(f'data-store="{w["local"].id}"')[1].split("</tr>")[0])
    assert "Dekket av det som er bestilt eller underveis" in row
    assert "Bestill" not in row
    refused = client.post(url, data={"csrf_token": csrf_from(html)}, follow_redirects=True)
    assert (
        "Ingenting å bestille: det som er bestilt eller underveis, fyller allerede "
        "Kvislamarka minilager opp til 6." in text_of(refused.get_data(as_text=True))
    )
    assert draft_lines() == [(w["alarm"].id, 3)]


def test_a_device_can_be_taken_back_to_a_store_shared_with_its_municipality(
    app, client, factories, world
):
    """Meråker shares its store with Stjørdal: a Stjørdal alarm taken back from a recipient can
    go to it, so the return form offers it (and not Meråker's own, unshared store)."""
    from vftops.equipment.models import Device

    w = world
    device = factories.device(w["alarm"], w["central"], serial="BACK-1")
    placement = factories.placement(device, factories.recipient(w["m"]))
    login(client, w["tech"])
    url = f"/placements/{placement.id}/return"
    html = client.get(url).get_data(as_text=True)
    store_select = html.split('name="store_id"')[1].split("</select>")[0]
    assert "Felleslager Meråker" in store_select
    assert "Sentrallager Værnes" in store_select
    assert "Meråker sykehjem" not in store_select
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(html),
            "reason": "faulty",
            "destination": "store",
            "store_id": w["shared"].id,
        },
    )
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[-600:]
    with app.app_context():
        back = get(Device, device.id)
        assert (back.store_id, back.status) == (w["shared"].id, "awaiting_reset")


def test_technician_without_order_rights_cannot_order(app, client, world):
    w = world
    set_minimum(app, w["central"], w["alarm"], 1)
    login(client, w["tech"])
    board = client.get("/stock").get_data(as_text=True)
    assert "Bestill det som mangler" not in board
    response = client.post(
        f"/stock/stores/{w['central'].id}/products/{w['alarm'].id}/order",
        data={"csrf_token": csrf_from(board)},
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(PurchaseOrder.id))) == 0


# --- stores -------------------------------------------------------------------------------


def test_store_list_shows_stores_counts_and_chart(app, client, factories, world):
    w = world
    for _ in range(3):
        factories.device(w["alarm"], w["central"])
    device = factories.device(w["alarm"], w["central"])
    recipient = factories.recipient(w["m"], name="Kari Nordmann")
    factories.placement(device, recipient)  # installed: no longer in the store

    def awaiting():
        from vftops.equipment.models import Device
        from vftops.equipment.operations import change_status

        d = db.session.scalars(
            select(Device).where(Device.store_id == w["central"].id, Device.status == "in_stock")
        ).first()
        change_status(None, d, "awaiting_reset")

    in_app(app, awaiting)
    login(client, w["manager"])
    html = client.get("/stock/stores").get_data(as_text=True)
    page = text_of(html)
    assert "Sentrallager Værnes" in page
    assert "Felleslager Meråker" in page
    assert "Meråker sykehjem" not in page
    assert "Sentrallager" in page
    assert "Stjørdal" in page
    # The chart and its table: 2 in stock and 1 awaiting reset in the central store.
    assert "<svg" in html
    assert 'data-testid="status-chart"' in html
    table = re.search(r'data-testid="status-table">(.*?)</table>', html, re.S).group(1)
    row = re.search(r"Sentrallager Værnes</th>(.*?)</tr>", table, re.S).group(1)
    assert re.findall(r">(\d+)<", row) == ["2", "1", "3"]
    assert "På lager" in text_of(table)
    assert "Venter på tilbakestilling" in text_of(table)


def test_archived_stores_are_hidden_unless_asked_for(app, client, world):
    from vftops.stock import operations as st

    w = world
    in_app(app, lambda: st.update_store(None, get(Store, w["local"].id), is_active=False))
    login(client, w["manager"])
    assert "Kvislamarka minilager" not in client.get("/stock/stores").get_data(as_text=True)
    html = client.get("/stock/stores?archived=1").get_data(as_text=True)
    assert "Kvislamarka minilager" in html
    assert "Arkivert" in text_of(html)


def test_create_a_shared_store_through_the_form(app, client, factories, world):
    w = world
    both = factories.user("technician", municipalities=[w["m"], w["other"]], username="per")
    login(client, both)
    response = post_form(
        client,
        "/stock/stores/new",
        {
            "municipality_id": w["m"].id,
            "name": "Teknikerbil 2",
            "kind": "local",
            "responsible_id": both.id,
            "shared_with_ids": [w["other"].id],
            "address": "Innherredsveien 5",
        },
    )
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Teknikerbil 2" in page
    assert "Delt med Meråker" in page
    assert "Person Per" in page


def test_archiving_a_store_that_holds_devices_is_refused(app, client, factories, world):
    w = world
    factories.device(w["alarm"], w["central"])
    login(client, w["tech"])
    page = client.get(f"/stock/stores/{w['central'].id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(
        f"/stock/stores/{w['central'].id}/edit",
        data={
            "csrf_token": csrf_from(page),
            "version": version,
            "name": "Sentrallager Værnes",
            "kind": "central",
        },
    )
    assert response.status_code == 409
    text = text_of(response.get_data(as_text=True))
    assert "Sentrallager Værnes har fortsatt 1 enheter" in text
    with app.app_context():
        assert get(Store, w["central"].id).is_active


def test_a_stale_store_form_is_refused(app, client, world):
    from vftops.stock import operations as st

    w = world
    login(client, w["tech"])
    page = client.get(f"/stock/stores/{w['central'].id}/edit").get_data(as_text=True)
    in_app(app, lambda: st.update_store(None, get(Store, w["central"].id), note="Endret"))
    response = client.post(
        f"/stock/stores/{w['central'].id}/edit",
        data={
            "csrf_token": csrf_from(page),
            "version": re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1),
            "name": "Nytt navn",
            "kind": "central",
            "is_active": "y",
        },
    )
    assert response.status_code == 409
    with app.app_context():
        assert get(Store, w["central"].id).name == "Sentrallager Værnes"


# --- the store page ---------------------------------------------------------------------


def test_store_page_shows_levels_and_highlights_shortfall(app, client, factories, world):
    w = world
    factories.device(w["alarm"], w["shared"])
    set_minimum(app, w["shared"], w["alarm"], 3, target=5)
    receive(app, w["shared"], w["battery"], 12)
    login(client, w["manager"])
    html = client.get(f"/stock/stores/{w['shared'].id}").get_data(as_text=True)
    page = text_of(html)
    assert "Delt med Stjørdal" in page
    # The main menu names the module «Lager»; the store's own figures are its «Beholdning».
    nav = html.split('data-testid="main-nav"')[1].split("</header>")[0]
    assert re.search(r'href="/stock">\s*Lager\s*</a>', nav)
    assert '<h2 class="h5">Beholdning</h2>' in html
    row = re.search(
        rf'<tr class="table-danger" data-testid="level-row" data-product="{w["alarm"].id}">(.*?)</tr>',
        html,
        re.S,
    ).group(1)
    assert "2 mangler" in text_of(row)
    assert "3 / 5" in text_of(row)
    assert f"/stock/stores/{w['shared'].id}/products/{w['alarm'].id}" in row
    assert "CR2 batteri" in page
    # A manager only reads: no minimum or consumable buttons.
    assert "Endre minimum" not in page
    assert "Ta imot" not in page


def test_manager_of_another_municipality_gets_404(app, client, factories, world):
    w = world
    outsider = factories.user("manager", municipalities=[w["other"]], username="ola")
    login(client, outsider)
    assert client.get(f"/stock/stores/{w['central'].id}").status_code == 404
    # The store Meråker owns and shares with Stjørdal is theirs to see, of course.
    assert client.get(f"/stock/stores/{w['shared'].id}").status_code == 200


def test_store_page_statements_do_not_grow_with_products(app, client, factories, world):
    w = world
    login(client, w["tech"])

    def add_products(count):
        for i in range(count):
            p = factories.product(
                "other", manufacturer="Varta", model=f"Del {i}-{count}", is_serialised=False
            )
            receive(app, w["local"], p, 3)
            set_minimum(app, w["local"], p, 5)

    add_products(2)
    client.get(f"/stock/stores/{w['local'].id}")
    with count_statements(app) as few:
        response = client.get(f"/stock/stores/{w['local'].id}")
    assert response.get_data(as_text=True).count('data-testid="level-row"') == 2
    add_products(18)
    with count_statements(app) as many:
        response = client.get(f"/stock/stores/{w['local'].id}")
    assert response.get_data(as_text=True).count('data-testid="level-row"') == 20
    assert len(many) == len(few), (len(few), len(many))


# --- minimums ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "Skriv et helt tall, 0 eller mer."),
        ("2.5", "Skriv et helt tall."),
        ("abc", "Skriv et helt tall."),
    ],
)
def test_minimum_must_be_a_whole_number(app, client, world, typed, message):
    w = world
    set_minimum(app, w["central"], w["alarm"], 2)
    login(client, w["tech"])
    url = f"/stock/stores/{w['central'].id}/products/{w['alarm'].id}/minimum"
    response = post_form(client, url, {"minimum": typed, "reorder_target": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'id="minimum-error"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert message in error
    assert f'value="{typed}"' in html
    with app.app_context():
        assert db.session.scalars(select(StockMinimum.minimum)).one() == 2


def test_set_change_and_remove_a_minimum(app, client, world):
    w = world
    login(client, w["tech"])
    response = post_form(
        client,
        f"/stock/stores/{w['central'].id}/minimums/new",
        {"product_id": w["alarm"].id, "minimum": "2", "reorder_target": "4"},
    )
    assert response.status_code == 302
    url = f"/stock/stores/{w['central'].id}/products/{w['alarm'].id}/minimum"
    form = client.get(url).get_data(as_text=True)
    assert 'value="2"' in form
    assert 'value="4"' in form
    response = post_form(client, url, {"minimum": "3", "reorder_target": ""})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Minimum for Tunstall Lifeline Vi+ på Sentrallager Værnes er 3." in text_of(page)
    response = client.post(f"{url}/delete", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(StockMinimum.id))) == 0
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("stock_minimum.%"))
        ).all()
        assert sorted(actions) == ["stock_minimum.delete", "stock_minimum.set", "stock_minimum.set"]


# --- suggestions -----------------------------------------------------------------------


def test_suggestion_shows_its_inputs_and_accepting_sets_the_minimum(app, client, factories, world):
    """20 installed from the store, 6 failed in a year, 30 days lead time:
    expected 20 × 0.3 × 30 / 365 = 0.49, margin 1.65 × √0.49 = 1.16, suggested 2."""
    from vftops.equipment.models import Placement
    from vftops.equipment.operations import return_device
    from vftops.suppliers.models import Supplier

    w = world

    def lead_time():
        get(Supplier, w["supplier_id"]).lead_time_days = 30

    in_app(app, lead_time)
    recipient = factories.recipient(w["m"], name="Kari Nordmann")
    placements = []
    for _ in range(26):
        device = factories.device(w["alarm"], w["central"])
        placements.append(factories.placement(device, recipient))
    for p in placements[:6]:
        in_app(
            app,
            lambda p=p: return_device(
                None, get(Placement, p.id), reason="faulty", destination="repair"
            ),
        )
    set_minimum(app, w["central"], w["alarm"], 1)

    login(client, w["buyer"])
    url = f"/stock/stores/{w['central'].id}/suggestions"
    html = client.get(url).get_data(as_text=True)
    card = text_of(
        re.search(r'data-testid="suggestion" data-product="\d+">(.*?)</section>', html, re.S).group(
            1
        )
    )
    assert "Installerte enheter fra dette lageret 20" in card
    assert "Returnert defekt eller byttet, siste 12 måneder 6" in card
    assert "Feilsaker uten retur, siste 12 måneder 0" in card
    assert "Feil, siste 12 måneder 6" in card
    assert "Feilrate per år 0,3" in card
    assert "30 dager" in card
    assert "Forventede feil i leveringstiden 0,49" in card
    assert "1,65 × √0,49 = 1,16" in card
    assert "Foreslått minimum: 2" in card
    assert "nå: 1" in card
    assert "standard leveringstid" not in card.lower()
    assert "× leveringstid i dager ÷ 365" in text_of(html)  # the formula in words

    response = client.post(
        f"/stock/stores/{w['central'].id}/products/{w['alarm'].id}/suggestion",
        data={"csrf_token": csrf_from(html)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == url
    after = text_of(client.get(url).get_data(as_text=True))
    assert "er nå 2, som foreslått" in after
    assert "Minimum er allerede det foreslåtte." in after
    with app.app_context():
        assert db.session.scalars(select(StockMinimum.minimum)).one() == 2
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "stock_minimum.accept")
        ).one()
        assert event.changes["minimum"] == {"before": 1, "after": 2}
        assert event.changes["inputs"]["after"]["installed_base"] == 20
        assert event.changes["inputs"]["after"]["failures_12_months"] == 6


def test_suggestion_says_when_the_lead_time_is_the_standard(app, client, factories, world):
    w = world
    device = factories.device(w["alarm"], w["local"])
    factories.placement(device, factories.recipient(w["m"]))
    login(client, w["manager"])
    page = text_of(client.get(f"/stock/stores/{w['local'].id}/suggestions").get_data(as_text=True))
    assert "14 dager" in page
    assert "Standard leveringstid: leverandøren har ingen." in page
    assert "Bruk forslaget" not in page  # a manager reads only


# --- history --------------------------------------------------------------------------


def test_history_chart_and_table_show_available_per_day(app, client, factories, world):
    """In stock from 10 days ago (1), another from 5 days ago (2), one to repair today (1)."""
    from vftops.core.models import local_today
    from vftops.equipment.models import Device
    from vftops.equipment.operations import change_status

    w = world
    with app.app_context():
        today = local_today()

    def noon(days_ago):
        day = today - timedelta(days=days_ago)
        return datetime.combine(day, time(12), tzinfo=OSLO)

    first = factories.device(w["alarm"], w["central"], received_at=noon(10))
    factories.device(w["alarm"], w["central"], received_at=noon(5))
    in_app(app, lambda: change_status(None, get(Device, first.id), "in_repair"))
    set_minimum(app, w["central"], w["alarm"], 2)

    login(client, w["manager"])
    html = client.get(f"/stock/stores/{w['central'].id}/products/{w['alarm'].id}?days=30").get_data(
        as_text=True
    )
    assert 'data-testid="history-chart"' in html
    assert "Minimum 2" in html
    table = re.search(r'data-testid="history-table">(.*?)</table>', html, re.S).group(1)
    rows = dict(
        re.findall(r"<th scope=\"row\">([\d.]+)</th><td class=\"text-end\">(\d+)</td>", table)
    )
    assert len(rows) == 30

    def day(n):
        return (today - timedelta(days=n)).strftime("%d.%m.%Y")

    assert rows[day(0)] == "1"
    assert rows[day(1)] == "2"
    assert rows[day(5)] == "2"
    assert rows[day(6)] == "1"
    assert rows[day(10)] == "1"
    assert rows[day(11)] == "0"
    assert rows[day(29)] == "0"
    assert "Laveste i perioden: 0" in text_of(html)
    # Other periods; anything else falls back to 90 days.
    assert (
        client.get(f"/stock/stores/{w['central'].id}/products/{w['alarm'].id}?days=365")
        .get_data(as_text=True)
        .count('<th scope="row">')
        == 365
    )
    fallback = client.get(f"/stock/stores/{w['central'].id}/products/{w['alarm'].id}?days=7")
    assert fallback.get_data(as_text=True).count('<th scope="row">') == 90


# --- idle cost --------------------------------------------------------------------------


def test_idle_cost_of_leased_devices_with_rent(app, client, factories, world):
    from vftops.core.models import utcnow
    from vftops.equipment.models import Product

    w = world

    def rent():
        get(Product, w["alarm"].id).monthly_rent = Decimal("450.50")

    in_app(app, rent)
    with app.app_context():
        since = utcnow() - timedelta(days=61)
    factories.device(w["alarm"], w["central"], ownership="leased", received_at=since)
    factories.device(w["alarm"], w["central"], ownership="leased", received_at=since)
    factories.device(w["alarm"], w["central"], ownership="owned")  # owned: no rent
    installed = factories.device(w["alarm"], w["central"], ownership="leased")
    factories.placement(installed, factories.recipient(w["m"]))  # in use: no idle cost
    factories.device(w["alarm"], w["foreign"], ownership="leased")  # not my store

    login(client, w["manager"])
    html = client.get("/stock/idle-cost").get_data(as_text=True)
    rows = re.findall(r'data-testid="idle-row"', html)
    assert len(rows) == 1
    row = text_of(re.search(r'data-testid="idle-row"[^>]*>(.*?)</tr>', html, re.S).group(1))
    assert row.startswith(" Sentrallager Værnes Tunstall Lifeline Vi+ 2 450,50 kr 901,00 kr")
    twelve = re.search(r"901,00 kr ([\d ]+,\d\d) kr", row).group(1)
    # 2 devices × 61 days × 450.50 kr / 30.44 days ≈ 1 805,59 kr
    assert abs(Decimal(twelve.replace(" ", "").replace(",", ".")) - Decimal("1805.59")) < 1
    total = text_of(re.search(r'data-testid="idle-total">(.*?)</tr>', html, re.S).group(1))
    assert "901,00 kr" in total
    assert "ligger 2 leide enheter ubrukt: 901,00 kr i måneden" in text_of(html)


# --- consumables ----------------------------------------------------------------------


def test_receive_issue_and_adjust_consumables(app, client, factories, world):
    w = world
    recipient = factories.recipient(w["m"], name="Kari Nordmann")
    login(client, w["tech"])
    base = f"/stock/stores/{w['central'].id}/consumables"
    response = post_form(
        client,
        f"{base}/receive",
        {"product_id": w["battery"].id, "quantity": "10", "reason": "Levering 7"},
    )
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "10 × Varta CR2 batteri mottatt på Sentrallager Værnes. Nå er det 10." in page
    response = post_form(
        client,
        f"{base}/issue",
        {"product_id": w["battery"].id, "quantity": "3", "recipient_id": recipient.id},
    )
    assert response.status_code == 302
    response = post_form(
        client,
        f"{base}/adjust",
        {"product_id": w["battery"].id, "counted": "5", "reason": "Telt i hylla"},
    )
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "satt til 5 (-2)" in page
    with app.app_context():
        assert db.session.scalars(select(StockBalance.quantity)).one() == 5
        kinds = db.session.scalars(select(StockMovement.kind).order_by(StockMovement.id)).all()
        assert kinds == ["receive", "issue", "adjust"]


def test_issuing_more_than_there_is_changes_nothing(app, client, world):
    w = world
    receive(app, w["central"], w["battery"], 3)
    login(client, w["tech"])
    response = post_form(
        client,
        f"/stock/stores/{w['central'].id}/consumables/issue",
        {"product_id": w["battery"].id, "quantity": "5", "reason": "Til teknikerbil"},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Sentrallager Værnes har bare 3 av Varta CR2 batteri." in text_of(html)
    assert 'id="quantity-error"' in html
    assert 'value="5"' in html
    assert 'value="Til teknikerbil"' in html
    with app.app_context():
        assert db.session.scalars(select(StockBalance.quantity)).one() == 3
        assert db.session.scalar(select(func.count(StockMovement.id))) == 1


def test_issuing_needs_a_recipient_technician_or_reason(app, client, world):
    w = world
    receive(app, w["central"], w["battery"], 3)
    login(client, w["tech"])
    response = post_form(
        client,
        f"/stock/stores/{w['central'].id}/consumables/issue",
        {"product_id": w["battery"].id, "quantity": "1"},
    )
    assert response.status_code == 422
    assert "Oppgi hvem forbruksmateriellet gikk til, eller hvorfor." in text_of(
        response.get_data(as_text=True)
    )


def test_issuing_to_another_municipalitys_technician_or_from_its_store_changes_nothing(
    app, client, factories, world
):
    """A posted form that names Meråker's technician is the field's error; Meråker's own store
    is not found. The ledger keeps only the delivery."""
    w = world
    receive(app, w["central"], w["battery"], 3)
    their_tech = factories.user("technician", municipalities=[w["other"]])
    login(client, w["tech"])
    url = f"/stock/stores/{w['central'].id}/consumables/issue"
    response = post_form(
        client,
        url,
        {"product_id": w["battery"].id, "quantity": "1", "issued_to_id": their_tech.id},
    )
    assert response.status_code == 422
    assert "Ikke et gyldig valg" in response.get_data(as_text=True)
    foreign = post_form(
        client,
        f"/stock/stores/{w['foreign'].id}/consumables/issue",
        {"product_id": w["battery"].id, "quantity": "1", "reason": "x"},
        page=url,
    )
    assert foreign.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(StockBalance.quantity)).one() == 3
        assert db.session.scalar(select(func.count(StockMovement.id))) == 1


def test_archived_store_refuses_to_receive_consumables(app, client, world):
    from vftops.stock import operations as st

    w = world
    in_app(app, lambda: st.update_store(None, get(Store, w["local"].id), is_active=False))
    login(client, w["tech"])
    response = post_form(
        client,
        f"/stock/stores/{w['local'].id}/consumables/receive",
        {"product_id": w["battery"].id, "quantity": "4", "reason": "Levering"},
    )
    assert response.status_code == 409
    assert "Kvislamarka minilager er arkivert og tar ikke imot varer." in text_of(
        response.get_data(as_text=True)
    )
    assert 'value="4"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(StockBalance.id))) == 0


def test_editing_shares_keeps_a_share_the_editor_does_not_work_in(app, client, factories, world):
    """Stjørdal's store is shared with Meråker. A technician of Stjørdal and Selbu adds
    Selbu: the share with Meråker, which they cannot see a checkbox for, stays."""
    from vftops.stock import operations as st

    w = world
    selbu = factories.municipality(name="Selbu", number="5032")
    editor = factories.user("technician", municipalities=[w["m"], selbu], username="siri")
    in_app(
        app,
        lambda: st.update_store(None, get(Store, w["central"].id), shared_with_ids=[w["other"].id]),
    )
    login(client, editor)
    url = f"/stock/stores/{w['central'].id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "Også delt med Meråker, som du ikke jobber i." in text_of(page)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "version": re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1),
            "name": "Sentrallager Værnes",
            "kind": "central",
            "is_active": "y",
            "shared_with_ids": [selbu.id],
        },
    )
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:400]
    detail = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Delt med Meråker, Selbu" in detail
