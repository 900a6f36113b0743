"""Transfers between stores through the pages: scan, send, receive; races and refusals."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.conftest import count_statements, csrf_from, login, race
from vftops.core.errors import ConflictError
from vftops.equipment.models import Device, Movement, Product
from vftops.extensions import db
from vftops.stock.models import Transfer


@pytest.fixture
def world(app, factories):
    from vftops.equipment.models import Store
    from vftops.stock import operations as st

    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    central = factories.store(m, name="Sentrallager")
    car = factories.store(m, name="Bil 2", kind="local")
    far = factories.store(other, name="Meråker lager")
    alarm = factories.product("safety_alarm", model="Lifeline Vi+")
    battery = factories.product("other", manufacturer="Varta", model="CR2", is_serialised=False)
    with app.app_context():
        st.receive_consumables(
            None, db.session.get(Store, central.id), db.session.get(Product, battery.id), 10
        )
        db.session.commit()
    tech = factories.user("technician", municipalities=[m], username="tore")
    return SimpleNamespace(
        m=m,
        other=other,
        central=central,
        car=car,
        far=far,
        alarm=alarm,
        battery=battery,
        tech=tech,
    )


def text(response) -> str:
    return response.get_data(as_text=True)


def version_of(html: str) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)


def send_form(client, world, serials: str, *, to_store=None, battery: str = "", note: str = ""):
    url = f"/stock/transfers/new?from_store_id={world.central.id}"
    page = text(client.get(url))
    data = {
        "csrf_token": csrf_from(page),
        "from_store_id": world.central.id,
        "to_store_id": (to_store or world.car).id,
        "serials": serials,
        "note": note,
    }
    if battery:
        data |= {"quantities-0-product_id": world.battery.id, "quantities-0-quantity": battery}
    return client.post("/stock/transfers/new", data=data)


def levels(app, store_id, product_id):
    from vftops.stock.queries import levels as level_rows

    with app.app_context():
        rows = level_rows([store_id], product_id=product_id)
        return (rows[0].available, rows[0].incoming) if rows else (0, 0)


def test_a_device_in_transit_is_in_neither_store_until_received(app, client, world, factories):
    """Scanned and sent: in transit, counted in neither store; received: on the other shelf."""
    device = factories.device(world.alarm, world.central, serial="TA-100")
    login(client, world.tech)
    page = text(client.get(f"/stock/transfers/new?from_store_id={world.central.id}"))
    assert "Varta CR2" in page
    assert "10 på lager" in page
    assert "autofocus" in page
    response = send_form(client, world, " ta-100 \n", battery="3", note="Til hjemmebesøk")
    assert response.status_code == 302, text(response)[:2000]
    html = text(client.get(response.headers["Location"]))
    assert "Underveis" in html
    assert "TA-100" in html
    assert levels(app, world.central.id, world.alarm.id) == (0, 0)
    assert levels(app, world.car.id, world.alarm.id) == (0, 1)
    assert levels(app, world.central.id, world.battery.id)[0] == 7
    assert levels(app, world.car.id, world.battery.id)[0] == 0
    with app.app_context():
        assert db.session.get(Device, device.id).status == "in_transit"
        assert db.session.get(Device, device.id).store_id is None
    version = version_of(html)
    url = response.headers["Location"]
    received = client.post(
        f"{url}/receive",
        data={"csrf_token": csrf_from(html), "version": version},
        follow_redirects=True,
    )
    assert "er tatt imot: alt er nå på Bil 2" in text(received)
    assert levels(app, world.car.id, world.alarm.id) == (1, 0)
    assert levels(app, world.car.id, world.battery.id)[0] == 3
    with app.app_context():
        d = db.session.get(Device, device.id)
        assert (d.status, d.store_id) == ("in_stock", world.car.id)
        kinds = db.session.scalars(
            select(Movement.kind).where(Movement.device_id == device.id).order_by(Movement.id)
        ).all()
        assert kinds == ["receive", "transfer_out", "transfer_in"]
    # A second press of «received» (an old page): a clear message, nothing happens twice.
    again = client.post(
        f"{url}/receive",
        data={"csrf_token": csrf_from(html), "version": version},
        follow_redirects=True,
    )
    html = text(again)
    assert "Overføringen er allerede mottatt eller avbrutt." in html
    assert "Person Tore" in html
    assert levels(app, world.car.id, world.battery.id)[0] == 3


def test_cancelling_a_transfer_puts_everything_back(app, client, world, factories):
    factories.device(world.alarm, world.central, serial="TA-1")
    login(client, world.tech)
    response = send_form(client, world, "TA-1", battery="2")
    html = text(client.get(response.headers["Location"]))
    response = client.post(
        f"{response.headers['Location']}/cancel",
        data={"csrf_token": csrf_from(html), "version": version_of(html)},
        follow_redirects=True,
    )
    assert "er avbrutt: alt er tilbake på Sentrallager" in text(response)
    assert levels(app, world.central.id, world.alarm.id) == (1, 0)
    assert levels(app, world.central.id, world.battery.id)[0] == 10


def test_bad_lines_are_named_and_nothing_is_sent(app, client, world, factories):
    factories.device(world.alarm, world.central, serial="GOOD-1")
    factories.device(world.alarm, world.car, serial="CAR-1")
    login(client, world.tech)
    response = send_form(client, world, "GOOD-1\nNOPE-9\nCAR-1\nGOOD-1")
    html = text(response)
    assert response.status_code == 422
    assert "Linje 2: NOPE-9 er ikke registrert." in html
    assert "Linje 3: CAR-1 står ikke på hylla i Sentrallager." in html
    assert "Linje 4: GOOD-1 står også på linje 1." in html
    assert "GOOD-1\nNOPE-9\nCAR-1" in html  # what was scanned is kept
    with app.app_context():
        assert db.session.scalar(select(func.count(Transfer.id))) == 0
        assert {d.status for d in db.session.scalars(select(Device))} == {"in_stock"}


def test_a_transfer_to_an_archived_store_is_refused(app, client, world, factories):
    from vftops.equipment.models import Store
    from vftops.stock import operations as st

    factories.device(world.alarm, world.central, serial="TA-1")
    login(client, world.tech)
    page = text(client.get("/stock/transfers/new"))  # opened before the store was archived
    assert "Bil 2" in page
    with app.app_context():
        st.update_store(None, db.session.get(Store, world.car.id), is_active=False)
        db.session.commit()
    assert "Bil 2" not in text(client.get("/stock/transfers/new"))  # only active stores
    response = client.post(
        "/stock/transfers/new",
        data={
            "csrf_token": csrf_from(page),
            "from_store_id": world.central.id,
            "to_store_id": world.car.id,
            "serials": "TA-1",
        },
    )
    html = text(response)
    assert response.status_code == 409
    assert "Bil 2 er arkivert og tar ikke imot varer." in html
    assert "TA-1</textarea>" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Transfer.id))) == 0


def test_two_technicians_sending_the_last_device_at_once(app, factories, world):
    """Both scanned the only alarm on the shelf: one transfer is made, the other is told."""
    from vftops.equipment.models import Store
    from vftops.stock import operations as st

    device = factories.device(world.alarm, world.central, serial="LAST-1")
    target = {0: world.car.id, 1: factories.store(world.m, name="Bil 3").id}

    def saw(i):
        assert db.session.get(Device, device.id).status == "in_stock"  # both see it on the shelf
        return db.session.get(Store, world.central.id), db.session.get(Store, target[i])

    def send(_i, stores):
        source, to = stores
        return st.send_transfer(None, source, to, serials=["LAST-1"]).id

    outcomes = race(app, send, prepare=saw)
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    lost = next(o for o in outcomes if isinstance(o, ConflictError))
    assert "Someone else changed this at the same time" in str(lost.message)
    with app.app_context():
        assert db.session.scalar(select(func.count(Transfer.id))) == 1
        assert db.session.get(Device, device.id).status == "in_transit"
        assert (
            db.session.scalar(
                select(func.count(Movement.id)).where(Movement.kind == "transfer_out")
            )
            == 1
        )


def test_the_slower_technician_is_told_the_device_is_gone(app, world, factories):
    """Two phones with the form open: the second sender gets a message naming the device."""
    factories.device(world.alarm, world.central, serial="LAST-1")
    other_tech = factories.user("technician", municipalities=[world.m], username="kari")
    first, second = app.test_client(), app.test_client()
    login(first, world.tech)
    login(second, other_tech)
    pages = [
        text(c.get(f"/stock/transfers/new?from_store_id={world.central.id}"))
        for c in (first, second)
    ]
    data = {"from_store_id": world.central.id, "to_store_id": world.car.id, "serials": "LAST-1"}
    one = first.post("/stock/transfers/new", data={**data, "csrf_token": csrf_from(pages[0])})
    two = second.post("/stock/transfers/new", data={**data, "csrf_token": csrf_from(pages[1])})
    assert one.status_code == 302
    assert two.status_code == 422
    assert "Linje 1: LAST-1 står ikke på hylla i Sentrallager." in text(two)
    with app.app_context():
        assert db.session.scalar(select(func.count(Transfer.id))) == 1


def test_transfer_list_shows_transit_first_and_costs_the_same(app, client, world, factories):
    from vftops.equipment.models import Store
    from vftops.stock import operations as st

    def transfer(serial, receive=False):
        factories.device(world.alarm, world.central, serial=serial)
        with app.app_context():
            t = st.send_transfer(
                None,
                db.session.get(Store, world.central.id),
                db.session.get(Store, world.car.id),
                serials=[serial],
                quantities=[(db.session.get(Product, world.battery.id), 1)],
            )
            if receive:
                st.receive_transfer(None, t)
            db.session.commit()
            return t.id

    done = transfer("A-1", receive=True)
    under_way = transfer("A-2")
    login(client, world.tech)
    html = text(client.get("/stock/transfers"))
    rows = re.findall(r'/stock/transfers/(\d+)"', html)
    assert rows[:2] == [str(under_way), str(done)]
    assert "1 enhet, 1 forbruksvare" in html
    with count_statements(app) as few:
        client.get("/stock/transfers")
    for i in range(8):
        transfer(f"B-{i}", receive=i % 2 == 0)
    with count_statements(app) as many:
        html = text(client.get("/stock/transfers"))
    assert html.count('data-testid="transfer-row"') == 10
    assert len(few) == len(many)
    html = text(client.get("/stock/transfers?status=sent"))
    assert html.count('data-testid="transfer-row"') == 5


def test_another_municipalitys_transfer_is_not_found(app, client, world, factories):
    from vftops.equipment.models import Store
    from vftops.stock import operations as st

    factories.device(world.alarm, world.far, serial="FAR-1")
    other_store = factories.store(world.other, name="Meråker bil")
    with app.app_context():
        t = st.send_transfer(
            None,
            db.session.get(Store, world.far.id),
            db.session.get(Store, other_store.id),
            serials=["FAR-1"],
        )
        db.session.commit()
        transfer_id = t.id
    admin = factories.user("admin", municipalities=[world.m])
    login(client, admin)
    assert client.get(f"/stock/transfers/{transfer_id}").status_code == 404
    page = text(client.get("/stock/transfers"))
    assert "Meråker" not in page
    token = csrf_from(page)
    for action in ("receive", "cancel"):
        response = client.post(
            f"/stock/transfers/{transfer_id}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 404
    assert client.get(f"/stock/transfers/new?from_store_id={world.far.id}").status_code == 404
    with app.app_context():
        assert db.session.get(Transfer, transfer_id).status == "sent"


def test_a_sharer_lands_a_transfer_only_in_a_store_it_may_use(app, client, world, factories):
    """Meråker shares a store with Stjørdal. A transfer from it to Stjørdal's own central store
    shows to Meråker, but Meråker can only call it back, never receive it into Stjørdal's store."""
    from vftops.equipment.models import Store
    from vftops.org.models import Municipality
    from vftops.stock import operations as st

    with app.app_context():
        joint = st.create_store(
            None,
            db.session.get(Municipality, world.other.id),
            name="Felleslager",
            shared_with_ids=[world.m.id],
        )
        st.receive_consumables(None, joint, db.session.get(Product, world.battery.id), 5)
        t = st.send_transfer(
            None,
            joint,
            db.session.get(Store, world.central.id),
            quantities=[(db.session.get(Product, world.battery.id), 2)],
        )
        db.session.commit()
        transfer_id, joint_id = t.id, joint.id
    login(client, factories.user("technician", municipalities=[world.other]))
    page = text(client.get(f"/stock/transfers/{transfer_id}"))
    assert "Tatt imot på Sentrallager" not in page
    assert "Avbryt: tilbake til Felleslager" in page
    assert f'href="/stock/stores/{world.central.id}"' not in page
    data = {"csrf_token": csrf_from(page), "version": version_of(page)}
    assert client.post(f"/stock/transfers/{transfer_id}/receive", data=data).status_code == 404
    with app.app_context():
        assert db.session.get(Transfer, transfer_id).status == "sent"
    done = client.post(f"/stock/transfers/{transfer_id}/cancel", data=data, follow_redirects=True)
    assert f"Overføring {transfer_id} er avbrutt: alt er tilbake på Felleslager." in text(done)
    assert levels(app, joint_id, world.battery.id) == (5, 0)
    assert levels(app, world.central.id, world.battery.id) == (10, 0)
