"""Choosing a recipient or a device from a long list: the type-ahead's lookups answer from
the user's municipalities only, by name, address or journal reference, and the form works
without JavaScript beyond the options it holds."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.conftest import csrf_from, login
from vftops.core.picker import LOOKUP_LIMIT, PRELOAD


@pytest.fixture
def world(app, factories):
    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    store = factories.store(m, name="Sentrallager")
    foreign_store = factories.store(other, name="Meråker lager")
    alarm = factories.product("safety_alarm", manufacturer="Tunstall", model="Lifeline Vi+")
    moen = [
        factories.recipient(m, name="Arne Moen", address=address)
        for address in ("Fjellvegen 97", "Stokkanvegen 83", "Moafjæra 12")
    ]
    stranger = factories.recipient(other, name="Arne Moen", address="Meråkervegen 1")
    tech = factories.user("technician", municipalities=[m], username="tore")
    return SimpleNamespace(
        m=m,
        other=other,
        store=store,
        foreign_store=foreign_store,
        alarm=alarm,
        moen=moen,
        stranger=stranger,
        tech=tech,
    )


def _lookup(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["text"] for item in response.get_json()["results"]]


def test_three_arne_moen_are_told_apart_by_address_and_the_lookup_stays_home(client, world):
    login(client, world.tech)
    assert _lookup(client, "/recipients/lookup?q=arne%20moen") == [
        "Arne Moen, Fjellvegen 97",
        "Arne Moen, Moafjæra 12",
        "Arne Moen, Stokkanvegen 83",
    ]
    # Part of an address, with or without a house number, finds the person living there.
    assert _lookup(client, "/recipients/lookup?q=stokkan") == ["Arne Moen, Stokkanvegen 83"]
    assert _lookup(client, "/recipients/lookup?q=Fjellvegen%2097") == ["Arne Moen, Fjellvegen 97"]
    # Meråker's Arne Moen is not in a Stjørdal technician's answers, even when asked for.
    assert _lookup(client, f"/recipients/lookup?q=moen&municipality_id={world.other.id}") == []
    answer = client.get("/recipients/lookup?q=moen").get_json()["results"][0]
    assert set(answer) == {"value", "text"}  # no more personal data than the option shows


def test_the_lookup_answers_a_few_and_refuses_nonsense(client, world, factories):
    for n in range(LOOKUP_LIMIT + 5):
        factories.recipient(world.m, name=f"Kari Nordmann {n:02d}", address="Elvevegen 1")
    login(client, world.tech)
    assert len(_lookup(client, "/recipients/lookup?q=nordmann")) == LOOKUP_LIMIT
    assert client.get("/recipients/lookup?municipality_id=abc").status_code == 400
    assert client.get("/recipients/lookup?municipality_id=99999999999999999999").status_code == 400
    assert client.get("/devices/lookup?status=melted").status_code == 400
    assert client.get("/devices/lookup?q=" + "x" * 5000).status_code == 200


def test_the_device_lookup_finds_a_serial_in_stock_in_my_municipality(client, world, factories):
    factories.device(world.alarm, world.store, serial="LV-1001")
    factories.device(world.alarm, world.store, serial="LV-1002")
    factories.device(world.alarm, world.foreign_store, serial="LV-1003")
    login(client, world.tech)
    found = _lookup(
        client, f"/devices/lookup?q=LV-100&status=in_stock&municipality_id={world.m.id}"
    )
    assert found == ["LV-1001 – Tunstall Lifeline Vi+", "LV-1002 – Tunstall Lifeline Vi+"]
    assert _lookup(client, "/devices/lookup?q=LV-1003") == []


def test_someone_without_the_right_gets_no_answers(client, world, factories):
    buyer = factories.user("procurement", municipalities=[world.m], username="ingrid")
    login(client, buyer)
    assert client.get("/recipients/lookup?q=moen").status_code == 403


def test_without_javascript_a_long_list_is_narrowed_and_any_recipient_can_be_chosen(
    client, world, factories, app
):
    """More recipients than the page holds: the page says so and offers a search box; the
    box narrows the list, and a recipient beyond the first ones can still be installed at."""
    from vftops.equipment.models import Recipient
    from vftops.extensions import db
    from vftops.org.models import Municipality

    with app.app_context():
        m = db.session.get(Municipality, world.m.id)
        db.session.add_all(
            Recipient(municipality_id=m.id, name=f"Aase Aasen {n:03d}", address="Vegen 1")
            for n in range(PRELOAD + 10)
        )
        db.session.commit()
    last = factories.recipient(world.m, name="Østen Øvergård", address="Øvre vei 9")
    device = factories.device(world.alarm, world.store, serial="LV-2001")
    login(client, world.tech)
    page = client.get(f"/devices/{device.id}/install").get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="(\d+)"', page)
    assert len(options) == PRELOAD
    assert "Østen Øvergård" not in page
    assert 'name="recipient_id_q"' in page

    narrowed = client.get(f"/devices/{device.id}/install?recipient_id_q=%C3%B8vre").get_data(
        as_text=True
    )
    assert re.findall(r"<option[^>]*value=\"\d+\"[^>]*>([^<]+)<", narrowed) == [
        "Østen Øvergård, Øvre vei 9"
    ]
    # Chosen without the box (as the type-ahead does): installed, and named on the result.
    response = client.post(
        f"/devices/{device.id}/install",
        data={
            "csrf_token": csrf_from(page),
            "version": re.search(r'name="version"[^>]*value="(\d+)"', page).group(1),
            "recipient_id": str(last.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/recipients/{last.id}")


def test_another_municipalitys_recipient_cannot_be_slipped_in(client, world, factories):
    device = factories.device(world.alarm, world.store, serial="LV-3001")
    login(client, world.tech)
    page = client.get(f"/devices/{device.id}/install").get_data(as_text=True)
    response = client.post(
        f"/devices/{device.id}/install",
        data={
            "csrf_token": csrf_from(page),
            "version": re.search(r'name="version"[^>]*value="(\d+)"', page).group(1),
            "recipient_id": str(world.stranger.id),
            "config_note": "Ekstra kontakt",
        },
    )
    assert response.status_code == 404


def test_a_big_catalogue_does_not_weigh_down_the_device_list(client, world, app):
    """2,000 products made the device list 156 KB of filter options. The page holds the
    first ones; the product filter finds the rest by typing (or, without JavaScript, by
    the Find box), and a product chosen beyond them stays chosen."""
    from vftops.equipment.models import Product
    from vftops.extensions import db

    with app.app_context():
        db.session.add_all(
            Product(category="other", manufacturer="Acme", model=f"Modell {n:04d}")
            for n in range(PRELOAD + 50)
        )
        db.session.commit()
        far = db.session.scalars(
            select(Product).where(Product.model == f"Modell {PRELOAD + 40:04d}")
        ).one()
        far_id = far.id
    login(client, world.tech)
    page = client.get("/devices").get_data(as_text=True)
    product_options = re.findall(
        r'<option[^>]*value="(\d+)"', page.split('id="product_id"')[1].split("</select>")[0]
    )
    assert len(product_options) == PRELOAD
    assert 'name="product_id_q"' in page

    assert _lookup(client, f"/products/lookup?q=modell%20{PRELOAD + 40:04d}") == [
        f"Acme Modell {PRELOAD + 40:04d} – Annet"
    ]
    chosen = client.get(f"/devices?product_id={far_id}").get_data(as_text=True)
    assert re.search(
        rf'<option selected value="{far_id}"|<option value="{far_id}" selected', chosen
    )
    narrowed = client.get("/devices?product_id_q=modell%2002").get_data(as_text=True)
    names = re.findall(
        r"Acme Modell (\d+)", narrowed.split('id="product_id"')[1].split("</select>")[0]
    )
    assert names == [f"{n:04d}" for n in range(200, 250) if f"{n:04d}".startswith("02")]


def test_a_job_cannot_be_planned_with_a_device_out_or_already_chosen(client, world, factories):
    """The device picker finds any device by serial; the plan is refused, on the form, for
    one that is installed somewhere or already chosen for another planned install."""
    installed = factories.device(world.alarm, world.store, serial="LV-9001")
    factories.placement(installed, world.moen[1])
    free = factories.device(world.alarm, world.store, serial="LV-9002")
    login(client, world.tech)
    url = f"/recipients/{world.moen[0].id}/visits/new"

    def plan(device):
        page = client.get(url).get_data(as_text=True)
        return client.post(
            url,
            data={
                "csrf_token": csrf_from(page),
                "kind": "install",
                "assigned_to_id": str(world.tech.id),
                "planned_on": "2030-01-02",
                "device_id": str(device.id),
                "note": "Ta med lader",
            },
        )

    refused = plan(installed)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Velg en enhet som er på lager." in html
    assert "Ta med lader" in html
    assert plan(free).status_code == 302
    again = plan(free)
    assert again.status_code == 422
    assert "allerede valgt til et annet planlagt oppdrag" in again.get_data(as_text=True)
