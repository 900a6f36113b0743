"""Agreements' pages: the form keeps what was typed and names what is wrong, the
deadlines page puts what has passed first and handles a deadline, the start page and the
supplier's page show the agreements to those who follow them, and the pages read in a
fixed number of statements."""

from __future__ import annotations

from datetime import timedelta

from tests.agreements.conftest import lease
from tests.conftest import count_statements, csrf_from, login
from vftops.agreements.terms import add_months
from vftops.core.models import local_today


def _form(shop, **extra):
    data = {
        "title": "Leie av dispensere",
        "reference": "MK-1",
        "kind": "lease",
        "status": "active",
        "municipality_id": str(shop.a.id),
        "supplier_id": str(shop.supplier_id),
        "owner_id": str(shop.buyer.id),
        "starts_on": "2025-01-01",
        "ends_on": "2027-12-31",
        "notice_months": "3",
        "yearly_cost": "496 800",
        "units_paid": "60",
        "product_ids": str(shop.product.id),
    }
    return {**data, **extra}


def test_procurement_registers_an_agreement_and_fixes_what_was_wrong(client, shop):
    login(client, shop.buyer)
    page = client.get("/agreements/new")
    token = csrf_from(page.text)
    wrong = client.post(
        "/agreements/new", data={**_form(shop, ends_on="2024-12-31"), "csrf_token": token}
    )
    assert wrong.status_code == 422
    assert "Avtalen kan ikke slutte før den starter." in wrong.text
    assert 'value="Leie av dispensere"' in wrong.text
    assert 'value="496 800"' in wrong.text
    made = client.post("/agreements/new", data={**_form(shop), "csrf_token": token})
    assert made.status_code == 302
    shown = client.get(made.headers["Location"])
    assert "Leie av dispensere" in shown.text
    assert "496\xa0800,00" in shown.text
    assert "Lifeline Vi" in shown.text
    assert "Tunstall Norge AS" in shown.text


def test_the_deadlines_page_puts_what_passed_first_and_a_decision_handles_it(app, client, shop):
    today = local_today()
    # Notice was due about ten days ago (the term ends in three months less ten days).
    late = shop.api.post(
        "/api/v1/agreements",
        json=lease(
            shop,
            title="Sen oppsigelse",
            starts_on=add_months(today, -24).isoformat(),
            ends_on=(add_months(today, 3) - timedelta(days=10)).isoformat(),
            notice_months=3,
        ),
    ).get_json()
    soon = shop.api.post(
        "/api/v1/agreements",
        json=lease(
            shop,
            title="Snart opsjon",
            renews_automatically=False,
            starts_on=add_months(today, -12).isoformat(),
            ends_on=add_months(today, 12).isoformat(),
        ),
    ).get_json()
    option = shop.api.post(
        f"/api/v1/agreements/{soon['id']}/options",
        json={"months": 12, "decide_by": (today + timedelta(days=20)).isoformat()},
    ).get_json()
    login(client, shop.buyer)
    page = client.get("/agreements/deadlines")
    order = [page.text.index(t) for t in ("Sen oppsigelse", "Snart opsjon")]
    assert order == sorted(order)
    late_by = (today - add_months(add_months(today, 3) - timedelta(days=10), -3)).days
    assert f"{late_by} dager over fristen" in page.text
    assert "20 dager igjen" in page.text
    # Nothing chosen: nothing is decided.
    blank = client.post(
        f"/agreements/{soon['id']}/deadlines",
        data={
            "csrf_token": csrf_from(page.text),
            "kind": "option",
            "due_on": option["decide_by"],
            "decision": "",
            "back": "deadlines",
        },
        follow_redirects=True,
    )
    assert "Velg hva som ble besluttet." in blank.text
    assert "Snart opsjon" in blank.text
    done = client.post(
        f"/agreements/{soon['id']}/deadlines",
        data={
            "csrf_token": csrf_from(page.text),
            "kind": "option",
            "due_on": option["decide_by"],
            "decision": "extend",
            "note": "Vedtatt i møte",
            "back": "deadlines",
        },
        follow_redirects=True,
    )
    assert "Fristen er behandlet: Forlenge." in done.text
    assert "Snart opsjon" not in done.text
    detail = client.get(f"/agreements/{soon['id']}")
    assert "Utløst" in detail.text
    assert add_months(add_months(today, 12), 12).strftime("%d.%m.%Y") in detail.text
    assert "Vedtatt i møte" in detail.text
    assert late["id"]


def test_the_start_page_and_the_suppliers_page_show_agreements_to_those_who_follow_them(
    app, client, factories, shop
):
    today = local_today()
    agreement = shop.api.post(
        "/api/v1/agreements",
        json=lease(
            shop,
            title="Leie med frist",
            starts_on=add_months(today, -24).isoformat(),
            ends_on=(add_months(today, 3) + timedelta(days=20)).isoformat(),
        ),
    ).get_json()
    login(client, shop.buyer)
    start = client.get("/")
    assert 'data-testid="task-agreement-deadlines"' in start.text
    assert "Leie med frist" in start.text
    supplier = client.get(f"/suppliers/{shop.supplier_id}")
    assert f"/agreements/{agreement['id']}" in supplier.text
    tech = factories.user("technician", municipalities=[shop.a])
    client = app.test_client()
    login(client, tech)
    assert "Leie med frist" not in client.get("/").text
    assert "Leie med frist" not in client.get(f"/suppliers/{shop.supplier_id}").text
    client = app.test_client()
    login(client, shop.buyer_b)
    assert "Leie med frist" not in client.get("/agreements/deadlines").text


def test_pages_read_in_a_fixed_number_of_statements(app, client, shop):
    from vftops.core.models import local_today
    from vftops.extensions import db
    from vftops.suppliers.operations import create_supplier

    frameworks = []

    def add(count):
        for n in range(count):
            with app.app_context():
                supplier = create_supplier(None, name=f"Leverandør {len(frameworks):03d}").id
                db.session.commit()
            frameworks.append(
                shop.api.post(
                    "/api/v1/agreements",
                    json=lease(
                        shop, title=f"Ramme {n:03d}", kind="framework", supplier_id=supplier
                    ),
                ).get_json()["id"]
            )
            made = shop.api.post(
                "/api/v1/agreements",
                json=lease(shop, title=f"Avtale {n:03d}", product_ids=[shop.product.id]),
            ).get_json()
            shop.api.post(
                f"/api/v1/agreements/{made['id']}/options",
                json={"months": 12, "decide_by": "2026-06-30"},
            )
            shop.api.post(
                "/api/v1/price-lines",
                json={"agreement_id": made["id"], "service": f"Tjeneste {n}", "unit_price": "1"},
            )
            shop.api.post(
                "/api/v1/deviations",
                json={"agreement_id": made["id"], "kind": "other", "title": f"Avvik {n}"},
            )
            meeting = shop.api.post(
                "/api/v1/supplier-meetings",
                json={"agreement_id": made["id"], "held_on": "2026-11-01"},
            ).get_json()
            shop.api.post(
                f"/api/v1/supplier-meetings/{meeting['id']}/actions",
                json={"text": f"Tiltak {n}", "owner_name": "Kari", "due_on": "2026-12-01"},
            )
        # A mini-competition with a bid from every framework so far; each framework has
        # bid in one more.
        competition = shop.api.post(
            "/api/v1/mini-competitions",
            json={
                "framework_id": frameworks[-1],
                "title": f"Konkurranse {len(frameworks)}",
                "criteria": "Pris",
                "answer_by": local_today().isoformat(),
            },
        ).get_json()
        for n, framework in enumerate(frameworks):
            if n % 2:
                continue  # half have not bid: the bid form offers them
            bid = shop.api.post(
                f"/api/v1/mini-competitions/{competition['id']}/bids",
                json={"agreement_id": framework, "price": str(1000 + n)},
            )
            assert bid.status_code == 201, bid.get_json()
        return made["id"], meeting["id"], competition["id"], frameworks[0]

    login(client, shop.buyer)

    def measure(ids):
        last, meeting, competition, framework = ids
        counts = {}
        for name, url in (
            ("list", "/agreements"),
            ("deadlines", "/agreements/deadlines"),
            ("deviations", "/agreements/deviations"),
            ("agreement", f"/agreements/{last}"),
            ("meeting", f"/agreements/meetings/{meeting}"),
            ("supplier", f"/suppliers/{shop.supplier_id}"),
            ("competition", f"/agreements/competitions/{competition}"),
            ("framework", f"/agreements/{framework}"),
            ("start", "/"),
        ):
            with count_statements(app) as statements:
                assert client.get(url).status_code == 200
            counts[name] = len(statements)
        for name, url in (
            ("competition API", f"/api/v1/mini-competitions/{competition}"),
            ("competitions API", "/api/v1/mini-competitions?limit=100"),
        ):
            with count_statements(app) as statements:
                assert shop.api.get(url).status_code == 200
            counts[name] = len(statements)
        return counts

    few = measure(add(2))
    many = measure(add(12))
    assert few == many
