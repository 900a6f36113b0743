"""The demo's agreements, as procurement meets them on a Monday: the lease in its notice
window and the framework's option to decide next month on the deadlines page, the MDM
licence with 97 of its 120 licences in use, deviations, and two supplier meetings with
minutes and actions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import login
from vftops.auth.models import User
from vftops.core.models import local_today
from vftops.demo import DEMO_PASSWORD
from vftops.extensions import db


@pytest.fixture
def demo(app):
    from vftops.demo import load_demo

    with app.app_context():
        load_demo()
        db.session.commit()


def _user(app, username):
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def test_the_demo_agreements_show_what_procurement_must_act_on(app, client, factories, demo):
    buyer = _user(app, "innkjop")
    api = factories.api(buyer)
    agreements = {
        a["title"]: a for a in api.get("/api/v1/agreements?limit=100").get_json()["items"]
    }
    assert {
        "Rammeavtale trygghetsalarmer",
        "Leie av 450 trygghetsalarmer",
        "Responssentertjeneste",
        "Leie av medisindispensere",
        "MDM-lisenser",
        "Databehandleravtale GPS-lokalisering",
    } <= set(agreements)
    assert agreements["Leie av 450 trygghetsalarmer"]["units_paid"] == 450

    today = local_today()
    due = api.get("/api/v1/agreements/deadlines?days=365").get_json()
    by_title = {}
    for row in due:
        by_title.setdefault(row["agreement"], []).append(row)
    # The lease: notice must be given within days, or it renews for a year.
    notice = [r for r in by_title["Leie av 450 trygghetsalarmer"] if r["kind"] == "notice"]
    assert notice
    assert today <= date.fromisoformat(notice[0]["due_on"]) <= today + timedelta(days=30)
    # The framework: an option to extend to decide next month.
    option = [r for r in by_title["Rammeavtale trygghetsalarmer"] if r["kind"] == "option"]
    assert option
    assert (
        today + timedelta(days=20)
        <= date.fromisoformat(option[0]["due_on"])
        <= today + timedelta(days=62)
    )

    mdm = agreements["MDM-lisenser"]
    evaluation = api.get(f"/api/v1/agreements/{mdm['id']}/evaluation").get_json()
    assert (evaluation["units_paid"], evaluation["units_in_use"]) == (120, 97)
    assert evaluation["in_use_basis"] == "grants"

    centre = agreements["Responssentertjeneste"]
    deviations = api.get("/api/v1/deviations?limit=100").get_json()["items"]
    assert len(deviations) >= 2
    assert any(d["status"] != "closed" for d in deviations)
    meetings = api.get(f"/api/v1/supplier-meetings?agreement_id={centre['id']}").get_json()["items"]
    assert len(meetings) == 2
    assert all(m["minutes"] for m in meetings if date.fromisoformat(m["held_on"]) <= today)
    actions = [a for m in meetings for a in m["actions"]]
    assert any(a["done_at"] for a in actions)
    assert any(not a["done_at"] for a in actions)

    # The deadlines page as procurement opens it: the lease's notice among the first.
    login(client, buyer, DEMO_PASSWORD)
    page = client.get("/agreements/deadlines").text
    assert "Leie av 450 trygghetsalarmer" in page
    assert "Rammeavtale trygghetsalarmer" in page
    evaluation_page = client.get(f"/agreements/{mdm['id']}/evaluation").text
    assert "Aktive kontoer i systemet" in evaluation_page
    part = evaluation_page.split("Aktive kontoer i systemet")[1][:200]
    assert ">97<" in part
