"""Supplier meetings: the status report generated for the meeting shows the period's
broken fix times from escalated tickets, deviations, spend, deadlines and open actions;
the minutes and actions are kept; the report prints and downloads as XLSX."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.agreements.test_deviations import _centre, _escalated
from tests.conftest import csrf_from, login
from vftops.core.models import local_today


def test_procurement_prepares_and_records_a_supplier_meeting(app, client, shop):
    agreement = _centre(shop, target="4")
    late = _escalated(app, shop, hours_ago=30, fixed_after=7)
    _escalated(app, shop, hours_ago=30, fixed_after=1)
    login(client, shop.buyer)
    page = client.get(f"/agreements/{agreement['id']}/meetings/new")
    wrong = client.post(
        f"/agreements/{agreement['id']}/meetings/new",
        data={
            "csrf_token": csrf_from(page.text),
            "held_on": local_today().isoformat(),
            "period_from": "2026-12-01",
            "period_to": "2026-01-01",
            "minutes": "Utkast",
        },
    )
    assert wrong.status_code == 422
    assert "Perioden kan ikke slutte før den starter." in wrong.text
    assert "Utkast" in wrong.text
    made = client.post(
        f"/agreements/{agreement['id']}/meetings/new",
        data={
            "csrf_token": csrf_from(page.text),
            "held_on": local_today().isoformat(),
            "attendees": "Ingrid; Kari (Tunstall)",
            "minutes": "Utbedringstiden er brutt én gang.",
        },
    )
    assert made.status_code == 302
    meeting = client.get(made.headers["Location"])
    report = meeting.text.split('data-testid="status-report"')[1]
    assert "Utbedringstid" in report
    assert f"#{late}</a>" in report
    assert "7 timer" in report
    action = client.post(
        f"{made.headers['Location']}/actions",
        data={
            "csrf_token": csrf_from(meeting.text),
            "text": "Plan for bemanning i ferien",
            "owner_name": "Kari Kundeansvarlig",
            "due_on": local_today().isoformat(),
        },
        follow_redirects=True,
    )
    assert "Tiltaket er lagt til." in action.text
    assert "Plan for bemanning i ferien" in action.text.split('data-testid="actions"')[1]
    assert "Plan for bemanning i ferien" in action.text.split("Åpne tiltak")[1]
    printed = client.get(f"{made.headers['Location']}/print")
    assert "Utbedringstiden er brutt én gang." in printed.text
    sheet = client.get(f"{made.headers['Location']}/report.xlsx")
    assert sheet.status_code == 200
    rows = [
        list(row)
        for row in load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True)
    ]
    assert rows[0] == ["Del", "Hva", "Målt", "Mål", "Merknad"]
    over = [r for r in rows if r[0] == "Over målet"]
    assert len(over) == 1
    assert over[0][1].startswith(f"#{late} ")
    assert [r[1] for r in rows if r[0] == "Åpne tiltak"] == ["Plan for bemanning i ferien"]
    # Done: no longer open.
    detail = client.get(made.headers["Location"])
    action_id = detail.text.split("/agreements/actions/")[1].split("/")[0]
    client.post(
        f"/agreements/actions/{action_id}/done",
        data={"csrf_token": csrf_from(detail.text), "version": "1"},
    )
    after = client.get(made.headers["Location"])
    assert "Ingen åpne tiltak." in after.text
    assert shop.api_b.get(f"/api/v1/agreements/{agreement['id']}").status_code == 404
    other = app.test_client()
    login(other, shop.buyer_b)
    assert other.get(made.headers["Location"]).status_code == 404
