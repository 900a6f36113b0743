"""Deviations: a ticket whose escalation broke the agreement's time to fix offers a
deviation in one click; a deviation is followed up with the supplier and closed; what is
refused names the field; a closed one is not changed; another municipality's is not
found."""

from __future__ import annotations

from datetime import timedelta

from tests.agreements.conftest import lease
from tests.conftest import csrf_from, login
from vftops.core.models import utcnow


def _escalated(app, shop, *, hours_ago: float, fixed_after: float | None):
    """A system-fault ticket of Bodø escalated to the supplier `hours_ago`, fixed
    `fixed_after` hours after (None: not yet)."""
    from vftops.extensions import db
    from vftops.suppliers.models import Supplier
    from vftops.support import operations as sup

    with app.app_context():
        ticket = sup.create_ticket(
            None,
            shop.a.id,
            title="Responssenteret mottar ikke alarmer",
            kind="system_fault",
            channel="phone",
            reporter_kind="employee",
        )
        at = utcnow() - timedelta(hours=hours_ago)
        sup.escalate(None, ticket, db.session.get(Supplier, shop.supplier_id), at=at)
        if fixed_after is not None:
            sup.record_supplier_response(
                None,
                ticket,
                answered_at=at + timedelta(minutes=20),
                fixed_at=at + timedelta(hours=fixed_after),
            )
        db.session.commit()
        return ticket.id


def _centre(shop, target="4"):
    made = shop.api.post(
        "/api/v1/agreements",
        json=lease(shop, title="Responssentertjeneste", kind="service", units_paid=None),
    ).get_json()
    shop.api.post(
        "/api/v1/service-levels",
        json={"agreement_id": made["id"], "metric": "fix_time", "target": target},
    )
    return made


def test_a_broken_fix_time_becomes_a_deviation_in_one_click(app, client, factories, shop):
    agreement = _centre(shop)
    late = _escalated(app, shop, hours_ago=30, fixed_after=6.5)
    in_time = _escalated(app, shop, hours_ago=30, fixed_after=2)
    tech = factories.user("technician", municipalities=[shop.a])
    login(client, tech)
    page = client.get(f"/support/{late}")
    part = page.text.split('data-testid="ticket-service-levels"')[1].split("</section>")[0]
    assert "Utbedringstid" in part
    assert "6,5 av 4 timer" in part
    assert "Brutt" in part
    assert "Responssentertjeneste" in part
    fine = client.get(f"/support/{in_time}").text
    assert "Innenfor" in fine.split('data-testid="ticket-service-levels"')[1]
    made = client.post(
        f"/agreements/{agreement['id']}/deviations/breach",
        data={
            "csrf_token": csrf_from(page.text),
            "ticket_id": late,
            "level_id": _level(shop, agreement),
        },
        follow_redirects=True,
    )
    # The technician does not follow agreements: back to the ticket, which now links it.
    assert "Avviket er registrert." in made.text
    assert "Avvik registrert" in made.text
    listed = shop.api.get(f"/api/v1/deviations?agreement_id={agreement['id']}").get_json()["items"]
    assert len(listed) == 1
    assert listed[0]["kind"] == "sla_breach"
    assert listed[0]["ticket_ids"] == [late]
    assert (
        "6,5 timer av 4" in listed[0]["title"]
        or "6,5" in listed[0]["title"]
        or "6.5" in listed[0]["title"]
    )
    # A second click finds it registered: still one.
    client.post(
        f"/agreements/{agreement['id']}/deviations/breach",
        data={
            "csrf_token": csrf_from(page.text),
            "ticket_id": late,
            "level_id": _level(shop, agreement),
        },
    )
    assert len(shop.api.get("/api/v1/deviations").get_json()["items"]) == 1
    # Within the target: nothing to report.
    client.post(
        f"/agreements/{agreement['id']}/deviations/breach",
        data={
            "csrf_token": csrf_from(page.text),
            "ticket_id": in_time,
            "level_id": _level(shop, agreement),
        },
    )
    assert len(shop.api.get("/api/v1/deviations").get_json()["items"]) == 1


def _level(shop, agreement) -> int:
    return shop.api.get(f"/api/v1/service-levels?agreement_id={agreement['id']}").get_json()[
        "items"
    ][0]["id"]


def test_a_deviation_is_followed_up_and_closed(shop):
    agreement = _centre(shop)
    made = shop.api.post(
        "/api/v1/deviations",
        json={
            "agreement_id": agreement["id"],
            "kind": "late_delivery",
            "severity": "high",
            "title": "20 alarmer 12 dager for sent",
        },
    )
    assert made.status_code == 201
    deviation = made.get_json()
    assert deviation["status"] == "open"
    path = f"/api/v1/deviations/{deviation['id']}"
    backwards = shop.api.patch(
        path,
        json={
            "reported_at": "2026-11-10",
            "answered_at": "2026-11-01",
            "supplier_answer": "Beklager",
        },
    )
    assert backwards.status_code == 422
    assert "answered_at" in backwards.get_json()["error"]["fields"]
    future = shop.api.patch(path, json={"reported_at": "2999-01-01"})
    assert future.status_code == 422
    told = shop.api.patch(
        path,
        json={
            "reported_at": "2026-11-10",
            "reported_how": "E-post til kundeansvarlig",
            "version": deviation["version"],
        },
    )
    assert told.get_json()["status"] == "reported"
    stale = shop.api.patch(path, json={"supplier_answer": "X", "version": deviation["version"]})
    assert stale.status_code == 409
    answered = shop.api.patch(
        path,
        json={"supplier_answer": "Feil i lagerbeholdning hos oss", "answered_at": "2026-11-12"},
    )
    assert answered.get_json()["status"] == "answered"
    closed = shop.api.post(f"{path}/close", json={})
    assert closed.get_json()["status"] == "closed"
    assert shop.api.post(f"{path}/close", json={}).status_code == 409
    assert shop.api.patch(path, json={"title": "Endret"}).status_code == 409
    reopened = shop.api.post(f"{path}/reopen", json={})
    assert reopened.get_json()["status"] == "answered"


def test_deviations_of_another_municipality_are_not_found(shop):
    agreement = _centre(shop)
    made = shop.api.post(
        "/api/v1/deviations",
        json={"agreement_id": agreement["id"], "kind": "invoice", "title": "Feil pris"},
    ).get_json()
    assert shop.api_b.get(f"/api/v1/deviations/{made['id']}").status_code == 404
    assert shop.api_b.get("/api/v1/deviations").get_json()["items"] == []
    assert (
        shop.api_b.post(
            "/api/v1/deviations",
            json={"agreement_id": agreement["id"], "kind": "other", "title": "X"},
        ).status_code
        == 404
    )
    wrong = shop.api.post(
        "/api/v1/deviations",
        json={
            "agreement_id": agreement["id"],
            "kind": "other",
            "title": "X",
            "ticket_ids": [999999],
        },
    )
    assert wrong.status_code == 422
    assert "ticket_ids" in wrong.get_json()["error"]["fields"]


def test_two_clicking_the_same_breach_at_once_register_one_deviation(app, factories, shop):
    """A technician and the servicedesk both press «report deviation» on the same broken
    fix time: one deviation; the one who came second is told it is registered already."""
    from tests.conftest import race_requests

    agreement = _centre(shop)
    late = _escalated(app, shop, hours_ago=30, fixed_after=6.5)
    level = _level(shop, agreement)
    clients = []
    for role in ("technician", "servicedesk"):
        client = app.test_client()
        login(client, factories.user(role, municipalities=[shop.a]))
        clients.append(client)

    def prepare(_i, client):
        return csrf_from(client.get(f"/support/{late}").text)

    def act(_i, client, token):
        return client.post(
            f"/agreements/{agreement['id']}/deviations/breach",
            data={"csrf_token": token, "ticket_id": late, "level_id": level},
            follow_redirects=True,
        )

    answers = race_requests(clients, act, prepare=prepare)
    said = sorted(
        "registered" if "Avviket er registrert." in a.text else "already"
        for a in answers
        if "Avviket er registrert." in a.text
        or "Det er allerede registrert et avvik for dette." in a.text
    )
    assert said == ["already", "registered"]
    listed = shop.api.get(f"/api/v1/deviations?agreement_id={agreement['id']}").get_json()["items"]
    assert [d["ticket_ids"] for d in listed] == [[late]]
