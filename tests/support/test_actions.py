"""Acting on a ticket through the pages: escalate and record the supplier's answer, replace
or repair the device, plan a technician's visit, gather alarms under one incident."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.conftest import count_statements, csrf_from, login
from vftops.auth.models import User
from vftops.core.errors import ValidationError
from vftops.core.models import local_today, utcnow
from vftops.equipment.models import Device, Placement, Visit
from vftops.extensions import db
from vftops.support import operations as ops
from vftops.support.models import Ticket, TicketEntry

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def site(app, factories):
    """Stjørdal: a servicedesk, a technician, a supplier's safety alarm installed at a
    critical recipient with a ticket about it, a spare alarm and a door sensor in the
    store. Meråker next door has its own alarm, ticket and incident."""
    from vftops.suppliers.operations import create_supplier

    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    anne = factories.user("servicedesk", municipalities=[m], username="anne")
    tor = factories.user("technician", municipalities=[m], username="tor")
    mari = factories.user("technician", municipalities=[other], username="mari")
    reader = factories.user("auditor", municipalities=[m], username="revisor")
    with app.app_context():
        supplier = create_supplier(
            None,
            name="Alarmleverandøren AS",
            support_phone="+4773000000",
            support_hours="Hverdager 08–16",
        )
        db.session.commit()
        supplier_id = supplier.id
    alarm = factories.product("safety_alarm", model="Lifeline Vi+", supplier_id=supplier_id)
    sensor = factories.product("door_sensor", model="Dørsensor")
    store = factories.store(m, name="Sentrallager")
    installed = factories.device(alarm, store, serial="ALARM-1")
    spare = factories.device(alarm, store, serial="ALARM-2")
    loose = factories.device(sensor, store, serial="SENSOR-1")
    foreign = factories.device(alarm, factories.store(other, name="Meråker lager"), serial="M-1")
    kari = factories.recipient(m, name="Kari Nordmann", is_critical=True, address="Storgata 1")
    factories.placement(installed, kari)
    with app.app_context():
        ops.create_team(None, m.id, name="Servicedesk", kind="servicedesk", is_default=True)
        ops.create_team(None, other.id, name="Servicedesk M", kind="servicedesk", is_default=True)
        ticket = _alarm(m.id, installed, "Alarmen svarer ikke")
        far_ticket = _alarm(other.id, foreign, "Alarm i Meråker")
        far_incident = ops.create_incident(
            None, other.id, title="Nettfeil Meråker", tickets=[far_ticket]
        )
        db.session.commit()
        ids = SimpleNamespace(
            ticket=ticket.id, far_ticket=far_ticket.id, far_incident=far_incident.id
        )
    return SimpleNamespace(
        m=m,
        other=other,
        anne=anne,
        tor=tor,
        mari=mari,
        reader=reader,
        supplier=supplier_id,
        alarm=alarm,
        store=store,
        installed=installed,
        spare=spare,
        loose=loose,
        foreign=foreign,
        kari=kari,
        **vars(ids),
    )


def _alarm(municipality_id, device, title, **kw):
    return ops.create_ticket(
        None,
        municipality_id,
        title=title,
        kind=kw.pop("kind", "technical_alarm"),
        channel="alarm",
        reporter_kind="monitoring",
        devices=[db.session.get(Device, device.id)] if device is not None else [],
        **kw,
    )


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, url, data, page="/account"):
    token = csrf_from(text(client.get(page)))
    return client.post(url, data={**data, "csrf_token": token})


def ticket_of(app, ticket_id) -> Ticket:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        db.session.expunge(ticket)
        return ticket


def log_of(app, ticket_id) -> str:
    with app.app_context():
        return "\n".join(
            db.session.scalars(select(TicketEntry.body).where(TicketEntry.ticket_id == ticket_id))
        )


def local(at: datetime) -> str:
    """A moment as a datetime-local field holds it: Norwegian time to the minute."""
    return at.astimezone(OSLO).strftime("%Y-%m-%dT%H:%M")


def test_the_ticket_page_offers_only_what_makes_sense(app, client, login_as, site):
    """An installed alarm can be replaced, not sent to repair; a device in the store can be
    sent to repair; a resolved ticket offers nothing; a reader sees no actions at all."""
    login_as(site.anne)
    page = text(client.get(f"/support/{site.ticket}"))
    assert "Eskaler til leverandør" in page
    assert "Bytt enhet" in page
    assert "ALARM-1" in page
    assert "Planlegg besøk" in page
    assert "Send til reparasjon" not in page
    with app.app_context():
        in_store = _alarm(site.m.id, site.spare, "Reserve piper").id
        done = _alarm(site.m.id, site.spare, "Løst sak")
        ops.change_status(None, done, "resolved", note="Byttet batteri")
        db.session.commit()
        done = done.id
    page = text(client.get(f"/support/{in_store}"))
    assert "Send til reparasjon" in page
    assert "Bytt enhet" not in page
    page = text(client.get(f"/support/{done}"))
    assert 'data-testid="ticket-actions"' not in page
    reader = app.test_client()
    login(reader, site.reader)
    page = text(reader.get(f"/support/{site.ticket}"))
    assert 'data-testid="ticket-actions"' not in page
    assert "Eskaler til leverandør" not in page


def test_the_actions_cost_the_same_for_one_device_or_many(app, client, login_as, site, factories):
    """The action list reads a fixed number of rows, however many devices the ticket has."""
    with app.app_context():
        many = _alarm(site.m.id, site.installed, "Mange enheter").id
        db.session.commit()
    login_as(site.anne)
    client.get(f"/support/{site.ticket}")
    with count_statements(app) as one:
        client.get(f"/support/{site.ticket}")
    for n in range(6):
        device = factories.device(site.alarm, site.store, serial=f"EKSTRA-{n}")
        recipient = factories.recipient(site.m, name=f"Mottaker {n}")
        if n % 2:
            factories.placement(device, recipient)
        with app.app_context():
            ticket = db.session.get(Ticket, many)
            ticket.devices.append(db.session.get(Device, device.id))
            db.session.commit()
    with count_statements(app) as six:
        page = text(client.get(f"/support/{many}"))
    assert page.count('data-testid="action-replace"') == 4  # ALARM-1 and three more
    assert page.count('data-testid="action-repair"') == 3
    assert len(six) == len(one)


def test_escalating_stops_the_clock(app, client, login_as, site):
    """«Eskaler til leverandør»: the product's supplier is already chosen and their phone
    shown; afterwards the ticket waits for the supplier and its clock stands still."""
    login_as(site.anne)
    form = text(client.get(f"/support/{site.ticket}/escalate"))
    assert re.search(rf'<option selected value="{site.supplier}">Alarmleverandøren AS', form)
    assert "+4773000000" in form
    assert "Hverdager 08–16" in form
    response = post(
        client,
        f"/support/{site.ticket}/escalate",
        {"supplier_id": site.supplier, "supplier_ref": "HD-2231", "note": "Ringte support"},
    )
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "eskalert til Alarmleverandøren AS" in page
    assert "Venter på leverandør" in page
    assert 'data-clock="paused"' in page
    assert "HD-2231" in page
    ticket = ticket_of(app, site.ticket)
    assert ticket.status == "waiting_supplier"
    assert ticket.escalated_at is not None
    assert ticket.waiting_since == ticket.escalated_at
    assert "Eskalert til Alarmleverandøren AS (saksnr. HD-2231)\nRingte support" in log_of(
        app, site.ticket
    )


def test_the_waiting_time_moves_the_deadline_on(app, site):
    """Two hours waiting for the supplier give two more hours to resolve (24/7 calendar)."""
    from vftops.suppliers.models import Supplier

    with app.app_context():
        ticket = db.session.get(Ticket, site.ticket)
        due = ticket.resolve_due_at
        start = utcnow() - timedelta(hours=3)
        ops.escalate(None, ticket, db.session.get(Supplier, site.supplier), at=start)
        ops.change_status(None, ticket, "in_progress", at=start + timedelta(hours=2))
        db.session.commit()
        assert ticket.sla_calendar == "24x7"
        assert ticket.paused_minutes == 120
        assert ticket.resolve_due_at == due + timedelta(hours=2)


def _escalated(app, site, hours_ago=3):
    from vftops.suppliers.models import Supplier

    with app.app_context():
        at = (utcnow() - timedelta(hours=hours_ago)).replace(microsecond=0)
        ops.escalate(
            None,
            db.session.get(Ticket, site.ticket),
            db.session.get(Supplier, site.supplier),
            supplier_ref="HD-1",
            at=at,
        )
        db.session.commit()
        return at


def test_the_supplier_times_are_typed_in_norwegian_time_and_stored_in_utc(
    app, client, login_as, site
):
    escalated = _escalated(app, site)
    answered = (escalated + timedelta(minutes=40)).replace(second=0)
    fixed = (escalated + timedelta(minutes=150)).replace(second=0)
    login_as(site.anne)
    response = post(
        client,
        f"/support/{site.ticket}/supplier-response",
        {
            "supplier-answered_at": local(answered),
            "supplier-fixed_at": local(fixed),
            "supplier-supplier_ref": "HD-1",
        },
    )
    assert response.status_code == 302
    ticket = ticket_of(app, site.ticket)
    assert ticket.supplier_answered_at == answered
    assert ticket.supplier_fixed_at == fixed
    page = text(client.get(f"/support/{site.ticket}"))
    shown = fixed.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")
    assert re.search(rf'data-testid="supplier-fixed">{shown}<', page)
    assert f'value="{local(answered)}"' in page  # the form shows what is recorded
    said = "Leverandøren svarte {} og rettet {}".format(
        *(at.astimezone(OSLO).strftime("%d.%m.%Y %H:%M") for at in (answered, fixed))
    )
    assert said in log_of(app, site.ticket)


def test_a_supplier_answer_in_the_escalations_own_minute_is_accepted(app, client, login_as, site):
    """Escalated at 10:05:30, answered «10:05»: the minute is the escalation's own."""
    escalated = _escalated(app, site)
    login_as(site.anne)
    response = post(
        client,
        f"/support/{site.ticket}/supplier-response",
        {"supplier-answered_at": local(escalated)},
    )
    assert response.status_code == 302
    assert ticket_of(app, site.ticket).supplier_answered_at == escalated


def test_fixed_before_the_supplier_answered_is_refused(app, client, login_as, site):
    """Nothing is saved, the message sits beside the field, and both times stay typed."""
    escalated = _escalated(app, site)
    answered = local(escalated + timedelta(hours=2))
    fixed = local(escalated + timedelta(hours=1))
    login_as(site.anne)
    response = post(
        client,
        f"/support/{site.ticket}/supplier-response",
        {"supplier-answered_at": answered, "supplier-fixed_at": fixed},
    )
    assert response.status_code == 422
    page = text(response)
    assert "Feilen kan ikke være rettet før leverandøren har svart." in page
    assert f'value="{answered}"' in page
    assert f'value="{fixed}"' in page
    ticket = ticket_of(app, site.ticket)
    assert ticket.supplier_answered_at is None
    assert ticket.supplier_fixed_at is None


def test_a_fix_before_the_recorded_answer_is_refused_too(app, site):
    """The answer came earlier and is on record; a fix given alone is checked against it."""
    escalated = _escalated(app, site)
    with app.app_context():
        ticket = db.session.get(Ticket, site.ticket)
        ops.record_supplier_response(None, ticket, answered_at=escalated + timedelta(hours=2))
        db.session.commit()
        with pytest.raises(ValidationError) as refused:
            ops.record_supplier_response(None, ticket, fixed_at=escalated + timedelta(hours=1))
        assert set(refused.value.fields) == {"fixed_at"}


def test_a_time_before_the_escalation_or_in_the_future_is_refused(app, client, login_as, site):
    escalated = _escalated(app, site)
    login_as(site.anne)
    response = post(
        client,
        f"/support/{site.ticket}/supplier-response",
        {
            "supplier-answered_at": local(escalated - timedelta(hours=1)),
            "supplier-fixed_at": local(utcnow() + timedelta(days=1)),
        },
    )
    assert response.status_code == 422
    assert text(response).count("Oppgi et tidspunkt mellom eskaleringen og nå.") == 2


def test_supplier_times_on_a_ticket_never_escalated_are_refused(app, client, login_as, site):
    login_as(site.anne)
    response = post(
        client,
        f"/support/{site.ticket}/supplier-response",
        {"supplier-answered_at": local(utcnow())},
    )
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert ticket_of(app, site.ticket).supplier_answered_at is None
    assert "alert-danger" in page


def test_escalating_without_a_supplier_keeps_what_was_typed(app, client, login_as, site):
    login_as(site.anne)
    response = post(
        client,
        f"/support/{site.ticket}/escalate",
        {"supplier_id": "", "supplier_ref": "HD-77", "note": "Ringt to ganger"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "Velg leverandør." in page
    assert 'value="HD-77"' in page
    assert "Ringt to ganger" in page
    assert ticket_of(app, site.ticket).status == "new"


def test_a_mass_incident_of_40_alarms_is_resolved_in_one_step(app, client, login_as, site):
    """The mobile network is down: 40 alarms in a few minutes. The start page suggests an
    incident, its button opens the form with every alarm ticked, and resolving the
    incident resolves every alarm with the same note."""
    with app.app_context():
        more = [_alarm(site.m.id, None, f"Mistet forbindelse {n}").id for n in range(39)]
        db.session.commit()
    ids = [site.ticket, *more]
    login_as(site.anne)
    start = text(client.get("/"))
    suggestion = re.search(r'href="(/support/incidents/new\?ticket_ids=[^"]+)"', start)
    page = text(client.get(suggestion.group(1).replace("&amp;", "&")))
    assert page.count('data-testid="incident-ticket"') == 40
    assert page.count(" checked>") == 40
    response = client.post(
        "/support/incidents/new",
        data={
            "csrf_token": csrf_from(page),
            "listed": ids,
            "ticket_ids": ids,
            "title": "Mobilnettet nede i Hegra",
            "description": "Telenor melder brudd.",
        },
    )
    assert response.status_code == 302
    incident_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    page = text(client.get(response.headers["Location"]))
    assert f"Hendelse #{incident_id} er opprettet med 40 saker" in page
    with app.app_context():
        incident = db.session.get(Ticket, incident_id)
        assert incident.is_incident
        assert len(incident.children) == 40
        ops.change_status(
            db.session.get(User, site.anne.id),
            incident,
            "resolved",
            note="Telenor har rettet feilen",
        )
        db.session.commit()
        children = db.session.scalars(select(Ticket).where(Ticket.id.in_(ids))).all()
        assert {t.status for t in children} == {"resolved"}
        assert {t.resolution for t in children} == {"Telenor har rettet feilen"}
    assert f"Løst sammen med hendelse #{incident_id}\nTelenor har rettet feilen" in log_of(
        app, ids[-1]
    )


def test_an_incident_needs_a_title_and_keeps_the_chosen_tickets(app, client, login_as, site):
    with app.app_context():
        first = _alarm(site.m.id, None, "Alarm A").id
        second = _alarm(site.m.id, None, "Alarm B").id
        db.session.commit()
    login_as(site.anne)
    page = text(client.get(f"/support/incidents/new?ticket_ids={first},{second}"))
    response = client.post(
        "/support/incidents/new",
        data={
            "csrf_token": csrf_from(page),
            "listed": [first, second],
            "ticket_ids": [second],
            "title": "",
            "description": "Strømbrudd",
            "more": "",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "Skriv en kort tittel: hva er galt?" in page
    assert f'value="{first}" id="ticket-{first}">' in page  # listed, still not ticked
    assert f'value="{second}" id="ticket-{second}" checked>' in page
    assert "Strømbrudd" in page
    with app.app_context():
        made = select(Ticket.id).where(Ticket.is_incident, Ticket.municipality_id == site.m.id)
        assert db.session.scalar(made) is None


def test_tickets_added_by_number_must_be_ones_the_user_may_see(app, client, login_as, site):
    login_as(site.anne)
    page = text(client.get("/support/incidents/new"))
    response = client.post(
        "/support/incidents/new",
        data={
            "csrf_token": csrf_from(page),
            "title": "Nettfeil",
            "more": f"#{site.ticket}, #{site.far_ticket}",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert f"#{site.far_ticket}" in page
    assert "i dine kommuner" in page
    assert f'value="#{site.ticket}, #{site.far_ticket}"' in page
    response = client.post(
        "/support/incidents/new",
        data={"csrf_token": csrf_from(page), "title": "Nettfeil", "more": f"{site.ticket}"},
    )
    assert response.status_code == 302
    assert ticket_of(app, site.ticket).parent_id is not None


def test_another_municipalitys_tickets_and_incidents_are_out_of_reach(app, client, login_as, site):
    """Linking to Meråker's incident, linking Meråker's ticket, or gathering it under a new
    incident all answer «not found»; the operation refuses the mix as well."""
    login_as(site.anne)
    assert (
        post(
            client, f"/support/{site.ticket}/link", {"link-incident_id": site.far_incident}
        ).status_code
        == 404
    )
    assert (
        post(
            client, f"/support/{site.far_ticket}/link", {"link-incident_id": site.far_incident}
        ).status_code
        == 404
    )
    assert client.get(f"/support/incidents/new?ticket_ids={site.far_ticket}").status_code == 404
    assert (
        post(
            client,
            "/support/incidents/new",
            {"ticket_ids": [site.ticket, site.far_ticket], "title": "Blanding"},
        ).status_code
        == 404
    )
    assert ticket_of(app, site.ticket).parent_id is None
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            ops.link_to_incident(
                None,
                db.session.get(Ticket, site.far_incident),
                [db.session.get(Ticket, site.ticket)],
            )
        assert "ticket_ids" in refused.value.fields


def test_link_to_an_open_incident_and_take_it_out_again(app, client, login_as, site):
    with app.app_context():
        other = _alarm(site.m.id, None, "Annen alarm")
        incident = ops.create_incident(None, site.m.id, title="Nettfeil Hegra", tickets=[other])
        db.session.commit()
        incident_id = incident.id
    login_as(site.anne)
    page = text(client.get(f"/support/{site.ticket}"))
    assert f'<option value="{incident_id}">#{incident_id} Nettfeil Hegra</option>' in page
    response = post(client, f"/support/{site.ticket}/link", {"link-incident_id": incident_id})
    page = text(client.get(response.headers["Location"]))
    assert f"Saken er nå en del av hendelse #{incident_id}" in page
    assert "Ta ut av hendelsen" in page
    assert ticket_of(app, site.ticket).parent_id == incident_id
    response = post(client, f"/support/{site.ticket}/unlink", {})
    page = text(client.get(response.headers["Location"]))
    assert f"Saken er tatt ut av hendelse #{incident_id}" in page
    assert ticket_of(app, site.ticket).parent_id is None


def test_replace_from_a_ticket(app, client, login_as, site):
    """The technician scans the spare: the faulty alarm goes to repair, the spare is
    installed at Kari with the same settings, and the ticket is linked to both."""
    login_as(site.tor)
    with app.app_context():
        placement = db.session.scalar(
            select(Placement.id).where(Placement.device_id == site.installed.id)
        )
    page = text(client.get(f"/support/{site.ticket}/replace?placement_id={placement}"))
    assert f'<option selected value="{placement}">ALARM-1' in page
    assert "ALARM-2" in page  # suggested from the store
    assert "SENSOR-1" not in page
    response = client.post(
        f"/support/{site.ticket}/replace",
        data={
            "csrf_token": csrf_from(page),
            "placement_id": placement,
            "serial": " alarm-2 ",
            "destination": "repair",
            "note": "Svarer ikke på test",
        },
    )
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "ALARM-1 er byttet med ALARM-2 hos Kari Nordmann" in page
    with app.app_context():
        old = db.session.get(Device, site.installed.id)
        new = db.session.get(Device, site.spare.id)
        assert old.status == "in_repair"
        assert new.status == "installed"
        now_at = db.session.scalar(
            select(Placement).where(Placement.device_id == new.id, Placement.returned_at.is_(None))
        )
        assert now_at.recipient_id == site.kari.id
        assert now_at.replaces_id == placement
        ticket = db.session.get(Ticket, site.ticket)
        assert {d.serial_number for d in ticket.devices} == {"ALARM-1", "ALARM-2"}
    assert "Byttet ALARM-1 med ALARM-2 (ALARM-1 til reparasjon)" in log_of(app, site.ticket)


def test_a_scanned_label_names_the_replacement(app, client, login_as, site):
    """The QR label carries the device page's address; scanning it is as good as typing."""
    login_as(site.tor)
    with app.app_context():
        placement = db.session.scalar(
            select(Placement.id).where(Placement.device_id == site.installed.id)
        )
    response = post(
        client,
        f"/support/{site.ticket}/replace",
        {
            "placement_id": placement,
            "serial": f"http://localhost/devices/{site.spare.id}",
            "destination": "store",
            "store_id": site.store.id,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Device, site.spare.id).status == "installed"
        assert db.session.get(Device, site.installed.id).status == "awaiting_reset"


@pytest.mark.parametrize(
    ("serial", "message"),
    [
        ("FINNES-IKKE", "Finner ingen enhet med det nummeret i dine kommuner."),
        (
            "SENSOR-1",
            "Det er en dørsensor: erstatningen må være en trygghetsalarm, som den defekte enheten.",
        ),
        ("ALARM-1", "Dette er den defekte enheten. Skann erstatningen."),
        ("M-1", "Finner ingen enhet med det nummeret i dine kommuner."),
    ],
)
def test_a_wrong_replacement_keeps_what_was_typed(app, client, login_as, site, serial, message):
    login_as(site.tor)
    with app.app_context():
        placement = db.session.scalar(
            select(Placement.id).where(Placement.device_id == site.installed.id)
        )
    response = post(
        client,
        f"/support/{site.ticket}/replace",
        {"placement_id": placement, "serial": serial, "destination": "repair", "note": "Død"},
    )
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert f'value="{serial}"' in page
    assert "Død" in page
    with app.app_context():
        assert db.session.get(Device, site.installed.id).status == "installed"


def test_to_a_store_without_naming_it_is_refused(app, client, login_as, site):
    login_as(site.tor)
    with app.app_context():
        placement = db.session.scalar(
            select(Placement.id).where(Placement.device_id == site.installed.id)
        )
    response = post(
        client,
        f"/support/{site.ticket}/replace",
        {"placement_id": placement, "serial": "ALARM-2", "destination": "store"},
    )
    assert response.status_code == 422
    assert "Velg et lager." in text(response)
    with app.app_context():
        assert db.session.get(Device, site.spare.id).status == "in_stock"


def test_send_a_device_in_the_store_to_repair(app, client, login_as, site):
    with app.app_context():
        ticket_id = _alarm(site.m.id, site.spare, "Reserven piper", kind="equipment_fault").id
        db.session.commit()
    login_as(site.anne)
    response = post(client, f"/support/{ticket_id}/repair", {"device_id": site.spare.id})
    page = text(client.get(response.headers["Location"]))
    assert "ALARM-2 er registrert som sendt til leverandøren for reparasjon." in page
    with app.app_context():
        assert db.session.get(Device, site.spare.id).status == "in_repair"
    assert "ALARM-2 sendt til reparasjon" in log_of(app, ticket_id)
    # An installed device is replaced, not sent to repair from the ticket.
    response = post(client, f"/support/{site.ticket}/repair", {"device_id": site.installed.id})
    page = text(client.get(response.headers["Location"]))
    assert "alert-danger" in page
    with app.app_context():
        assert db.session.get(Device, site.installed.id).status == "installed"
    assert (
        post(client, f"/support/{ticket_id}/repair", {"device_id": site.foreign.id}).status_code
        == 404
    )


def test_a_visit_planned_from_a_ticket_shows_in_the_technicians_day(app, client, login_as, site):
    """The servicedesk puts a job on Tor's list for today; Tor's «Mine oppdrag i dag»
    shows it at Kari's with a link back to the ticket."""
    login_as(site.anne)
    form = text(client.get(f"/support/{site.ticket}/visit"))
    options = re.search(r'<select[^>]*name="assigned_to_id".*?</select>', form, re.S).group(0)
    assert "Person Tor" in options
    assert "Person Anne" not in options  # the servicedesk does not install
    assert "Person Mari" not in options  # Meråker's technician
    response = post(
        client,
        f"/support/{site.ticket}/visit",
        {
            "assigned_to_id": site.tor.id,
            "planned_on": local_today().isoformat(),
            "kind": "replace",
            "device_id": site.installed.id,
            "note": "",
        },
    )
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Oppdraget står på listen til Person Tor" in page
    technician = app.test_client()
    login(technician, site.tor)
    day = text(technician.get("/my-day"))
    today = day.split('data-testid="jobs-today"', 1)[1]
    assert "Kari Nordmann" in today
    assert f'href="/support/{site.ticket}">Sak #{site.ticket}: Alarmen svarer ikke</a>' in today
    assert "Bytt ALARM-1" in today
    with app.app_context():
        visit = db.session.scalar(select(Visit))
        assert visit.ticket_id == site.ticket
        assert visit.placement_id is not None


def test_a_visit_with_bad_input_keeps_what_was_typed(app, client, login_as, site):
    login_as(site.anne)
    response = post(
        client,
        f"/support/{site.ticket}/visit",
        {
            "assigned_to_id": site.mari.id,
            "planned_on": "",
            "kind": "replace",
            "note": "Nøkkel i nøkkelboks",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "Velg en dag." in page
    assert "Nøkkel i nøkkelboks" in page
    response = post(
        client,
        f"/support/{site.ticket}/visit",
        {"assigned_to_id": site.mari.id, "planned_on": "2026-12-01", "kind": "replace"},
    )
    assert response.status_code == 422
    assert "Velg en tekniker som jobber i kommunen." in text(response)
    with app.app_context():
        assert db.session.scalar(select(Visit.id)) is None


def test_a_ticket_without_a_recipient_cannot_get_a_visit(app, client, login_as, site):
    with app.app_context():
        lonely = _alarm(site.m.id, None, "Generelt spørsmål", kind="question").id
        db.session.commit()
    login_as(site.anne)
    assert "Planlegg besøk" not in text(client.get(f"/support/{lonely}"))
    page = text(client.get(f"/support/{lonely}/visit"))
    assert "Saken har ingen tjenestemottaker å besøke." in page


def test_it_acting_on_a_ticket_does_not_see_whose_home_it_is(
    app, client, login_as, site, factories
):
    """IT handles tickets but may not see recipients: planning a visit, replacing the
    device and gathering an incident name no citizen and no address."""
    ivar = factories.user("it", municipalities=[site.m], username="ivar")
    login_as(ivar)
    pages = {
        "visit": client.get(f"/support/{site.ticket}/visit"),
        "replace": client.get(f"/support/{site.ticket}/replace"),
        "incident": client.get(f"/support/incidents/new?ticket_ids={site.ticket}"),
    }
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert "Kari Nordmann" not in html, name
        assert "Storgata 1" not in html, name
        assert "tjenestemottaker" in html.lower(), name


def test_a_ticket_under_one_incident_is_not_moved_to_another_without_a_word(app, site):
    """Typing a ticket that already belongs to incident A into incident B is refused,
    naming A: A would otherwise still count on resolving it."""
    with app.app_context():
        ticket = db.session.get(Ticket, site.ticket)
        first = ops.create_incident(None, site.m.id, title="Mobilnettet nede", tickets=[ticket])
        db.session.commit()
        spare = db.session.get(Device, site.spare.id)
        other = ops.create_ticket(
            None,
            site.m.id,
            title="Alarmen piper",
            kind="technical_alarm",
            channel="alarm",
            reporter_kind="monitoring",
            devices=[spare],
        )
        db.session.commit()
        with pytest.raises(ValidationError) as refused:
            ops.create_incident(
                None,
                site.m.id,
                title="Strømbrudd",
                tickets=[other, db.session.get(Ticket, site.ticket)],
            )
        db.session.rollback()
        message = str(refused.value.fields["ticket_ids"][0])
        assert f"#{site.ticket}" in message
        assert f"#{first.id}" in message
        assert db.session.get(Ticket, site.ticket).parent_id == first.id
        assert db.session.get(Ticket, other.id).parent_id is None
