"""Agreements through the API: what is refused (naming the field), who sees what, two
people at once, and the deadlines that follow from the dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.agreements.conftest import lease
from tests.conftest import race
from vftops.core.models import local_today


def _fields(response) -> dict:
    return response.get_json()["error"]["fields"]


def test_an_agreement_is_registered_with_its_terms(shop):
    made = shop.api.post("/api/v1/agreements", json=lease(shop))
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["title"] == "Leie av trygghetsalarmer"
    assert body["yearly_cost"] == "805000.00"
    assert body["units_paid"] == 450
    assert body["supplier"]["name"] == "Tunstall Norge AS"
    assert body["renews_automatically"] is True


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"ends_on": "2023-12-31"}, "ends_on", "før den starter"),
        (
            {"ends_on": "2024-03-31", "notice_months": 6, "renews_automatically": False},
            "notice_months",
            "lengre enn avtalen",
        ),
        ({"ends_on": None}, "ends_on", "sluttdatoen"),
        ({"notice_months": 61}, "notice_months", "0 til 60"),
        ({"yearly_cost": "-5"}, "yearly_cost", "0 eller mer"),
        ({"yearly_cost": "1e400"}, "yearly_cost", "0 eller mer"),
        ({"owner_id": 999999}, "owner_id", "jobbe i en kommune"),
        ({"supplier_id": 999999}, "supplier_id", "leverandør"),
        ({"title": "  "}, "title", "tittel"),
    ],
)
def test_what_does_not_add_up_is_refused_naming_the_field(shop, change, field, words):
    refused = shop.api.post("/api/v1/agreements", json=lease(shop, **change))
    assert refused.status_code == 422, refused.get_json()
    assert words in _fields(refused)[field][0]
    assert shop.api.get("/api/v1/agreements").get_json()["items"] == []


def test_an_option_must_be_decided_before_the_term_it_extends_ends(shop):
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    base = f"/api/v1/agreements/{agreement['id']}/options"
    late = shop.api.post(base, json={"months": 12, "decide_by": "2027-01-15"})
    assert late.status_code == 422
    assert "31.12.2026" in _fields(late)["decide_by"][0]
    first = shop.api.post(base, json={"months": 12, "decide_by": "2026-09-30"})
    assert first.status_code == 201
    # The second extends the first: it may be decided until the end of that year.
    second = shop.api.post(base, json={"months": 12, "decide_by": "2027-09-30"})
    assert second.status_code == 201, second.get_json()
    assert [
        o["position"]
        for o in shop.api.get(f"/api/v1/agreements/{agreement['id']}").get_json()["options"]
    ] == [1, 2]
    # Moving the end before an option's date is refused: the option names the field.
    moved = shop.api.patch(f"/api/v1/agreements/{agreement['id']}", json={"ends_on": "2026-06-30"})
    assert moved.status_code == 422
    assert "ends_on" in _fields(moved)


def test_exercising_an_option_moves_the_end_and_is_refused_after_its_date(app, shop):
    from vftops.agreements import operations as ops
    from vftops.agreements.models import Agreement
    from vftops.core.errors import ValidationError
    from vftops.extensions import db

    agreement = shop.api.post(
        "/api/v1/agreements", json=lease(shop, renews_automatically=False)
    ).get_json()
    option = shop.api.post(
        f"/api/v1/agreements/{agreement['id']}/options",
        json={"months": 24, "decide_by": "2026-09-30"},
    ).get_json()
    with app.app_context():
        a = db.session.get(Agreement, agreement["id"])
        with pytest.raises(ValidationError) as late:
            ops.decide_deadline(
                None,
                a,
                kind="option",
                due_on=option["decide_by"],
                decision="extend",
                decided_on=date(2026, 10, 1),
                today=date(2026, 10, 2),
            )
        assert "decided_on" in late.value.fields
        db.session.rollback()
        a = db.session.get(Agreement, agreement["id"])
        ops.decide_deadline(
            None,
            a,
            kind="option",
            due_on=option["decide_by"],
            decision="extend",
            today=date(2026, 9, 1),
        )
        db.session.commit()
        assert db.session.get(Agreement, agreement["id"]).ends_on == date(2028, 12, 31)


def test_overlapping_prices_for_one_product_are_refused(shop):
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    line = {
        "agreement_id": agreement["id"],
        "product_id": shop.product.id,
        "monthly_rent": "149",
        "valid_from": "2024-01-01",
        "valid_to": "2024-12-31",
    }
    assert shop.api.post("/api/v1/price-lines", json=line).status_code == 201
    clash = shop.api.post(
        "/api/v1/price-lines", json={**line, "valid_from": "2024-06-01", "valid_to": None}
    )
    assert clash.status_code == 409
    assert "01.01.2024 til 31.12.2024" in _fields(clash)["valid_from"][0]
    after = shop.api.post(
        "/api/v1/price-lines",
        json={**line, "valid_from": "2025-01-01", "valid_to": None, "monthly_rent": "159,50"},
    )
    assert after.status_code == 201
    assert after.get_json()["monthly_rent"] == "159.50"
    neither = shop.api.post(
        "/api/v1/price-lines", json={"agreement_id": agreement["id"], "monthly_rent": "1"}
    )
    assert "product_id" in _fields(neither)
    no_price = shop.api.post(
        "/api/v1/price-lines", json={"agreement_id": agreement["id"], "service": "Installasjon"}
    )
    assert "unit_price" in _fields(no_price)


def test_two_people_adding_the_same_price_at_once_leave_one_line(app, shop):
    from sqlalchemy import func, select

    from vftops.agreements import operations as ops
    from vftops.agreements.models import Agreement, PriceLine
    from vftops.extensions import db

    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()

    def act(i, _prepared):
        a = db.session.get(Agreement, agreement["id"])
        return ops.add_price_line(
            None, a, product_id=shop.product.id, monthly_rent=str(140 + i), valid_from="2025-01-01"
        )

    outcomes = race(app, act)
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(refused) == 1
    assert refused[0].status == 409
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PriceLine)) == 1


def test_two_people_editing_an_agreement_the_second_gets_409(shop):
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    path = f"/api/v1/agreements/{agreement['id']}"
    first = shop.api.patch(path, json={"notice_months": 3, "version": agreement["version"]})
    assert first.status_code == 200
    second = shop.api.patch(path, json={"yearly_cost": "1", "version": agreement["version"]})
    assert second.status_code == 409
    now = shop.api.get(path).get_json()
    assert (now["notice_months"], now["yearly_cost"]) == (3, "805000.00")


def test_another_municipalitys_agreement_is_not_found_and_a_shared_one_is_seen_by_both(shop):
    own = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    assert shop.api_b.get(f"/api/v1/agreements/{own['id']}").status_code == 404
    assert (
        shop.api_b.patch(f"/api/v1/agreements/{own['id']}", json={"title": "X"}).status_code == 404
    )
    assert shop.api_b.get("/api/v1/agreements").get_json()["items"] == []
    shared = shop.api_both.post(
        "/api/v1/agreements",
        json=lease(
            shop, title="Responssentertjeneste", shared_with_ids=[shop.b.id], owner_id=shop.both.id
        ),
    ).get_json()
    seen_b = shop.api_b.get(f"/api/v1/agreements/{shared['id']}")
    assert seen_b.status_code == 200
    assert seen_b.get_json()["shared_with_ids"] == [shop.b.id]
    # Saltdal reads it; Bodø manages it.
    changed = shop.api_b.patch(f"/api/v1/agreements/{shared['id']}", json={"title": "X"})
    assert changed.status_code == 403
    # Covering a municipality one does not work in is refused.
    refused = shop.api.post("/api/v1/agreements", json=lease(shop, shared_with_ids=[shop.b.id]))
    assert "shared_with_ids" in _fields(refused)


def test_the_notice_deadline_follows_the_term_and_is_handled_once(app, shop):
    from vftops.agreements import queries
    from vftops.agreements.models import Agreement
    from vftops.agreements.terms import deadlines_of, term_end
    from vftops.extensions import db

    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    with app.app_context():
        a = db.session.get(Agreement, agreement["id"])
        # Nobody gave notice by 30.6.2026: on 2.1.2027 it has renewed itself for a year.
        assert term_end(a, date(2027, 1, 2)) == date(2027, 12, 31)
        kinds = {(d.kind, d.due_on) for d in deadlines_of(a, date(2026, 5, 1))}
        assert kinds == {("notice", date(2026, 6, 30))}
        assert {(d.kind, d.due_on) for d in deadlines_of(a, date(2027, 1, 2))} == {
            ("notice", date(2027, 6, 30))
        }
    path = f"/api/v1/agreements/{agreement['id']}/decisions"
    today = local_today()
    due = [
        r
        for r in shop.api.get("/api/v1/agreements/deadlines?days=3650").get_json()
        if r["agreement_id"] == agreement["id"]
    ]
    assert [r["kind"] for r in due] == ["notice"]
    ended = shop.api.post(
        path,
        json={
            "kind": "notice",
            "due_on": due[0]["due_on"],
            "decision": "tender",
            "note": "Ny konkurranse",
        },
    )
    assert ended.status_code == 201, ended.get_json()
    again = shop.api.post(
        path, json={"kind": "notice", "due_on": due[0]["due_on"], "decision": "extend"}
    )
    assert again.status_code == 409
    after = shop.api.get(f"/api/v1/agreements/{agreement['id']}").get_json()
    assert after["status"] == "notice", after
    # The term ends 31.12 (notice by 30.6); notice after its last day comes too late for
    # that term: the agreement has renewed, and ends a year on.
    notice_by = date.fromisoformat(due[0]["due_on"])
    term = date(notice_by.year, 12, 31)
    late = local_today() > notice_by
    assert after["ends_on"] == (date(term.year + 1, 12, 31) if late else term).isoformat()
    left = [
        r["kind"]
        for r in shop.api.get("/api/v1/agreements/deadlines?days=3650").get_json()
        if r["agreement_id"] == agreement["id"]
    ]
    assert left == ["end"]
    with app.app_context():
        rows = queries.open_deadlines(
            db.select(Agreement).where(Agreement.id == agreement["id"]),
            today + timedelta(days=1),
            horizon_days=3650,
        )
        assert [r.deadline.kind for r in rows] == ["end"]


def test_a_unit_manager_sees_no_agreements_and_it_reads_but_does_not_change(factories, shop):
    agreement = shop.api.post("/api/v1/agreements", json=lease(shop)).get_json()
    manager = factories.api(shop.manager)
    assert manager.get("/api/v1/agreements").status_code == 403
    it = factories.api(shop.it)
    assert it.get(f"/api/v1/agreements/{agreement['id']}").status_code == 200
    assert it.patch(f"/api/v1/agreements/{agreement['id']}", json={"title": "X"}).status_code == 403
