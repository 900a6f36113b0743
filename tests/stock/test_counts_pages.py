"""Stock counts (varetelling) through the pages: scan, count, confirm into ledger lines."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.conftest import count_statements, csrf_from, login
from vftops.equipment.models import Device, Movement, Product
from vftops.extensions import db
from vftops.stock.models import StockBalance, StockCount, StockMovement


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
        m=m, other=other, central=central, car=car, far=far, alarm=alarm, battery=battery, tech=tech
    )


def text(response) -> str:
    return response.get_data(as_text=True)


def version_of(html: str) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)


def start(client, store_id) -> tuple[str, str]:
    page = text(client.get("/stock/counts"))
    response = client.post(f"/stock/stores/{store_id}/counts", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    url = response.headers["Location"]
    return url, text(client.get(url))


def test_starting_a_second_count_goes_to_the_open_one(app, client, world):
    login(client, world.tech)
    url, html = start(client, world.central.id)
    assert "Varetellingen av Sentrallager er startet" in html
    assert "Pågår" in html
    again, html = start(client, world.central.id)
    assert again == url
    assert "En varetelling av Sentrallager pågår allerede. Fortsett den her." in html
    with app.app_context():
        assert db.session.scalar(select(func.count(StockCount.id))) == 1
    listing = text(client.get("/stock/counts"))
    assert "Fortsett varetellingen" in listing


def test_a_count_turns_its_differences_into_ledger_lines(app, client, world, factories):
    """Found, not found (marked lost), found here but registered elsewhere (moved here),
    installed (only reported), unknown, and a consumable counted short (adjusted)."""
    factories.device(world.alarm, world.central, serial="HERE-1")
    missing = factories.device(world.alarm, world.central, serial="GONE-1")
    factories.device(world.alarm, world.central, serial="GONE-2")
    elsewhere = factories.device(world.alarm, world.car, serial="CAR-1")
    installed = factories.device(world.alarm, world.central, serial="HOME-1")
    factories.placement(installed, factories.recipient(world.m, name="Kari Nordmann"))
    login(client, world.tech)
    url, html = start(client, world.central.id)
    assert "autofocus" in html

    def post(path, data):
        page = text(client.get(url))
        return client.post(
            f"{url}/{path}", data={**data, "csrf_token": csrf_from(page)}, follow_redirects=True
        )

    html = text(post("scans", {"serials": "here-1\nCAR-1\n"}))
    assert "2 serienumre registrert." in html
    html = text(post("scans", {"serials": "HERE-1\nHOME-1\nWHO-9"}))  # HERE-1 again
    assert "2 serienumre registrert. 1 var allerede skannet." in html
    assert "4 serienumre skannet så langt." in html
    missing_section = html.split('data-testid="count-missing"')[1].split("</table>")[0]
    assert "GONE-1" in missing_section
    assert "GONE-2" in missing_section
    assert "HERE-1" not in missing_section
    assert "CAR-1" in html.split('data-testid="count-movable"')[1].split("</ul>")[0]
    assert "HOME-1" in html.split('data-testid="count-report-only"')[1].split("</ul>")[0]
    assert "WHO-9" in html.split('data-testid="count-unknown"')[1].split("</ul>")[0]

    # Consumables: count 7 batteries where 10 are registered.
    page = text(client.get(url))
    entry = re.search(rf'name="(lines-\d+)-product_id"[^>]*value="{world.battery.id}"', page)
    response = client.post(
        f"{url}/quantities",
        data={
            "csrf_token": csrf_from(page),
            f"{entry.group(1)}-product_id": world.battery.id,
            f"{entry.group(1)}-counted": "sju",
        },
    )
    assert response.status_code == 422
    assert "Skriv et helt tall." in text(response)
    response = client.post(
        f"{url}/quantities",
        data={
            "csrf_token": csrf_from(page),
            f"{entry.group(1)}-product_id": world.battery.id,
            f"{entry.group(1)}-counted": "7",
        },
        follow_redirects=True,
    )
    html = text(response)
    assert "1 talt antall er lagret." in html
    differences = html.split('data-testid="count-differences"')[1].split("</table>")[0]
    assert "-3" in differences
    with app.app_context():
        assert db.session.scalar(select(StockBalance.quantity)) == 10  # not yet

    page = text(client.get(url))
    response = client.post(
        f"{url}/confirm",
        data={
            "csrf_token": csrf_from(page),
            "version": version_of(page),
            "lost_device_ids": [missing.id],
            "reason": "Årlig varetelling",
        },
        follow_redirects=True,
    )
    html = text(response)
    assert (
        "Varetellingen av Sentrallager er bekreftet: 1 flyttet hit, 1 markert som savnet, "
        "1 forbruksvarer justert." in html
    )
    summary = html.split('data-testid="count-summary"')[1].split("</div>")[0]
    assert "1 enhet flyttet hit" in summary
    assert "1 enhet markert som savnet" in summary
    assert "1 forbruksvare justert" in summary
    assert "Varta CR2: -3 → 7 (Årlig varetelling)" in html
    with app.app_context():
        status = {
            d.serial_number: (d.status, d.store_id) for d in db.session.scalars(select(Device))
        }
        assert status["HERE-1"] == ("in_stock", world.central.id)
        assert status["GONE-1"] == ("lost", None)
        assert status["GONE-2"] == ("in_stock", world.central.id)  # not ticked: stays
        assert status["CAR-1"] == ("in_stock", world.central.id)
        assert status["HOME-1"][0] == "installed"
        reasons = dict(
            db.session.execute(
                select(Movement.device_id, Movement.reason).where(
                    Movement.device_id.in_([missing.id, elsewhere.id]),
                    Movement.kind.in_(["lost", "count"]),
                )
            ).all()
        )
        assert reasons == {
            missing.id: "Årlig varetelling: ikke funnet",
            elsewhere.id: "Årlig varetelling: funnet her",
        }
        assert db.session.scalar(select(StockBalance.quantity)) == 7
        adjust = db.session.scalars(
            select(StockMovement).where(StockMovement.kind == "adjust")
        ).one()
        assert (adjust.quantity, adjust.reason) == (-3, "Årlig varetelling")
        assert adjust.count_id == db.session.scalar(select(StockCount.id))
        assert db.session.scalar(select(StockCount.status)) == "confirmed"


def test_a_count_can_be_cancelled_without_changes(app, client, world, factories):
    factories.device(world.alarm, world.central, serial="GONE-1")
    login(client, world.tech)
    url, html = start(client, world.central.id)
    response = client.post(
        f"{url}/cancel",
        data={"csrf_token": csrf_from(html), "version": version_of(html)},
        follow_redirects=True,
    )
    html = text(response)
    assert "Varetellingen er avbrutt. Ingenting ble endret." in html
    assert "Avbrutt uten endringer" in html
    with app.app_context():
        assert db.session.scalar(select(Device.status)) == "in_stock"
    # The next count can start now.
    again, html = start(client, world.central.id)
    assert again != url


def test_a_reader_sees_the_count_but_cannot_act(app, client, world, factories):
    factories.device(world.alarm, world.central, serial="GONE-1")
    login(client, world.tech)
    url, _html = start(client, world.central.id)
    reader = factories.user("auditor", municipalities=[world.m])
    other = app.test_client()
    login(other, reader)
    html = text(other.get(url))
    assert "GONE-1" in html
    assert "Bekreft varetellingen" not in html
    assert 'name="lost_device_ids"' not in html
    response = other.post(f"{url}/scans", data={"serials": "X", "csrf_token": csrf_from(html)})
    assert response.status_code == 403


def test_count_pages_cost_the_same_whatever_their_length(app, client, world, factories):
    factories.device(world.alarm, world.central, serial="D-X")
    factories.device(world.alarm, world.car, serial="C-X")
    login(client, world.tech)
    url, _page = start(client, world.central.id)

    def scan(serials):
        page = text(client.get(url))
        client.post(f"{url}/scans", data={"csrf_token": csrf_from(page), "serials": serials})

    scan("D-X\nC-X\nWHO-1")
    client.get("/stock/counts")
    with count_statements(app) as few_list:
        client.get("/stock/counts")
    with count_statements(app) as few_detail:
        client.get(url)
    for i in range(15):
        factories.device(world.alarm, world.central, serial=f"D-{i}")
    for i in range(5):
        factories.device(world.alarm, world.car, serial=f"C-{i}")
    scan("\n".join([f"D-{i}" for i in range(8)] + [f"C-{i}" for i in range(5)] + ["WHO-2"]))
    with count_statements(app) as many_detail:
        html = text(client.get(url))
    assert "C-4" in html.split('data-testid="count-movable"')[1]
    assert len(many_detail) == len(few_detail)
    factories.store(world.m, name="Bil 3")
    with count_statements(app) as many_list:
        client.get("/stock/counts")
    assert len(many_list) == len(few_list)


def test_another_municipalitys_count_is_not_found(app, client, world, factories):
    from vftops.equipment.models import Store
    from vftops.stock import operations as st

    with app.app_context():
        count = st.start_count(None, db.session.get(Store, world.far.id))
        db.session.commit()
        count_id = count.id
    admin = factories.user("admin", municipalities=[world.m])
    login(client, admin)
    assert client.get(f"/stock/counts/{count_id}").status_code == 404
    page = text(client.get("/stock/counts"))
    assert "Meråker lager" not in page
    token = csrf_from(page)
    for action, data in (
        ("scans", {"serials": "X-1"}),
        ("quantities", {}),
        ("confirm", {"reason": "x"}),
        ("cancel", {}),
    ):
        response = client.post(
            f"/stock/counts/{count_id}/{action}", data={**data, "csrf_token": token}
        )
        assert response.status_code == 404
    response = client.post(f"/stock/stores/{world.far.id}/counts", data={"csrf_token": token})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(StockCount, count_id).status == "open"
