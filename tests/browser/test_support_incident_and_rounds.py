"""Support beyond one phone call, in a real browser: the mass incident, the supplier, the rounds.

What `test_servicedesk_day.py` does not walk through: resolving a mass incident
resolves every alarm under it; a fault escalated to the supplier stops the SLA
clock until the supplier's answer and fix are recorded; a visit the servicedesk
plans from a ticket lands on the technician's «Mine oppdrag i dag», and a failed
periodic function test opens a ticket about the device by itself.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles_in_browser import PHONE, USERS, log_in, nb

OSLO = ZoneInfo("Europe/Oslo")


def _count(page, queue: str) -> int:
    """The number on a queue's tab, as the servicedesk reads it."""
    return int(page.get_by_test_id(f"count-{queue}").inner_text())


def _search_queue(page, text: str) -> None:
    """Type in the queue's own search (folded behind a button on a phone) and filter."""
    fold = page.get_by_role("button", name=nb("Search and filter"))
    if fold.is_visible():
        fold.click()
    search = page.get_by_role("search", name=nb("Filter tickets"))
    search.get_by_label(nb("Search"), exact=True).fill(text)
    with page.expect_navigation():
        search.get_by_role("button", name=nb("Filter"), exact=True).click()
    # The filtered queue, not the one it replaced.
    page.wait_for_url(re.compile(r"[?&]q="))


def _ticket_id_from(page) -> int:
    match = re.search(r"/support/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def _under_incident(incident_id: int) -> re.Pattern:
    """«under hendelse #12», and not #123."""
    return re.compile(re.escape(nb("under incident #%(id)d") % {"id": incident_id}) + r"\b")


@pytest.mark.browser
def test_servicedesk_resolves_the_network_outage_and_every_alarm_under_it(new_page, live_server):
    """The mobile network is back: the servicedesk finds the outage incident in the queue,
    resolves it with one note, and every alarm gathered under it is resolved with it."""
    page = new_page(viewport=PHONE)
    log_in(page, "servicedesk")
    page.wait_for_url(f"{live_server}/")

    page.get_by_role("button", name=nb("Show menu")).click()
    page.get_by_test_id("main-nav").get_by_role("link", name=nb("Support"), exact=True).click()
    expect(page.get_by_role("heading", name=nb("Support tickets"))).to_be_visible()
    open_before = _count(page, "open")

    # One incident in the queue: the outage, with the lost alarms listed under it.
    rows = page.get_by_test_id("ticket-row")
    incident_row = rows.filter(has=page.get_by_text(nb("Incident"), exact=True))
    expect(incident_row).to_have_count(1)
    expect(incident_row).to_contain_text("Mobilnettet")
    incident_id = int(incident_row.get_attribute("data-ticket"))
    children_in_queue = rows.filter(has_text=_under_incident(incident_id))
    expect(children_in_queue.first).to_be_visible()
    gathered = children_in_queue.count()
    assert gathered >= 2, "the outage silenced many alarms"

    # The incident: IT owns it, every alarm under it is still open.
    incident_row.get_by_role("link").first.click()
    page.wait_for_url(f"{live_server}/support/{incident_id}")
    expect(page.locator("h1")).to_contain_text(nb("Incident"))
    expect(page.get_by_test_id("ticket-status")).to_contain_text(nb("In progress"))
    expect(page.get_by_test_id("ticket-owner")).to_have_text(USERS["it"][0])
    children = page.get_by_test_id("children").locator("li")
    expect(children).to_have_count(gathered)
    expect(children.filter(has_text=nb("Resolved"))).to_have_count(0)
    expect(children.filter(has_text=nb("Acknowledged"))).to_have_count(gathered)

    # Resolved with one note.
    note = "Telenor har rettet feilen på basestasjonen; alle alarmene har sendt testsignal."
    page.get_by_label(nb("New status")).select_option(label=nb("Resolved"))
    page.get_by_label(nb("Note"), exact=True).fill(note)
    page.get_by_role("button", name=nb("Save the status")).click()
    expect(page.locator(".flashes .alert-success")).to_have_text(
        nb("Ticket #%(id)d is now «%(status)s».") % {"id": incident_id, "status": nb("Resolved")}
    )
    expect(page.get_by_test_id("ticket-status")).to_contain_text(nb("Resolved"))
    expect(page.get_by_test_id("resolution")).to_contain_text(note)

    # Every alarm under it is resolved too, on the incident's own page …
    expect(children).to_have_count(gathered)
    expect(children.filter(has_text=nb("Resolved"))).to_have_count(gathered)

    # … and on each alarm's page, with the incident's note.
    children.first.get_by_role("link").click()
    expect(page.get_by_test_id("ticket-status")).to_contain_text(nb("Resolved"))
    expect(page.get_by_test_id("resolution")).to_contain_text(note)
    parent = page.get_by_test_id("parent")
    expect(parent).to_contain_text(f"#{incident_id}")
    expect(parent).to_contain_text(nb("Resolved"))
    logged = page.get_by_test_id("work-log").get_by_test_id("entry").filter(has_text=note)
    expect(logged).to_have_count(1)
    expect(logged).to_contain_text(f"#{incident_id}")

    # The open queue is shorter by the incident and all its alarms.
    page.goto("/support?queue=open")
    expect(page.get_by_test_id("count-open")).to_have_text(str(open_before - gathered - 1))
    rows = page.get_by_test_id("ticket-row")
    expect(rows.filter(has=page.get_by_text(nb("Incident"), exact=True))).to_have_count(0)
    expect(rows.filter(has_text=_under_incident(incident_id))).to_have_count(0)
    expect(page.locator(f'[data-testid="ticket-row"][data-ticket="{incident_id}"]')).to_have_count(
        0
    )


@pytest.mark.browser
def test_servicedesk_escalates_a_fault_to_the_supplier_and_records_their_fix(new_page, live_server):
    """A loudspeaker fault the technicians cannot fix: the servicedesk hands it to the
    supplier with their case number, the ticket waits with its SLA clock stopped, and the
    supplier's answer and fix are recorded before the ticket is resolved."""
    page = new_page(viewport=PHONE)
    log_in(page, "servicedesk")
    page.wait_for_url(f"{live_server}/")

    page.goto("/support")
    waiting_before = _count(page, "supplier")
    _search_queue(page, "Høyttaleren skurrer")
    rows = page.get_by_test_id("ticket-row")
    expect(rows).to_have_count(1)
    rows.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/support/\d+$"))
    ticket_id = _ticket_id_from(page)
    expect(page.get_by_test_id("ticket-status")).to_contain_text(nb("In progress"))
    expect(page.get_by_test_id("ticket-clock")).not_to_have_attribute("data-clock", "paused")
    serial = page.get_by_test_id("devices").get_by_role("link").first.inner_text().strip()
    assert serial

    # Escalate: the device's supplier is suggested, with how to reach them.
    page.get_by_test_id("action-escalate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        nb("Escalate ticket #%(id)d to the supplier") % {"id": ticket_id}
    )
    form = page.get_by_test_id("escalate-form")
    chosen = form.get_by_label(nb("Supplier"), exact=True).locator("option:checked")
    supplier = chosen.inner_text().strip()
    assert supplier, "the product's supplier is suggested"
    assert supplier != nb("Choose a supplier"), "the product's supplier is suggested"
    expect(page.get_by_test_id("supplier-contacts")).to_contain_text(supplier)
    form.get_by_label(nb("The supplier's case reference")).fill("LEV-2026-0412")
    form.get_by_label(nb("What the supplier was told")).fill(
        f"Høyttaleren i {serial} skurrer fortsatt etter omstart og nytt batteri."
    )
    form.get_by_role("button", name=nb("Escalate to supplier")).click()

    # It waits for the supplier, and the SLA clock is stopped.
    page.wait_for_url(f"{live_server}/support/{ticket_id}")
    expect(page.locator(".flashes .alert-success")).to_have_text(
        nb("The ticket is escalated to %(supplier)s and waits for them: the SLA clock is stopped.")
        % {"supplier": supplier}
    )
    expect(page.get_by_test_id("ticket-status")).to_contain_text(nb("Waiting for the supplier"))
    clock = page.get_by_test_id("ticket-clock")
    expect(clock).to_have_attribute("data-clock", "paused")
    expect(clock).to_have_text(nb("Paused"))
    expect(page.get_by_test_id("ticket-status")).to_contain_text(
        nb("waiting: the clock is stopped")
    )
    expect(page.get_by_test_id("deadlines")).to_contain_text(nb("Paused"))
    facts = page.get_by_test_id("supplier")
    expect(facts).to_contain_text(supplier)
    expect(facts).to_contain_text("LEV-2026-0412")
    expect(page.get_by_test_id("supplier-answered")).to_have_text(nb("Not yet"))
    expect(page.get_by_test_id("supplier-fixed")).to_have_text(nb("Not yet"))

    # It is in the «waiting on supplier» queue, paused there too.
    page.get_by_role("link", name=nb("Support tickets"), exact=True).click()
    page.get_by_test_id("queue-supplier").click()
    expect(page.get_by_test_id("count-supplier")).to_have_text(str(waiting_before + 1))
    row = page.locator(f'[data-testid="ticket-row"][data-ticket="{ticket_id}"]')
    expect(row).to_have_attribute("data-clock", "paused")
    expect(row).to_contain_text(nb("Waiting for the supplier"))
    row.get_by_role("link").first.click()
    page.wait_for_url(f"{live_server}/support/{ticket_id}")

    # The supplier calls back with the fix: both times recorded, in Norwegian time.
    minute = datetime.now(OSLO).replace(second=0, microsecond=0)
    response = page.get_by_test_id("supplier-response")
    response.get_by_label(nb("The supplier answered")).fill(minute.strftime("%Y-%m-%dT%H:%M"))
    response.get_by_label(nb("The supplier fixed it")).fill(minute.strftime("%Y-%m-%dT%H:%M"))
    response.get_by_role("button", name=nb("Save the supplier's times")).click()
    expect(page.locator(".flashes .alert-success")).to_have_text(
        nb("The supplier's times are saved.")
    )
    shown = minute.strftime("%d.%m.%Y %H:%M")
    expect(page.get_by_test_id("supplier-answered")).to_have_text(shown)
    expect(page.get_by_test_id("supplier-fixed")).to_have_text(shown)
    expect(page.get_by_test_id("supplier")).to_contain_text(shown)
    expect(page.get_by_test_id("ticket-clock")).to_have_attribute("data-clock", "paused")

    # Tested at the recipient: resolved, and it leaves the supplier queue.
    page.get_by_label(nb("New status")).select_option(label=nb("Resolved"))
    page.get_by_label(nb("Note"), exact=True).fill("Leverandøren byttet høyttaler; testet OK.")
    page.get_by_role("button", name=nb("Save the status")).click()
    expect(page.get_by_test_id("ticket-status")).to_contain_text(nb("Resolved"))
    expect(page.get_by_test_id("ticket-clock")).not_to_have_attribute("data-clock", "paused")
    page.goto("/support?queue=supplier")
    expect(page.get_by_test_id("count-supplier")).to_have_text(str(waiting_before))
    expect(page.locator(f'[data-testid="ticket-row"][data-ticket="{ticket_id}"]')).to_have_count(0)


@pytest.mark.browser
def test_technician_finds_the_planned_visit_and_a_failed_function_test_opens_a_ticket(
    new_page, live_server
):
    """The servicedesk plans a visit from a ticket; the technician finds it on «Mine oppdrag
    i dag» on the phone, then records a failed function test on the due list, and a ticket
    about that device is opened by itself and lands in the technicians' queue."""
    technician = USERS["tekniker"][0]

    # At the desk: a visit planned from the ticket about the alarm that does not call out.
    desk = new_page()
    log_in(desk, "servicedesk")
    desk.wait_for_url(f"{live_server}/")
    desk.goto("/support")
    _search_queue(desk, "Stokkanvegen")
    rows = desk.get_by_test_id("ticket-row")
    expect(rows).to_have_count(1)
    rows.get_by_role("link").first.click()
    desk.wait_for_url(re.compile(r"/support/\d+$"))
    ticket_id = _ticket_id_from(desk)
    title = desk.locator("h1").inner_text().strip()
    serial = desk.get_by_test_id("devices").get_by_role("link").first.inner_text().strip()
    recipient = desk.get_by_test_id("recipient").get_by_role("link").inner_text().strip()
    assert serial
    assert recipient

    desk.get_by_test_id("action-visit").click()
    expect(desk.get_by_test_id("visit-recipient")).to_contain_text(recipient)
    visit = desk.get_by_test_id("visit-form")
    visit.get_by_label(nb("Technician"), exact=True).select_option(label=technician)
    visit.get_by_label(nb("What is to be done"), exact=True).select_option(label=nb("Replace"))
    expect(visit.get_by_label(nb("Device"), exact=True).locator("option:checked")).to_contain_text(
        serial
    )
    note = "Ta med ny basestasjon; alarmen ringer ikke ut."
    visit.get_by_label(nb("Note for the technician")).fill(note)
    visit.get_by_role("button", name=nb("Put on the list")).click()
    desk.wait_for_url(f"{live_server}/support/{ticket_id}")
    expect(desk.locator(".flashes .alert-success")).to_contain_text(technician)

    # On the phone: the job is on today's list, with the note and a link to the ticket.
    page = new_page(viewport=PHONE)
    log_in(page, "tekniker")
    page.wait_for_url(f"{live_server}/")
    page.get_by_role("button", name=nb("Show menu")).click()
    page.get_by_test_id("main-nav").get_by_role(
        "link", name=nb("My jobs today"), exact=True
    ).click()
    expect(page.get_by_role("heading", name=nb("My jobs today"))).to_be_visible()
    ticket_link_text = nb("Ticket #%(id)d") % {"id": ticket_id} + ":"
    job = (
        page.get_by_test_id("jobs-today")
        .get_by_test_id("job")
        .filter(has=page.get_by_test_id("job-ticket").filter(has_text=ticket_link_text))
    )
    expect(job).to_have_count(1)
    expect(job).to_contain_text(nb("Replace"))
    expect(job).to_contain_text(recipient)
    expect(job).to_contain_text(note)
    expect(job.get_by_role("link", name=nb("Replace %(serial)s", serial=serial))).to_be_visible()
    job.get_by_test_id("job-ticket").get_by_role("link").click()
    page.wait_for_url(f"{live_server}/support/{ticket_id}")
    expect(page.locator("h1")).to_have_text(title)

    # The round's function tests: the most overdue device first.
    page.get_by_test_id("support-nav").get_by_role(
        "link", name=nb("Function tests"), exact=True
    ).click()
    expect(page.get_by_role("heading", name=nb("Function tests due"))).to_be_visible()
    due_before = int(re.search(r"\d+", page.get_by_test_id("due-count").inner_text()).group())
    due_rows = page.get_by_test_id("due-list").locator("tbody tr")
    expect(due_rows.first).to_be_visible()
    assert due_before >= 1
    row = due_rows.first
    row_testid = row.get_attribute("data-testid")
    tested_serial = row.locator(".font-monospace").inner_text().strip()
    tested_recipient = row.locator("td").nth(1).locator(".fw-semibold").inner_text().strip()
    assert tested_serial
    assert tested_recipient
    row.get_by_role("link", name=nb("Record test")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        nb("Function test of %(serial)s", serial=tested_serial)
    )
    expect(page.get_by_test_id("test-recipient")).to_contain_text(tested_recipient)

    # It fails: the alarm cannot reach the response centre.
    failed = nb("Failed: something does not work")
    page.get_by_text(failed, exact=True).click()
    expect(page.get_by_label(failed)).to_be_checked()
    fault = "Ingen tale mot responssenteret; knappen gir bare en pipelyd."
    page.get_by_label(nb("Note"), exact=True).fill(fault)
    page.get_by_role("button", name=nb("Save the test")).click()

    # A ticket about the device is opened at once, for the recipient it is installed at.
    warning = page.locator(".flashes .alert-warning")
    expect(warning).to_be_visible()
    match = re.search(r"#(\d+)", warning.inner_text())
    assert match, warning.inner_text()
    new_id = int(match.group(1))
    assert new_id != ticket_id
    expect(warning).to_have_text(
        nb(
            "The failed function test of %(serial)s is recorded, and ticket #%(id)d "
            "is opened for it."
        )
        % {"serial": tested_serial, "id": new_id}
    )
    page.wait_for_url(f"{live_server}/support/{new_id}")
    expect(page.locator("h1")).to_contain_text(tested_serial)
    expect(page.get_by_test_id("ticket-status").locator(".badge").first).to_have_text(nb("New"))
    expect(page.get_by_test_id("devices")).to_contain_text(tested_serial)
    expect(page.get_by_test_id("recipient")).to_contain_text(tested_recipient)
    expect(page.get_by_test_id("description")).to_contain_text(fault)
    expect(page.get_by_test_id("reporter")).to_contain_text(technician)

    # It is in the technicians' own queue, found by the serial.
    page.goto(f"/support?queue=team&q={quote(tested_serial)}")
    new_row = page.locator(f'[data-testid="ticket-row"][data-ticket="{new_id}"]')
    expect(new_row).to_contain_text(tested_serial)
    expect(new_row).to_contain_text(nb("New"))

    # And the device has left the due list: tested today, due again in months.
    page.goto("/support/function-tests")
    expect(page.get_by_test_id(row_testid)).to_have_count(0)
    due_after = int(re.search(r"\d+", page.get_by_test_id("due-count").inner_text()).group())
    assert due_after == due_before - 1
