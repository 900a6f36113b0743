"""Mini-competitions (fornyet konkurranse): a purchase under parallel framework agreements
is competed between their suppliers. Bids come in by the last day to bid; after it, one
wins with the reason written down; the order that follows is a call-off on the winner's
agreement and names the competition. What is refused names the field; another
municipality does not see it; two awarding at once leave one winner."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.agreements.conftest import lease
from tests.agreements.test_call_offs import _order
from tests.conftest import csrf_from, login, race_requests
from vftops.core.models import local_today


def _fields(response) -> dict:
    return response.get_json()["error"]["fields"]


def _frameworks(app, shop) -> tuple[dict, dict]:
    """Two parallel framework agreements for alarms: Tunstall's and Careium's."""
    from vftops.extensions import db
    from vftops.suppliers.operations import create_supplier

    with app.app_context():
        careium = create_supplier(None, name="Careium AS").id
        db.session.commit()
    body = {"kind": "framework", "renews_automatically": False, "units_paid": None}
    tunstall = shop.api.post(
        "/api/v1/agreements", json=lease(shop, title="Rammeavtale alarmer – Tunstall", **body)
    ).get_json()
    other = shop.api.post(
        "/api/v1/agreements",
        json=lease(shop, title="Rammeavtale alarmer – Careium", supplier_id=careium, **body),
    ).get_json()
    return tunstall, other


def _bid_day_passes(app, competition_id: int) -> None:
    """The last day to bid was yesterday (time passes between bidding and award)."""
    from vftops.agreements.models import MiniCompetition
    from vftops.extensions import db

    with app.app_context():
        db.session.execute(
            update(MiniCompetition)
            .where(MiniCompetition.id == competition_id)
            .values(answer_by=local_today() - timedelta(days=1))
        )
        db.session.commit()


def test_a_purchase_is_competed_awarded_with_why_and_called_off(app, client, shop):
    tunstall, careium = _frameworks(app, shop)
    today = local_today()
    opened = shop.api.post(
        "/api/v1/mini-competitions",
        json={
            "framework_id": tunstall["id"],
            "title": "40 trygghetsalarmer til sone nord",
            "criteria": "Pris 60 %, leveringstid 40 %",
            "answer_by": today.isoformat(),
        },
    )
    assert opened.status_code == 201, opened.get_json()
    competition = opened.get_json()
    assert (competition["status"], competition["municipality_id"]) == ("open", shop.a.id)
    base = f"/api/v1/mini-competitions/{competition['id']}"
    first = shop.api.post(
        f"{base}/bids", json={"agreement_id": tunstall["id"], "price": "158 000", "score": 87.5}
    )
    assert first.status_code == 201, first.get_json()
    bad_score = shop.api.post(
        f"{base}/bids", json={"agreement_id": careium["id"], "price": "1", "score": 101}
    )
    assert bad_score.status_code == 422
    assert list(_fields(bad_score)) == ["score"]
    second = shop.api.post(
        f"{base}/bids", json={"agreement_id": careium["id"], "price": 149000, "score": "82"}
    )
    assert second.status_code == 201
    twice = shop.api.post(f"{base}/bids", json={"agreement_id": tunstall["id"], "price": "1"})
    assert twice.status_code == 409
    assert "Tunstall Norge AS har allerede" in twice.get_json()["error"]["message"]
    # A wrong price is taken out and registered again.
    assert shop.api.delete(f"{base}/bids/{first.get_json()['id']}").status_code == 204
    assert [b["supplier"] for b in shop.api.get(base).get_json()["bids"]] == ["Careium AS"]
    first = shop.api.post(
        f"{base}/bids", json={"agreement_id": tunstall["id"], "price": "158000", "score": 87.5}
    )
    assert first.status_code == 201
    lease_agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    not_framework = shop.api.post(
        f"{base}/bids", json={"agreement_id": lease_agreement["id"], "price": "1"}
    )
    assert "agreement_id" in _fields(not_framework)
    # The day to bid has not passed: no award yet, others may still bid.
    early = shop.api.post(f"{base}/award", json={"bid_id": first.get_json()["id"], "reason": "x"})
    assert early.status_code == 422
    assert "bid_id" in _fields(early)
    _bid_day_passes(app, competition["id"])
    # The award form chooses nothing by itself and shows the prices as kroner.
    login(client, shop.buyer)
    award_form = client.get(f"/agreements/competitions/{competition['id']}").text.split(
        'id="award-heading"'
    )[1]
    options = award_form.split('name="bid_id"')[1].split("</select>")[0]
    assert 'selected value="">' in options.split("<option")[1]
    assert "Tunstall Norge AS: 158\xa0000,00\xa0kr" in options
    from vftops.extensions import db
    from vftops.suppliers.operations import create_supplier

    with app.app_context():
        doro = create_supplier(None, name="Doro Care AS").id
        db.session.commit()
    third = shop.api.post(
        "/api/v1/agreements",
        json=lease(shop, title="Rammeavtale alarmer – Doro", kind="framework", supplier_id=doro),
    ).get_json()
    late = shop.api.post(
        f"{base}/bids",
        json={"agreement_id": third["id"], "price": "1", "received_on": today.isoformat()},
    )
    assert late.status_code == 422
    assert "kom etter tilbudsfristen" in _fields(late)["received_on"][0]
    no_reason = shop.api.post(f"{base}/award", json={"bid_id": first.get_json()["id"]})
    assert no_reason.status_code == 422
    assert "reason" in _fields(no_reason)
    won = shop.api.post(
        f"{base}/award",
        json={
            "bid_id": first.get_json()["id"],
            "reason": "Høyest samlet poengsum: 87,5 mot 82. Leveringstid 5 mot 15 dager.",
        },
    )
    assert won.status_code == 200, won.get_json()
    body = won.get_json()
    assert body["status"] == "awarded"
    assert [(b["supplier"], b["won"]) for b in body["bids"]] == [
        ("Careium AS", False),
        ("Tunstall Norge AS", True),
    ]
    again = shop.api.post(
        f"{base}/award", json={"bid_id": second.get_json()["id"], "reason": "Likevel"}
    )
    assert again.status_code == 409
    # Once awarded, the bids stand.
    assert shop.api.delete(f"{base}/bids/{second.get_json()['id']}").status_code == 409
    # Another municipality does not see it.
    assert shop.api_b.get(base).status_code == 404
    assert shop.api_b.get("/api/v1/mini-competitions").get_json()["items"] == []

    # The order follows on the winner's agreement and names the competition.
    order_id, _store = _order(app, shop, "3490")
    page = client.get(f"/stock/orders/{order_id}")
    part = page.text.split('data-testid="order-agreement"')[1].split("</section>")[0]
    assert "40 trygghetsalarmer til sone nord" in part
    token = csrf_from(page.text)
    wrong = client.post(
        f"/agreements/orders/{order_id}/place",
        data={
            "csrf_token": token,
            "agreement_id": lease_agreement["id"],
            "competition_id": competition["id"],
        },
        follow_redirects=True,
    )
    assert "Velg en konkurranse som denne avtalens leverandør vant" in wrong.text
    placed = client.post(
        f"/agreements/orders/{order_id}/place",
        data={
            "csrf_token": token,
            "agreement_id": tunstall["id"],
            "competition_id": competition["id"],
        },
        follow_redirects=True,
    )
    linked = placed.text.split('data-testid="order-competition"')[1].split("</p>")[0]
    assert "40 trygghetsalarmer til sone nord" in linked
    detail = client.get(f"/agreements/competitions/{competition['id']}").text
    assert "Høyest samlet poengsum" in detail
    assert "Vinner" in detail.split('data-testid="bids"')[1]
    orders = detail.split('data-testid="competition-orders"')[1].split("</ul>")[0]
    assert f"/stock/orders/{order_id}" in orders
    framework_page = client.get(f"/agreements/{careium['id']}").text
    listed = framework_page.split('data-testid="competitions"')[1].split("</ul>")[0]
    assert "vunnet av Tunstall Norge AS" in listed


def test_the_pages_open_a_competition_keep_what_was_typed_and_register_bids(app, client, shop):
    tunstall, careium = _frameworks(app, shop)
    login(client, shop.buyer)
    form = client.get(f"/agreements/{tunstall['id']}/competitions/new")
    assert form.status_code == 200
    missing = client.post(
        f"/agreements/{tunstall['id']}/competitions/new",
        data={
            "csrf_token": csrf_from(form.text),
            "title": "GPS-klokker til Saltdal",
            "criteria": "",
            "answer_by": (local_today() + timedelta(days=10)).isoformat(),
        },
    )
    assert missing.status_code == 422
    assert 'value="GPS-klokker til Saltdal"' in missing.text
    assert "Skriv tildelingskriteriene" in missing.text
    passed = client.post(
        f"/agreements/{tunstall['id']}/competitions/new",
        data={
            "csrf_token": csrf_from(form.text),
            "title": "GPS-klokker",
            "criteria": "Pris",
            "answer_by": (local_today() - timedelta(days=1)).isoformat(),
        },
    )
    assert passed.status_code == 422
    assert "Tilbudsfristen kan ikke allerede være passert." in passed.text
    made = client.post(
        f"/agreements/{tunstall['id']}/competitions/new",
        data={
            "csrf_token": csrf_from(form.text),
            "title": "GPS-klokker",
            "need": "20 klokker, levert innen januar",
            "criteria": "Pris 70 %, kvalitet 30 %",
            "answer_by": (local_today() + timedelta(days=10)).isoformat(),
        },
        follow_redirects=True,
    )
    assert "Den fornyede konkurransen er åpnet" in made.text
    bid = client.post(
        made.request.path + "/bids",
        data={
            "csrf_token": csrf_from(made.text),
            "agreement_id": careium["id"],
            "price": "49 900",
            "score": "91,5",
        },
        follow_redirects=True,
    )
    assert "Tilbudet fra Careium AS er registrert." in bid.text
    row = bid.text.split('data-testid="bids"')[1].split("</table>")[0]
    assert "49\xa0900,00\xa0kr" in row
    assert "91,5" in row
    # Only Tunstall's framework is left to bid; the award waits for the last day.
    bid_form = bid.text.split('id="bids-heading"')[1]
    assert "Rammeavtale alarmer – Careium" not in bid_form.split("<select")[1].split("</select>")[0]
    assert "Leverandørene kan gi tilbud til og med" in bid.text
    # A manager does not see agreements or their competitions.
    other = app.test_client()
    login(other, shop.manager)
    assert other.get(made.request.path).status_code == 403


def test_two_awarding_at_once_leave_one_winner(app, factories, shop):
    tunstall, careium = _frameworks(app, shop)
    competition = shop.api.post(
        "/api/v1/mini-competitions",
        json={
            "framework_id": tunstall["id"],
            "title": "Sensorer",
            "criteria": "Pris",
            "answer_by": local_today().isoformat(),
        },
    ).get_json()
    base = f"/api/v1/mini-competitions/{competition['id']}"
    bids = [
        shop.api.post(f"{base}/bids", json={"agreement_id": a["id"], "price": p}).get_json()
        for a, p in ((tunstall, "100"), (careium, "90"))
    ]
    _bid_day_passes(app, competition["id"])
    clients = [factories.api(shop.buyer), factories.api(shop.both)]

    def act(i, client, _prepared):
        return client.post(
            f"{base}/award",
            json={"bid_id": bids[i]["id"], "reason": f"Vinner {i}", "version": 1},
        )

    answers = race_requests(clients, act)
    assert sorted(a.status_code for a in answers) == [200, 409]
    final = shop.api.get(base).get_json()
    assert [b["won"] for b in final["bids"]].count(True) == 1
    winner = next(a for a in answers if a.status_code == 200).get_json()
    assert final["reason"] == winner["reason"]


def test_a_bid_sent_while_it_is_awarded_is_refused_not_slipped_in(app, shop):
    """The holder awards while a colleague registers a late-found bid from the page they
    opened before: the award wins, the bid is refused (409), and the awarded
    competition holds only the bids it was decided on."""
    import time

    from tests.conftest import race
    from vftops.agreements import operations as ops
    from vftops.agreements.models import MiniCompetition
    from vftops.core.errors import ConflictError
    from vftops.extensions import db

    tunstall, careium = _frameworks(app, shop)
    competition = shop.api.post(
        "/api/v1/mini-competitions",
        json={
            "framework_id": tunstall["id"],
            "title": "Dørsensorer",
            "criteria": "Pris",
            "answer_by": local_today().isoformat(),
        },
    ).get_json()
    base = f"/api/v1/mini-competitions/{competition['id']}"
    bid = shop.api.post(f"{base}/bids", json={"agreement_id": tunstall["id"], "price": "100"})
    _bid_day_passes(app, competition["id"])

    def prepare(_i):
        found = db.session.get(MiniCompetition, competition["id"])
        assert found.status == "open"  # what each of them saw
        return found

    def act(i, seen):
        if i == 0:
            return ops.award(None, seen, bid_id=bid.get_json()["id"], reason="Eneste tilbud")
        time.sleep(0.5)  # the award is in first
        return ops.add_bid(
            None,
            seen,
            agreement_id=careium["id"],
            price="90",
            received_on=(local_today() - timedelta(days=1)).isoformat(),
        )

    outcomes = race(app, act, prepare=prepare)
    assert isinstance(outcomes[1], ConflictError)
    final = shop.api.get(base).get_json()
    assert final["status"] == "awarded"
    assert [b["supplier"] for b in final["bids"]] == ["Tunstall Norge AS"]


def test_the_last_day_to_bid_is_not_moved_into_the_past(app, shop):
    tunstall, _careium = _frameworks(app, shop)
    competition = shop.api.post(
        "/api/v1/mini-competitions",
        json={
            "framework_id": tunstall["id"],
            "title": "Komfyrvakter",
            "criteria": "Pris",
            "answer_by": (local_today() + timedelta(days=5)).isoformat(),
        },
    ).get_json()
    moved = shop.api.patch(
        f"/api/v1/mini-competitions/{competition['id']}", json={"answer_by": "2000-01-01"}
    )
    assert moved.status_code == 422
    assert "answer_by" in _fields(moved)
    kept = shop.api.patch(
        f"/api/v1/mini-competitions/{competition['id']}", json={"need": "Tolv komfyrvakter"}
    )
    assert kept.status_code == 200
    assert kept.get_json()["answer_by"] == competition["answer_by"]
