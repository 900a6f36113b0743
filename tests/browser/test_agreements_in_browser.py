"""Procurement in a real browser: the lease of 450 alarms is in its notice window on the
deadlines page; the buyer opens it and records the decision to extend. Then the supplier
meeting on the response centre: its status report shows this month's broken fix times
from the escalated tickets, and the buyer writes the minutes and an action."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles_in_browser import log_in, nb

LAPTOP = {"width": 1366, "height": 900}


@pytest.mark.browser
def test_procurement_extends_a_lease_and_holds_the_supplier_meeting(new_page, live_server):
    page = new_page(viewport=LAPTOP)
    log_in(page, "innkjop")
    page.wait_for_url(f"{live_server}/")
    # The start page tells the buyer too.
    expect(page.get_by_test_id("task-agreement-deadlines")).to_contain_text(
        "Leie av 450 trygghetsalarmer"
    )
    page.get_by_role("link", name=nb("Agreements"), exact=True).first.click()
    page.get_by_role("link", name=nb("Deadlines"), exact=True).click()
    expect(page.get_by_role("heading", name=nb("Agreement deadlines"))).to_be_visible()
    lease = page.get_by_test_id("deadlines").locator("li", has_text="Leie av 450 trygghetsalarmer")
    expect(lease).to_contain_text(nb("Last day to give notice"))
    lease.get_by_role("link", name="Leie av 450 trygghetsalarmer").click()

    expect(page.get_by_role("heading", name="Leie av 450 trygghetsalarmer")).to_be_visible()
    deadlines = page.get_by_test_id("agreement-deadlines")
    # Nothing is decided until the buyer chooses: the browser asks for the choice first.
    expect(deadlines.get_by_label(nb("Decided")).first).to_have_value("")
    expect(deadlines.get_by_label(nb("Decided")).first).to_have_attribute("required", "")
    deadlines.get_by_label(nb("Decided")).first.select_option(label=nb("Extend"))
    deadlines.get_by_label(nb("Note")).first.fill("Forlenges ett år; ny konkurranse i 2027")
    deadlines.get_by_role("button", name=nb("Mark handled")).first.click()
    expect(
        page.get_by_text(nb("The deadline is handled: %(decision)s.", decision=nb("Extend")))
    ).to_be_visible()
    page.get_by_text(nb("Decisions made")).click()
    expect(page.get_by_test_id("decisions")).to_contain_text("Forlenges ett år")
    page.goto("/agreements/deadlines")
    expect(page.get_by_test_id("deadlines")).not_to_contain_text("Leie av 450 trygghetsalarmer")

    # The supplier meeting on the response centre.
    page.goto("/agreements?q=Responssenter")
    page.get_by_role("link", name="Responssentertjeneste").click()
    page.get_by_role("link", name=nb("New meeting")).click()
    today = datetime.now(ZoneInfo("Europe/Oslo")).date()
    page.get_by_label(nb("Date"), exact=True).fill(today.isoformat())
    page.get_by_label(nb("Attendees")).fill("Ingrid Innkjøp; Kari Kundeansvarlig (Tunstall)")
    page.get_by_label(nb("Minutes")).fill("Utbedringstiden er brutt to ganger denne måneden.")
    page.get_by_role("button", name=nb("Save")).click()
    expect(
        page.get_by_text(nb("The meeting is registered, with its status report."))
    ).to_be_visible()
    report = page.get_by_test_id("report-levels")
    fix = report.locator("tr", has_text=nb("Time to fix"))
    expect(fix).to_have_class("table-danger")
    # The escalations of the weeks since the last meeting that took longer than eight
    # business hours, each with its ticket.
    breaches = report.locator("tr.small")
    expect(breaches.first).to_be_visible()
    assert breaches.count() >= 2
    recent = [
        date(*reversed([int(p) for p in text.split(" · ")[1][:10].split(".")]))
        for text in breaches.all_inner_texts()
    ]
    assert max(recent) >= today - timedelta(days=14)
    expect(breaches.first.get_by_role("link")).to_have_text(re.compile(r"^#\d+$"))
    expect(page.get_by_test_id("minutes")).to_contain_text("brutt to ganger")

    page.get_by_label(nb("What is to be done")).fill("Plan for stabilisering innen jul")
    page.get_by_label(nb("Or the supplier's")).fill("Kari Kundeansvarlig")
    page.get_by_label(nb("Due")).fill((today + timedelta(days=14)).isoformat())
    page.get_by_role("button", name=nb("Add the action")).click()
    expect(page.get_by_text(nb("The action is added."))).to_be_visible()
    expect(page.get_by_test_id("actions")).to_contain_text("Plan for stabilisering innen jul")
    expect(page.get_by_test_id("status-report")).to_contain_text("Plan for stabilisering innen jul")


PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
def test_procurement_registers_a_bid_in_a_mini_competition_on_a_phone(new_page, live_server):
    """On the framework for alarms, the open mini-competition has Careium's bid; the buyer
    registers Tunstall's from a phone, sees both side by side, and that the award waits
    for the last day to bid. Last month's competition shows who won and why."""
    page = new_page(viewport=PHONE)
    log_in(page, "innkjop")
    page.wait_for_url(f"{live_server}/")
    page.goto("/agreements?q=Rammeavtale")
    page.get_by_role("link", name="Rammeavtale trygghetsalarmer", exact=True).click()
    competitions = page.get_by_test_id("competitions")
    expect(competitions).to_contain_text("120 trygghetsalarmer til omsorgsboligene")
    competitions.get_by_role("link", name="40 GPS-alarmer til hjemmetjenesten").click()
    expect(page.get_by_test_id("competition-status")).to_have_text(nb("Open"))

    page.get_by_label(nb("Supplier")).select_option(
        label="Tunstall Norge AS – Rammeavtale trygghetsalarmer"
    )
    page.get_by_label(nb("Price (kr)")).fill("99 500")
    page.get_by_label(nb("Score (0–100)")).fill("88,5")
    page.get_by_label(nb("Notes")).fill("Batteritid 72 timer")
    page.get_by_role("button", name=nb("Register the bid")).click()
    expect(
        page.get_by_text(
            nb("The bid from %(supplier)s is registered.", supplier="Tunstall Norge AS")
        )
    ).to_be_visible()
    bids = page.get_by_test_id("bids")
    expect(bids.locator("tbody tr")).to_have_count(2)
    expect(bids.locator("tr", has_text="Tunstall Norge AS")).to_contain_text("99\xa0500,00\xa0kr")
    expect(
        page.get_by_text(nb("Every supplier on the framework agreements has a bid registered."))
    ).to_be_visible()
    last_day = datetime.now(ZoneInfo("Europe/Oslo")).date() + timedelta(days=9)
    expect(page.locator("#award")).to_contain_text(
        nb(
            "Suppliers may bid until %(date)s: award it after that day.",
            date=f"{last_day:%d.%m.%Y}",
        )
    )
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.go_back()
    page.go_back()
    page.get_by_test_id("competitions").get_by_role(
        "link", name="120 trygghetsalarmer til omsorgsboligene"
    ).click()
    expect(page.get_by_test_id("competition-status")).to_have_text(nb("Awarded"))
    winner = page.get_by_test_id("bids").locator("tr", has_text=nb("Winner"))
    expect(winner).to_contain_text("Tunstall Norge AS")
    expect(page.get_by_test_id("competition-reason")).to_contain_text("Høyest samlet poengsum")
    expect(page.get_by_role("button", name=nb("Award"))).to_have_count(0)
