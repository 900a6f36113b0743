"""The evaluation measures what the supplier delivered against each service level, from
what vftops records: escalations' fix times in the calendar agreed, a system's uptime
from its fault tickets, and the licences paid for against the accounts in use."""

from __future__ import annotations

from datetime import timedelta

from tests.agreements.conftest import lease
from tests.agreements.test_deviations import _escalated
from vftops.core.models import local_today, utcnow


def test_fix_times_are_measured_against_the_target(app, shop):
    agreement = shop.api.post(
        "/api/v1/agreements", json=lease(shop, kind="service", units_paid=None)
    ).get_json()
    level = shop.api.post(
        "/api/v1/service-levels",
        json={"agreement_id": agreement["id"], "metric": "fix_time", "target": "4"},
    ).get_json()
    _escalated(app, shop, hours_ago=20, fixed_after=2)
    late = _escalated(app, shop, hours_ago=20, fixed_after=6)
    # Still open, and already over the four hours: a breach before it is fixed.
    running = _escalated(app, shop, hours_ago=9, fixed_after=None)
    # Open and within its time: not measured yet.
    _escalated(app, shop, hours_ago=1, fixed_after=None)
    body = shop.api.get(f"/api/v1/agreements/{agreement['id']}/evaluation").get_json()
    [trend] = body["levels"]
    assert trend["service_level_id"] == level["id"]
    assert [round(c["value"]) for c in trend["cases"]] == [2, 6, 9]
    assert [c["ticket_id"] for c in trend["cases"] if c["breached"]] == [late, running]
    assert trend["value"] == 6.0
    assert round(trend["met_share"], 2) == 0.33
    assert trend["met"] is False
    this_month = local_today().isoformat()[:7]
    month = next(m for m in trend["months"] if m["month"] == this_month)
    assert (month["cases"], month["breaches"]) == (3, 2)
    # Another supplier's escalations are not this agreement's.
    assert len(trend["months"]) == 12


def test_uptime_counts_overlapping_faults_once(app, shop, factories):
    from vftops.extensions import db
    from vftops.support import operations as sup

    system_id = _supplier_system(app, shop, "Responssenterløsning", "response_centre")
    agreement = shop.api.post(
        "/api/v1/agreements",
        json=lease(shop, kind="service", system_ids=[system_id], units_paid=None),
    ).get_json()
    shop.api.post(
        "/api/v1/service-levels",
        json={
            "agreement_id": agreement["id"],
            "metric": "uptime",
            "target": "99.5",
            "system_id": system_id,
        },
    )
    today = local_today()
    first = (today - timedelta(days=9)).isoformat()
    with app.app_context():
        from vftops.systems.models import ItSystem

        start = utcnow() - timedelta(days=5)
        for offset, hours in ((0, 10), (5, 10)):  # overlapping: down 15 hours in all
            ticket = sup.create_ticket(
                None,
                shop.a.id,
                title="Nede",
                kind="system_fault",
                channel="phone",
                reporter_kind="employee",
                system=db.session.get(ItSystem, system_id),
                at=start + timedelta(hours=offset),
            )
            sup.change_status(
                None, ticket, "resolved", note="Oppe", at=start + timedelta(hours=offset + hours)
            )
        db.session.commit()
    body = shop.api.get(
        f"/api/v1/agreements/{agreement['id']}/evaluation?from={first}&to={today.isoformat()}"
    ).get_json()
    [trend] = body["levels"]
    elapsed = (utcnow() - _oslo_midnight(today - timedelta(days=9))).total_seconds() / 3600
    assert abs(trend["value"] - round(100 * (1 - 15 / elapsed), 2)) < 0.02
    assert trend["met"] is False
    bad = shop.api.get(
        f"/api/v1/agreements/{agreement['id']}/evaluation?from=2026-05-01&to=2026-01-01"
    )
    assert bad.status_code == 422
    assert "to" in bad.get_json()["error"]["fields"]


def test_uptime_promised_in_business_hours_is_not_broken_at_night(app, shop):
    """A week in November: the system is down all Saturday night and two hours one
    Tuesday morning before opening and two after. Promised in business hours (08–16 on
    working days, 40 hours that week), only the two hours after opening count."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from vftops.extensions import db
    from vftops.support import operations as sup
    from vftops.systems.models import ItSystem

    oslo = ZoneInfo("Europe/Oslo")
    system_id = _supplier_system(app, shop, "Dosettportal", "other")
    agreement = shop.api.post(
        "/api/v1/agreements",
        json=lease(shop, kind="service", system_ids=[system_id], units_paid=None),
    ).get_json()
    for calendar in ("business", "24x7"):
        made = shop.api.post(
            "/api/v1/service-levels",
            json={
                "agreement_id": agreement["id"],
                "metric": "uptime",
                "target": "99",
                "system_id": system_id,
                "calendar": calendar,
            },
        )
        assert made.status_code == 201, made.get_json()
    with app.app_context():
        for begin, end in (
            (
                datetime(2026, 11, 7, 2, 0, tzinfo=oslo),
                datetime(2026, 11, 7, 23, 0, tzinfo=oslo),
            ),  # a Saturday
            (
                datetime(2026, 11, 3, 6, 0, tzinfo=oslo),
                datetime(2026, 11, 3, 10, 0, tzinfo=oslo),
            ),  # a Tuesday
        ):
            at = begin.astimezone(UTC)
            ticket = sup.create_ticket(
                None,
                shop.a.id,
                title="Portalen svarer ikke",
                kind="system_fault",
                channel="phone",
                reporter_kind="employee",
                system=db.session.get(ItSystem, system_id),
                at=at,
            )
            sup.change_status(
                None,
                ticket,
                "resolved",
                note="Oppe igjen",
                at=end.astimezone(UTC),
            )
        db.session.commit()
    body = shop.api.get(
        f"/api/v1/agreements/{agreement['id']}/evaluation?from=2026-11-02&to=2026-11-08"
    ).get_json()
    by_calendar = {}
    for trend in body["levels"]:
        level = shop.api.get(f"/api/v1/service-levels/{trend['service_level_id']}").get_json()
        by_calendar[level["calendar"]] = trend
    business, always = by_calendar["business"], by_calendar["24x7"]
    assert business["value"] == 95.0  # 2 of 40 hours
    assert sorted(c["value"] for c in business["cases"]) == [0.0, 2.0]
    assert always["value"] == round(100 * (1 - 25 / 168), 2)  # 25 of 168 hours
    assert sorted(c["value"] for c in always["cases"]) == [4.0, 21.0]


def _oslo_midnight(day):
    from datetime import UTC, datetime, time
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(0), ZoneInfo("Europe/Oslo")).astimezone(UTC)


def test_licences_paid_for_are_set_against_the_accounts_in_use(app, shop):
    from vftops.access import operations as acc
    from vftops.extensions import db
    from vftops.org.models import Municipality

    with app.app_context():
        m = db.session.get(Municipality, shop.a.id)
        system = acc.create_system(
            None,
            m,
            name="MDM",
            kind="mdm",
            admin_kind="supplier",
            supplier_id=shop.supplier_id,
            account_source="supplier",
        )
        role = acc.create_role(None, system, name="Enhet")
        for n in range(3):
            acc.grant_access(
                None,
                system,
                role,
                acc.Holder.person(f"Ansatt {n}", "Bodø kommune"),
                municipality=m,
                reason="Nettbrett",
            )
        db.session.commit()
        system_id = system.id
    agreement = shop.api.post(
        "/api/v1/agreements",
        json=lease(shop, kind="licence", system_ids=[system_id], units_paid=5),
    ).get_json()
    body = shop.api.get(f"/api/v1/agreements/{agreement['id']}/evaluation").get_json()
    assert (body["units_paid"], body["units_in_use"], body["in_use_basis"]) == (5, 3, "grants")


def _supplier_system(app, shop, name: str, kind: str) -> int:
    """A system of Bodø run by the agreement's supplier."""
    from vftops.access import operations as acc
    from vftops.extensions import db
    from vftops.org.models import Municipality

    with app.app_context():
        system = acc.create_system(
            None,
            db.session.get(Municipality, shop.a.id),
            name=name,
            kind=kind,
            admin_kind="supplier",
            supplier_id=shop.supplier_id,
            account_source="supplier",
        )
        db.session.commit()
        return system.id
