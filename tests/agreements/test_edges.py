"""Agreements at their edges: a municipality the agreement only covers, terms ending on a
month's last day, notice given late, odd input, another supplier's ticket, a service level
a deviation names."""

from __future__ import annotations

from datetime import date, timedelta

from tests.agreements.conftest import lease
from tests.conftest import csrf_from, login
from vftops.core.models import local_today


def _shared_lease(shop, **extra):
    made = shop.api_both.post(
        "/api/v1/agreements", json=lease(shop, shared_with_ids=[shop.b.id], **extra)
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def test_a_covered_municipality_cannot_register_meetings_on_anothers_agreement_api(shop):
    agreement = _shared_lease(shop)
    # Saltdal's buyer sees the agreement (it covers Saltdal) but Bodø manages it.
    assert shop.api_b.get(f"/api/v1/agreements/{agreement['id']}").status_code == 200
    assert (
        shop.api_b.patch(
            f"/api/v1/agreements/{agreement['id']}",
            json={"notes": "x", "version": agreement["version"]},
        ).status_code
        == 403
    )
    made = shop.api_b.post(
        "/api/v1/supplier-meetings",
        json={"agreement_id": agreement["id"], "held_on": local_today().isoformat()},
    )
    assert made.status_code == 403, made.get_json()


def test_a_term_ending_on_a_months_last_day_rolls_to_the_last_day(app, shop):
    """31.8.2025, renewing every six months: the terms end 28.2.2026, 31.8.2026,
    28.2.2027, 31.8.2027 — never on the 28th of August."""
    from vftops.agreements.models import Agreement
    from vftops.agreements.terms import deadlines_of, term_end
    from vftops.extensions import db

    made = shop.api.post(
        "/api/v1/agreements",
        json=lease(
            shop, starts_on="2023-09-01", ends_on="2025-08-31", notice_months=3, renewal_months=6
        ),
    ).get_json()
    with app.app_context():
        a = db.session.get(Agreement, made["id"])
        assert term_end(a, date(2027, 6, 1)) == date(2027, 8, 31)
        notice = [d.due_on for d in deadlines_of(a, date(2027, 6, 1)) if d.kind == "notice"]
        assert notice == [date(2027, 5, 31)]


def test_exercising_an_option_on_a_term_ending_30_september_runs_to_31_december(app, shop):
    from vftops.agreements import operations as ops
    from vftops.agreements.models import Agreement
    from vftops.extensions import db

    made = shop.api.post(
        "/api/v1/agreements",
        json=lease(shop, starts_on="2024-10-01", ends_on="2026-09-30", renews_automatically=False),
    ).get_json()
    option = shop.api.post(
        f"/api/v1/agreements/{made['id']}/options", json={"months": 3, "decide_by": "2026-06-30"}
    ).get_json()
    with app.app_context():
        a = db.session.get(Agreement, made["id"])
        ops.decide_deadline(
            None,
            a,
            kind="option",
            due_on=option["decide_by"],
            decision="extend",
            today=date(2026, 6, 1),
        )
        db.session.commit()
        assert db.session.get(Agreement, made["id"]).ends_on == date(2026, 12, 31)


def test_notice_given_after_the_notice_date_does_not_end_the_current_term(app, shop):
    """Notice by 30.6.2026 ends the term at 31.12.2026; given on 1.9.2026 it is too
    late for this term (as an option is refused after its date)."""
    from vftops.agreements import operations as ops
    from vftops.agreements.models import Agreement
    from vftops.core.errors import ConflictError, ValidationError
    from vftops.extensions import db

    made = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    with app.app_context():
        a = db.session.get(Agreement, made["id"])
        try:
            ops.decide_deadline(
                None,
                a,
                kind="notice",
                due_on=date(2026, 6, 30),
                decision="end",
                today=date(2026, 9, 1),
            )
        except (ValidationError, ConflictError):
            return  # refused: fine
        db.session.commit()
        a = db.session.get(Agreement, made["id"])
        assert (a.status, a.ends_on) != ("notice", date(2026, 12, 31))


def test_the_evaluation_api_answers_a_period_at_the_edge_of_the_calendar_without_5xx(shop):
    made = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    level = shop.api.post(
        "/api/v1/service-levels",
        json={"agreement_id": made["id"], "metric": "fix_time", "target": "8"},
    )
    assert level.status_code == 201, level.get_json()
    for query in ("from=0001-01-01&to=0001-01-02", "from=9999-12-30&to=9999-12-31"):
        got = shop.api.get(f"/api/v1/agreements/{made['id']}/evaluation?{query}")
        assert got.status_code < 500, (query, got.status_code)


def test_the_one_click_deviation_answers_a_strange_level_id_without_5xx(app, client, shop):
    from tests.agreements.test_deviations import _centre, _escalated

    agreement = _centre(shop)
    late = _escalated(app, shop, hours_ago=30, fixed_after=6.5)
    login(client, shop.buyer)
    page = client.get(f"/support/{late}")
    for level_id in ("99999999999999999999", "²"):
        got = client.post(
            f"/agreements/{agreement['id']}/deviations/breach",
            data={"csrf_token": csrf_from(page.text), "ticket_id": late, "level_id": level_id},
        )
        assert got.status_code < 500, (level_id, got.status_code)


def test_a_ticket_escalated_to_another_supplier_is_no_breach_of_this_agreement(app, client, shop):
    from tests.agreements.test_deviations import _centre
    from vftops.core.models import utcnow
    from vftops.extensions import db
    from vftops.suppliers.operations import create_supplier
    from vftops.support import operations as sup

    agreement = _centre(shop)
    level_id = shop.api.get(f"/api/v1/service-levels?agreement_id={agreement['id']}").get_json()[
        "items"
    ][0]["id"]
    with app.app_context():
        other = create_supplier(None, name="Annen Leverandør AS")
        ticket = sup.create_ticket(
            None,
            shop.a.id,
            title="Feil hos en annen",
            kind="system_fault",
            channel="phone",
            reporter_kind="employee",
        )
        sup.escalate(None, ticket, other, at=utcnow() - timedelta(hours=30))
        db.session.commit()
        ticket_id = ticket.id
    login(client, shop.buyer)
    page = client.get(f"/support/{ticket_id}")
    client.post(
        f"/agreements/{agreement['id']}/deviations/breach",
        data={"csrf_token": csrf_from(page.text), "ticket_id": ticket_id, "level_id": level_id},
    )
    listed = shop.api.get(f"/api/v1/deviations?agreement_id={agreement['id']}").get_json()["items"]
    assert listed == []


def test_removing_a_service_level_a_deviation_names_is_not_a_500(shop):
    made = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    level = shop.api.post(
        "/api/v1/service-levels",
        json={"agreement_id": made["id"], "metric": "fix_time", "target": "8"},
    ).get_json()
    dev = shop.api.post(
        "/api/v1/deviations",
        json={
            "agreement_id": made["id"],
            "kind": "sla_breach",
            "title": "Brutt",
            "service_level_id": level["id"],
        },
    )
    assert dev.status_code == 201, dev.get_json()
    gone = shop.api.delete(f"/api/v1/service-levels/{level['id']}")
    assert gone.status_code in (204, 409, 422), gone.status_code
    if gone.status_code == 409:
        # Not «someone changed it at the same time»: say a deviation names it.
        assert "avvik" in gone.get_json()["error"]["message"].lower(), gone.get_json()
