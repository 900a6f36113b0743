"""The servicedesk's pages: the queues, reporting a ticket, working on it, attachments."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import count_statements, csrf_from, login, race_requests
from vftops.auth.models import User
from vftops.core.models import utcnow
from vftops.equipment.models import Device, Recipient
from vftops.extensions import db
from vftops.suppliers.models import Supplier
from vftops.support import operations as ops
from vftops.support.attachments import add_attachment
from vftops.support.models import SupportSettings, Team, Ticket, TicketAttachment, TicketEntry
from vftops.systems.models import ItSystem

# The smallest valid PNG and the start of a PDF: what a phone and a scanner send.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a1c50000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def desk(app, factories):
    """Stjørdal: a servicedesk (default team) and technicians who get the alarms of one
    product; an alarm installed at a critical recipient, a loose sensor. Meråker next door
    has its own alarm. Anne and Bjørn work the desk, Tor is a technician."""
    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    anne = factories.user("servicedesk", municipalities=[m], username="anne")
    bjorn = factories.user("servicedesk", municipalities=[m], username="bjorn")
    tor = factories.user("technician", municipalities=[m], username="tor")
    reader = factories.user("auditor", municipalities=[m], username="revisor")
    it = factories.user("it", municipalities=[m], username="ivar")
    buyer = factories.user("procurement", municipalities=[m], username="ingrid")
    shared = factories.user("servicedesk", municipalities=[m, other], username="siri")
    store = factories.store(m, name="Sentrallager")
    alarm = factories.product("safety_alarm", model="Lifeline Vi+")
    sensor = factories.product("door_sensor", model="Dørsensor")
    device = factories.device(alarm, store, serial="ALARM-1")
    critical = factories.recipient(m, name="Kari Kritisk", is_critical=True)
    factories.placement(device, critical)
    loose = factories.device(sensor, store, serial="SENSOR-1")
    foreign = factories.device(alarm, factories.store(other, name="Meråker lager"), serial="M-1")
    centre = factories.system(m, "Responssenterløsning", kind="response_centre")
    with app.app_context():
        desk_team = ops.create_team(
            None, m.id, name="Servicedesk", kind="servicedesk", is_default=True
        )
        technicians = ops.create_team(
            None, m.id, name="Teknikere", kind="technicians", members=[_get(User, tor)]
        )
        ops.save_rule(
            None, m.id, team=technicians, position=10, kind="technical_alarm", product_id=alarm.id
        )
        far_team = ops.create_team(
            None, other.id, name="Meråker drift", kind="servicedesk", is_default=True
        )
        db.session.commit()
        ids = SimpleNamespace(
            desk_team=desk_team.id, technicians=technicians.id, far_team=far_team.id
        )
    return SimpleNamespace(
        m=m,
        other=other,
        anne=anne,
        bjorn=bjorn,
        tor=tor,
        reader=reader,
        it=it,
        buyer=buyer,
        shared=shared,
        alarm=alarm,
        device=device,
        loose=loose,
        foreign=foreign,
        critical=critical,
        centre=centre,
        **vars(ids),
    )


def _get(model, obj):
    return db.session.get(model, obj.id)


def make_ticket(app, desk, *, municipality=None, devices=None, at=None, **kw) -> int:
    """A ticket through the operation, as a monitoring system would send it."""
    with app.app_context():
        data = {
            "title": "Lavt batteri",
            "kind": "technical_alarm",
            "channel": "alarm",
            "reporter_kind": "monitoring",
        }
        data.update(kw)
        if "system_id" in data:  # a system of the register, by id
            data["system"] = db.session.get(ItSystem, data.pop("system_id"))
        ticket = ops.create_ticket(
            None,
            (municipality or desk.m).id,
            devices=[db.session.get(Device, d.id) for d in (devices or [])],
            at=at,
            **data,
        )
        db.session.commit()
        return ticket.id


def act(app, ticket_id, step, *args, **kw):
    """Run one operation on a ticket as a person (or vftops) and commit."""
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        actor = kw.pop("actor", None)
        result = step(db.session.get(User, actor.id) if actor else None, ticket, *args, **kw)
        db.session.commit()
        return result


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(client, url, data, page=None, **kw):
    """POST a form with the CSRF token of a page (the ticket's page by default)."""
    source = client.get(page or url.rsplit("/", 1)[0])
    return client.post(
        url, data={**data, "csrf_token": csrf_from(source.get_data(as_text=True))}, **kw
    )


def rows(body: str) -> dict[int, str]:
    """The queue's rows by ticket number."""
    found = {}
    for match in re.finditer(
        r'<tr data-testid="ticket-row" data-ticket="(\d+)".*?</tr>', body, re.S
    ):
        found[int(match.group(1))] = match.group(0)
    return found


def version_of(body: str, prefix: str = "") -> str:
    name = f"{prefix}-version" if prefix else "version"
    return re.search(rf'name="{name}"[^>]*value="(\d+)"', body).group(1)


@pytest.fixture
def own_attachment_dir(app, tmp_path, monkeypatch):
    """Files of this test only, so counting them says what this test stored."""
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "attachments"))
    return tmp_path / "attachments"


def stored_files(app) -> int:
    directory = Path(app.config["ATTACHMENT_DIR"])
    return len(list(directory.iterdir())) if directory.exists() else 0


# --- the queue ----------------------------------------------------------------------


def test_the_queue_shows_each_ticket_with_its_clock_and_the_tabs_their_counts(app, client, desk):
    """A new alarm with time left, one waiting for the supplier (paused), one past its
    deadline (breach), one soon due (warning); the tabs count them."""
    now = utcnow()
    fresh = make_ticket(app, desk, title="Alarmen svarer ikke", devices=[desk.device])
    waiting = make_ticket(app, desk, title="Dispenseren låser seg", kind="equipment_fault")
    act(app, waiting, ops.change_status, "waiting_supplier", actor=desk.anne)
    late = make_ticket(
        app, desk, title="Mistet forbindelse", devices=[desk.device], at=now - timedelta(days=2)
    )
    # Priority 2 (critical recipient): 8 hours to resolve, a warning with 2 hours left.
    soon = make_ticket(
        app,
        desk,
        title="Trygghetsalarm ustabil",
        devices=[desk.device],
        at=now - timedelta(hours=7),
    )
    act(app, soon, ops.acknowledge, actor=desk.tor, at=now - timedelta(hours=6))

    login(client, desk.anne)
    body = text(client.get("/support?queue=open"))
    assert "Supportsaker" in body
    found = rows(body)
    assert set(found) == {fresh, waiting, late, soon}
    assert "Pauset" in found[waiting]
    assert "Venter på leverandør" in found[waiting]
    assert "Brudd" in found[late]
    assert "over fristen for kvittering" in found[late]
    assert 'data-clock="breached"' in found[late]
    assert 'data-clock="soon"' in found[soon]
    assert "igjen til løsning" in found[soon]
    assert re.search(r"\d+ min", found[fresh])
    assert "igjen til kvittering" in found[fresh]
    # The alarm about the critical recipient's device: routed, urgent, her name shown.
    assert "Teknikere" in found[fresh]
    assert "Høy" in found[fresh]
    assert "Kari Kritisk" in found[fresh]
    assert "Ingen eier den" in found[fresh]
    # Sorted by deadline: the breached one first.
    assert next(iter(found)) == late

    counts = dict(re.findall(r'data-testid="count-(\w+)">(\d+)<', body))
    assert counts["mine"] == "1"  # Anne took the waiting one by changing its status
    assert counts["unassigned"] == "2"
    assert counts["supplier"] == "1"
    assert counts["open"] == "4"
    assert int(counts["soon"]) >= 2

    mine = rows(text(client.get("/support?queue=mine")))
    assert set(mine) == {waiting}
    supplier = rows(text(client.get("/support?queue=supplier")))
    assert set(supplier) == {waiting}


def test_the_team_queue_is_the_users_own_teams(app, client, desk):
    alarm = make_ticket(app, desk, devices=[desk.device])  # routed to the technicians
    question = make_ticket(app, desk, title="Spørsmål om sensor", kind="question")
    login(client, desk.tor)
    found = rows(text(client.get("/support?queue=team")))
    assert set(found) == {alarm}
    assert question not in found


def test_filters_search_and_sorting(app, client, desk):
    first = make_ticket(app, desk, title="Dørsensor faller av", kind="equipment_fault")
    second = make_ticket(app, desk, title="Trygghetsalarm uten strøm", devices=[desk.device])
    third = make_ticket(app, desk, title="Tilgang til responssenteret", kind="access")
    login(client, desk.anne)

    assert set(rows(text(client.get("/support?q=strøm")))) == {second}
    assert set(rows(text(client.get(f"/support?q=%23{third}")))) == {third}
    assert set(rows(text(client.get("/support?kind=access")))) == {third}
    assert set(rows(text(client.get(f"/support?team_id={desk.technicians}")))) == {second}
    assert set(rows(text(client.get("/support?priority=2")))) == {second}
    newest = list(rows(text(client.get("/support?sort=newest"))))
    assert newest == [third, second, first]
    assert list(rows(text(client.get("/support?sort=oldest")))) == [first, second, third]
    empty = text(client.get("/support?q=finnesikke"))
    assert "Ingen saker passer til filteret." in empty
    # Nonsense in the query string is ignored, not an error.
    assert client.get("/support?queue=x&priority=abc&sort=x&page=-3").status_code == 200


def test_several_municipalities_filter_by_municipality(app, client, desk):
    here = make_ticket(app, desk, title="Stjørdal-sak", kind="question")
    there = make_ticket(app, desk, title="Meråker-sak", kind="question", municipality=desk.other)
    login(client, desk.shared)
    body = text(client.get("/support"))
    assert set(rows(body)) == {here, there}
    assert "Meråker" in rows(body)[there]
    only = rows(text(client.get(f"/support?municipality_id={desk.other.id}")))
    assert set(only) == {there}
    # Anne works in Stjørdal only: the Meråker ticket is not hers to see.
    client.post("/logout", data={"csrf_token": csrf_from(body)})
    login(client, desk.anne)
    assert set(rows(text(client.get("/support")))) == {here}


def test_the_queue_runs_the_same_statements_for_3_and_40_tickets(app, client, desk):
    """No query per row: the page costs the same however many tickets it shows."""

    def measure() -> int:
        with count_statements(app) as statements:
            response = client.get("/support?queue=open")
        assert response.status_code == 200
        return len(statements)

    for _ in range(3):
        make_ticket(app, desk, devices=[desk.device])
    login(client, desk.anne)
    few = measure()
    for i in range(37):
        make_ticket(app, desk, title=f"Sak {i}", kind="equipment_fault", devices=[desk.device])
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == 40
    many = measure()
    assert many == few, (few, many)
    assert len(rows(text(client.get("/support?queue=open")))) == 40


def test_a_burst_of_alarms_is_suggested_as_an_incident(app, client, desk):
    with app.app_context():
        db.session.add(
            SupportSettings(
                municipality_id=desk.m.id,
                auto_close_days=7,
                incident_threshold=2,
                incident_window_minutes=15,
            )
        )
        db.session.commit()
    alarms = [
        make_ticket(app, desk, title=f"Mistet forbindelse {i}", devices=[desk.device])
        for i in range(3)
    ]
    login(client, desk.anne)
    body = text(client.get("/support"))
    suggestion = re.search(r'data-testid="incident-suggestion".*?</a>', body, re.S)
    assert suggestion, body
    assert "Mulig massehendelse" in suggestion.group(0)
    assert "3 tekniske alarmer siste 15 minutter" in suggestion.group(0)
    ids = ",".join(str(i) for i in alarms)
    assert f"ticket_ids={ids}" in body or f"ticket_ids={ids.replace(',', '%2C')}" in body
    assert "Lag én hendelse av de valgte sakene" in body
    for ticket_id in alarms:
        assert f'name="ticket_ids" value="{ticket_id}" form="incident-form"' in body
    # The auditor reads the queue too, but is not offered to make incidents.
    client.post("/logout", data={"csrf_token": csrf_from(body)})
    login(client, desk.reader)
    read = text(client.get("/support"))
    assert "Mulig massehendelse" in read
    assert 'name="ticket_ids"' not in read
    assert "Se alarmene" in read  # the list of alarms instead


def test_a_shared_servicedesk_gets_each_municipalitys_suggestion_in_two_queries(app, client, desk):
    """Siri works for Stjørdal and Meråker. Meråker's own rule (2 alarms in 15 minutes)
    is met; Stjørdal's default rule is not. The check costs the same two statements
    however many municipalities she serves."""
    with app.app_context():
        db.session.add(
            SupportSettings(
                municipality_id=desk.other.id,
                auto_close_days=7,
                incident_threshold=2,
                incident_window_minutes=15,
            )
        )
        db.session.commit()
    for i in range(3):
        make_ticket(app, desk, municipality=desk.other, title=f"Meråker {i}")
        make_ticket(app, desk, title=f"Stjørdal {i}")
    login(client, desk.shared)
    with count_statements(app) as statements:
        body = text(client.get("/support"))
    suggestions = re.findall(r'data-testid="incident-suggestion".*?</a>', body, re.S)
    assert len(suggestions) == 1
    assert "Meråker" in suggestions[0]
    assert "3 tekniske alarmer siste 15 minutter" in suggestions[0]
    assert len([s for s in statements if "FROM support_settings" in s]) == 1


# --- the start page -----------------------------------------------------------------


def test_the_start_page_counts_the_queues_and_links_them(app, client, desk):
    with app.app_context():
        db.session.add(
            SupportSettings(
                municipality_id=desk.m.id,
                auto_close_days=7,
                incident_threshold=2,
                incident_window_minutes=15,
            )
        )
        db.session.commit()
    for _ in range(3):
        make_ticket(app, desk, devices=[desk.device])  # to the technicians, unassigned
    waiting = make_ticket(app, desk, title="Venter på Tunstall", kind="equipment_fault")
    act(app, waiting, ops.change_status, "waiting_supplier", actor=desk.tor)
    login(client, desk.tor)
    with count_statements(app) as statements:
        body = text(client.get("/"))
    block = re.search(r'data-testid="ticket-counts".*?</section>', body, re.S).group(0)
    assert "Supportsaker" in block

    def count(name):
        link = re.search(
            rf'href="/support\?queue={name}" data-testid="start-count-{name}">(.*?)</a>',
            block,
            re.S,
        )
        assert link, name
        return int(re.search(r">(\d+)<", link.group(1)).group(1))

    assert count("mine") == 1
    assert count("team") == 3
    assert count("unassigned") == 3
    assert count("supplier") == 1
    assert "Mulig massehendelse" in block
    assert "3 tekniske alarmer siste 15 minutter" in block
    # Counted in the database, not row by row: 40 more alarms cost no more statements.
    for i in range(40):
        make_ticket(app, desk, title=f"Alarm {i}", kind="equipment_fault")
    with count_statements(app) as more:
        again = text(client.get("/"))
    assert len(more) == len(statements)
    unassigned = re.search(r'data-testid="start-count-unassigned">(.*?)</a>', again, re.S)
    assert "Ikke tildelt" in unassigned.group(1)
    assert ">43<" in unassigned.group(1)


def test_the_sub_menu_links_only_pages_the_user_may_open(app, client, desk):
    login(client, desk.buyer)  # procurement reads tickets, reports none
    body = text(client.get("/support"))
    nav = re.search(r'data-testid="support-nav".*?</nav>', body, re.S).group(0)
    assert "Saker" in nav
    assert "Ny sak" not in nav
    assert "Ny sak" not in body
    client.post("/logout", data={"csrf_token": csrf_from(body)})
    login(client, desk.anne)
    nav = re.search(r'data-testid="support-nav".*?</nav>', text(client.get("/support")), re.S)
    assert "Ny sak" in nav.group(0)
    assert 'href="/support/new"' in nav.group(0)


# --- reporting a ticket -------------------------------------------------------------


def ticket_form(**kw) -> dict:
    data = {
        "title": "Trygghetsalarmen piper",
        "kind": "technical_alarm",
        "category": "Batteri",
        "channel": "phone",
        "reporter_kind": "relative",
        "reporter_name": "Per Pårørende",
        "reporter_contact": "900 11 222",
        "serials": "",
        "recipient_id": "",
        "system_id": "",
        "urgency": "medium",
        "impact": "medium",
        "description": "Piper hver natt siden tirsdag.",
        "team_id": "",
    }
    data.update(kw)
    return data


def test_a_phone_ticket_about_a_serial_is_routed_and_filled_in(app, client, desk):
    """The servicedesk types the serial from the label (any case, with spaces): the
    technicians get it, the recipient is found from the placement, and she is critical."""
    login(client, desk.anne)
    form = text(client.get("/support/new"))
    assert "Ny sak" in form
    assert "Serienummer" in form or "serienummer" in form
    assert 'name="municipality_id"' not in form  # one municipality: nothing to choose
    response = post(client, "/support/new", ticket_form(serials="alarm - 1\n"), page="/support/new")
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.team_id == desk.technicians
        assert ticket.recipient_id == desk.critical.id
        assert [d.serial_number for d in ticket.devices] == ["ALARM-1"]
        assert ticket.channel == "phone"
        assert ticket.reporter_name == "Per Pårørende"
        assert ticket.urgency == "high"  # a critical recipient
        assert ticket.created_by_id == desk.anne.id
        ticket_id = ticket.id
    assert response.headers["Location"].endswith(f"/support/{ticket_id}")
    page = text(client.get(response.headers["Location"]))
    assert f"Sak #{ticket_id} er registrert og sendt til Teknikere." in page
    assert "Trygghetsalarmen piper" in page
    assert re.search(r'data-testid="ticket-team">Teknikere<', page)
    assert f'href="/recipients/{desk.critical.id}">Kari Kritisk</a>' in page
    assert f'href="/devices/{desk.device.id}">ALARM-1</a>' in page
    assert "Pårørende: Per Pårørende" in page
    assert 'href="tel:90011222"' in page
    assert "Ikke kvittert" in page


def test_a_ticket_names_its_system_from_the_register(app, client, desk, factories):
    """The system is chosen from the systems the municipality uses; a routing rule on it
    sends the ticket to its team; the edit page changes it; another municipality's system
    is not offered and, posted anyway, is not found."""
    foreign = factories.system(desk.other, "Meråkers portal")
    with app.app_context():
        ops.save_rule(
            None,
            desk.m.id,
            team=db.session.get(Team, desk.desk_team),
            position=1,
            kind="system_fault",
            system=_get(ItSystem, desk.centre),
        )
        db.session.commit()
    login(client, desk.anne)
    form = text(client.get("/support/new"))
    assert f'<option value="{desk.centre.id}">Responssenterløsning</option>' in form
    assert "Meråkers portal" not in form
    answer = post(
        client,
        "/support/new",
        ticket_form(kind="system_fault", system_id=str(desk.centre.id)),
        page="/support/new",
    )
    assert answer.status_code == 302
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert (ticket.system_id, ticket.team_id) == (desk.centre.id, desk.desk_team)
        ticket_id, version = ticket.id, ticket.version
    page = text(client.get(f"/support/{ticket_id}"))
    assert "Responssenterløsning" in page
    edit = {
        "title": "Trygghetsalarmen piper",
        "description": "",
        "category": "",
        "system_id": "",
        "urgency": "medium",
        "impact": "medium",
        "version": str(version),
    }
    page_url = f"/support/{ticket_id}/edit"
    assert (
        post(client, page_url, {**edit, "system_id": str(foreign.id)}, page=page_url).status_code
        == 404
    )
    assert post(client, page_url, edit, page=page_url).status_code == 302
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).system_id is None


def test_an_unknown_serial_is_named_and_everything_typed_is_kept(app, client, desk):
    login(client, desk.anne)
    response = post(
        client,
        "/support/new",
        ticket_form(serials="SENSOR-1\nFINNESIKKE-9\nM-1", title="Alarm ute av drift"),
        page="/support/new",
    )
    assert response.status_code == 422
    body = text(response)
    assert "Ingen enhet har serienummer FINNESIKKE-9 i dine kommuner." in body
    # Meråker's alarm is not in Anne's municipalities: as unknown as a typo.
    assert "Ingen enhet har serienummer M-1 i dine kommuner." in body
    assert "SENSOR-1" not in re.findall(r"Ingen enhet har serienummer (\S+)", body)
    assert 'value="Alarm ute av drift"' in body
    assert "Piper hver natt siden tirsdag." in body
    assert 'value="Per Pårørende"' in body
    assert '<option selected value="relative">' in body
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_a_label_scanned_by_the_camera_names_the_device(app, client, desk):
    """Our own labels carry the device page's address: the camera reads it whole."""
    login(client, desk.anne)
    scanned = f"https://vftops.stjordal.kommune.no/devices/{desk.loose.id}"
    response = post(
        client, "/support/new", ticket_form(kind="question", serials=scanned), page="/support/new"
    )
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert [d.serial_number for d in ticket.devices] == ["SENSOR-1"]
    foreign = f"https://vftops.stjordal.kommune.no/devices/{desk.foreign.id}"
    refused = post(client, "/support/new", ticket_form(serials=foreign), page="/support/new")
    assert refused.status_code == 422
    assert f"etiketten til enhet {desk.foreign.id} i dine kommuner" in text(refused)


def test_a_ticket_without_a_title_is_refused_with_the_field_marked(app, client, desk):
    login(client, desk.anne)
    response = post(client, "/support/new", ticket_form(title=" "), page="/support/new")
    assert response.status_code == 422
    body = text(response)
    assert "Skjemaet har feil" in body
    assert "Skriv en kort tittel" in body
    assert 'value="Batteri"' in body


def test_with_several_municipalities_the_device_decides_or_the_user_chooses(app, client, desk):
    login(client, desk.shared)
    form = text(client.get("/support/new"))
    assert 'name="municipality_id"' in form
    assert ">Meråker<" in form
    assert ">Stjørdal<" in form
    refused = post(client, "/support/new", ticket_form(kind="question"), page="/support/new")
    assert refused.status_code == 422
    assert "Velg kommunen saken hører til." in text(refused)
    done = post(client, "/support/new", ticket_form(serials="M-1"), page="/support/new")
    assert done.status_code == 302
    chosen = post(
        client,
        "/support/new",
        ticket_form(kind="question", municipality_id=str(desk.m.id)),
        page="/support/new",
    )
    assert chosen.status_code == 302
    with app.app_context():
        made = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
        assert [(t.municipality_id, t.team_id) for t in made] == [
            (desk.other.id, desk.far_team),
            (desk.m.id, desk.desk_team),
        ]
    # A serial of one municipality on a ticket of another: named beside the field.
    mixed = post(
        client,
        "/support/new",
        ticket_form(serials="M-1", municipality_id=str(desk.m.id)),
        page="/support/new",
    )
    assert mixed.status_code == 422
    assert "En av enhetene tilhører en annen kommune." in text(mixed)


def test_the_form_is_prefilled_from_the_device_or_the_recipient(app, client, desk):
    login(client, desk.anne)
    from_device = text(client.get(f"/support/new?device_id={desk.loose.id}"))
    assert re.search(r'<textarea[^>]*name="serials"[^>]*>\s*SENSOR-1</textarea>', from_device)
    from_recipient = text(client.get(f"/support/new?recipient_id={desk.critical.id}"))
    assert f'<option selected value="{desk.critical.id}">Kari Kritisk</option>' in from_recipient
    response = post(
        client,
        f"/support/new?recipient_id={desk.critical.id}",
        ticket_form(kind="question", recipient_id=str(desk.critical.id)),
        page=f"/support/new?recipient_id={desk.critical.id}",
    )
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.recipient_id == desk.critical.id
        assert ticket.priority == 2  # critical: high urgency × medium impact
    # Another municipality's device or recipient in the link: not found.
    assert client.get(f"/support/new?device_id={desk.foreign.id}").status_code == 404
    far = factories_recipient(app, desk.other)
    assert client.get(f"/support/new?recipient_id={far}").status_code == 404


def factories_recipient(app, municipality) -> int:
    from vftops.equipment.operations import create_recipient
    from vftops.org.models import Municipality

    with app.app_context():
        recipient = create_recipient(
            None, db.session.get(Municipality, municipality.id), name="Ola Meråker"
        )
        db.session.commit()
        return recipient.id


def test_a_photo_can_come_with_the_ticket_but_a_wrong_file_stops_it(
    app, client, desk, own_attachment_dir
):
    login(client, desk.anne)
    before = stored_files(app)
    refused = post(
        client,
        "/support/new",
        {**ticket_form(), "file": (io.BytesIO(b"<html>hei</html>"), "bilde.jpg")},
        page="/support/new",
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    body = text(refused)
    assert "Bare bilder (JPEG, PNG, WebP, HEIC) og PDF-filer kan legges ved." in body
    assert "Velg filen på nytt." in body
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == 0
    assert stored_files(app) == before

    done = post(
        client,
        "/support/new",
        {**ticket_form(), "file": (io.BytesIO(PNG), "alarmen.png")},
        page="/support/new",
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    page = text(client.get(done.headers["Location"]))
    assert "alarmen.png" in page
    assert stored_files(app) == before + 1


def test_a_user_without_create_rights_cannot_report(app, client, desk):
    login(client, desk.buyer)
    assert client.get("/support/new").status_code == 403


# --- one ticket ---------------------------------------------------------------------


def test_the_ticket_page_shows_everything_about_it(app, client, desk):
    ticket_id = make_ticket(
        app,
        desk,
        title="Alarmen svarer ikke",
        devices=[desk.device],
        description="Kommer ikke gjennom til responssenteret.\nSjekket strøm.",
        system_id=desk.centre.id,
        category="Forbindelse",
    )
    act(app, ticket_id, ops.add_entry, "Ringte datteren, hun sjekker.", actor=desk.anne)
    act(
        app, ticket_id, ops.add_entry, "Vi sender en tekniker i dag.", actor=desk.anne, kind="reply"
    )
    with app.app_context():
        add_attachment(None, db.session.get(Ticket, ticket_id), "bilde.png", PNG)
        db.session.commit()
    login(client, desk.anne)
    body = text(client.get(f"/support/{ticket_id}"))
    assert f"#{ticket_id} Alarmen svarer ikke" in body
    assert "Ny" in re.search(r'data-testid="ticket-status">.*?</p>', body, re.S).group(0)
    assert "Prioritet: Høy" in body
    assert "Ikke kvittert" in body
    assert "Kvitter" in body
    assert "Kvitteres innen" in body
    assert "Løses innen" in body
    assert "Døgnet rundt" in body
    assert "Teknisk alarm · Forbindelse" in body
    assert "Responssenterløsning" in body
    assert "Overvåkingssystem" in body
    assert "Kommer ikke gjennom til responssenteret.<br>Sjekket strøm." in body
    log = re.search(r'data-testid="work-log">.*?</ol>', body, re.S).group(0)
    note = re.search(r'data-kind="note">.*?</li>', log, re.S).group(0)
    reply = re.search(r'data-kind="reply">.*?</li>', log, re.S).group(0)
    assert "Internt notat" in note
    assert "Ringte datteren" in note
    assert "Svar til melderen" in reply
    assert "Vi sender en tekniker i dag." in reply
    assert "Registrert" in log  # written by vftops
    assert "bilde.png" in body
    # Only the statuses the lifecycle allows next.
    status_select = re.search(r'<select[^>]*name="status-status".*?</select>', body, re.S).group(0)
    assert "Løst" in status_select
    assert "Under arbeid" in status_select
    assert "Avsluttet" not in status_select
    # Only people who handle tickets in Stjørdal can own it.
    owners = re.search(r'<select[^>]*name="assign-assignee_id".*?</select>', body, re.S).group(0)
    for name in ("Person Tor", "Person Anne", "Person Ivar"):
        assert name in owners
    for name in ("Person Revisor", "Person Ingrid"):
        assert name not in owners
    assert "Person Siri" in owners  # shared service: works in Stjørdal too


def test_a_reader_sees_the_ticket_but_no_actions_and_no_recipient_without_rights(app, client, desk):
    ticket_id = make_ticket(app, desk, devices=[desk.device])
    login(client, desk.it)  # IT handles tickets, but does not see recipients
    body = text(client.get(f"/support/{ticket_id}"))
    recipient = re.search(r'data-testid="recipient">(.*?)</dd>', body, re.S).group(1)
    assert "Hos en tjenestemottaker" in recipient
    assert "Kari Kritisk" not in body
    assert "/recipients/" not in body
    client.post("/logout", data={"csrf_token": csrf_from(body)})
    login(client, desk.reader)
    read = text(client.get(f"/support/{ticket_id}"))
    assert "Kari Kritisk" in read  # the auditor reads recipients
    assert "Kvitter</button>" not in read
    assert 'name="status-status"' not in read
    assert 'name="entry-body"' not in read
    assert "Legg ved</button>" not in read


def test_internal_notes_are_for_those_who_handle_tickets(app, client, desk):
    """Procurement and the unit manager read a ticket's replies and events, never the
    servicedesk's internal notes."""
    ticket_id = make_ticket(app, desk, devices=[desk.device])
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        anne = db.session.get(User, desk.anne.id)
        ops.add_entry(anne, ticket, "Internt: leverandøren er treg igjen", kind="note")
        ops.add_entry(anne, ticket, "Vi bytter alarmen i morgen", kind="reply")
        db.session.commit()
    login(client, desk.buyer)
    read = text(client.get(f"/support/{ticket_id}"))
    assert "Vi bytter alarmen i morgen" in read
    assert "leverandøren er treg" not in read
    client.post("/logout", data={"csrf_token": csrf_from(read)})
    login(client, desk.anne)
    own = text(client.get(f"/support/{ticket_id}"))
    assert "Internt: leverandøren er treg igjen" in own
    assert "Vi bytter alarmen i morgen" in own


def test_the_queue_as_shown_can_be_taken_to_a_spreadsheet(app, client, desk):
    """The export links carry the queue and its filters: the file holds that list."""
    make_ticket(app, desk, devices=[desk.device], title="Alarmen piper")
    make_ticket(app, desk, title="Hvordan lader jeg?", kind="question")
    login(client, desk.anne)
    page = client.get("/support?queue=open&kind=question").get_data(as_text=True)
    links = re.findall(r'href="([^"]*/support/export\.(?:csv|xlsx)[^"]*)"', page)
    assert len(links) == 2
    csv_url = next(u for u in links if ".csv" in u).replace("&amp;", "&")
    assert "queue=open" in csv_url
    assert "kind=question" in csv_url
    body = client.get(csv_url).get_data().decode("utf-8-sig")
    assert "Hvordan lader jeg?" in body
    assert "Alarmen piper" not in body


def test_acknowledging_is_one_click_and_shows_who_owns_it(app, client, desk):
    ticket_id = make_ticket(app, desk, devices=[desk.device])
    login(client, desk.anne)
    response = post(client, f"/support/{ticket_id}/acknowledge", {}, page=f"/support/{ticket_id}")
    assert response.status_code == 302
    body = text(client.get(response.headers["Location"]))
    assert f"Du har kvittert sak #{ticket_id} og eier den." in body
    assert "Kvittert av Person Anne" in body
    assert re.search(r'data-testid="ticket-owner">Person Anne<', body)
    assert "Kvitter</button>" not in body


def test_two_people_acknowledge_at_once_one_owns_it_and_the_other_is_told_who(app, desk):
    """Anne and Bjørn both have the ticket open and click «Kvitter» at the same moment."""
    ticket_id = make_ticket(app, desk, devices=[desk.device])
    people = [desk.anne, desk.bjorn]
    clients = [app.test_client(), app.test_client()]
    for person, browser in zip(people, clients, strict=True):
        login(browser, person)

    def open_ticket(_i, browser):
        page = browser.get(f"/support/{ticket_id}")
        assert "Kvitter</button>" in text(page)
        return csrf_from(page.get_data(as_text=True))

    def click(_i, browser, token):
        return browser.post(
            f"/support/{ticket_id}/acknowledge",
            data={"csrf_token": token},
            follow_redirects=True,
        )

    answers = race_requests(clients, click, prepare=open_ticket)
    pages = [text(a) for a in answers]
    assert all(a.status_code == 200 for a in answers)
    won = [i for i, p in enumerate(pages) if "Du har kvittert sak" in p]
    lost = [i for i, p in enumerate(pages) if "har allerede kvittert" in p]
    assert len(won) == 1, pages
    assert len(lost) == 1, pages
    winner = people[won[0]]
    assert f"Person {winner.username.title()} har allerede kvittert" in pages[lost[0]]
    # Both now see the winner as the owner.
    for page in pages:
        assert f"Kvittert av Person {winner.username.title()}" in page
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.acknowledged_by_id == winner.id
        assert ticket.assignee_id == winner.id


def test_assigning_to_a_team_and_a_person(app, client, desk):
    ticket_id = make_ticket(app, desk, title="Spørsmål", kind="question")
    login(client, desk.anne)
    page = text(client.get(f"/support/{ticket_id}"))
    response = client.post(
        f"/support/{ticket_id}/assign",
        data={
            "csrf_token": csrf_from(page),
            "assign-version": version_of(page, "assign"),
            "assign-team_id": str(desk.technicians),
            "assign-assignee_id": str(desk.tor.id),
        },
    )
    assert response.status_code == 302
    body = text(client.get(response.headers["Location"]))
    assert f"Sak #{ticket_id} eies nå av Person Tor." in body
    assert re.search(r'data-testid="ticket-team">Teknikere<', body)
    assert re.search(r'data-testid="ticket-owner">Person Tor<', body)
    # The auditor cannot own tickets: refused beside the field, nothing changed.
    refused = client.post(
        f"/support/{ticket_id}/assign",
        data={
            "csrf_token": csrf_from(body),
            "assign-version": version_of(body, "assign"),
            "assign-team_id": "",
            "assign-assignee_id": str(desk.reader.id),
        },
    )
    assert refused.status_code == 422
    assert "Velg en som behandler saker." in text(refused)
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).assignee_id == desk.tor.id
    # Another municipality's team: not found.
    stray = client.post(
        f"/support/{ticket_id}/assign",
        data={
            "csrf_token": csrf_from(body),
            "assign-version": version_of(body, "assign"),
            "assign-team_id": str(desk.far_team),
            "assign-assignee_id": "",
        },
    )
    assert stray.status_code == 404


def test_status_changes_follow_the_lifecycle_and_resolving_needs_a_note(app, client, desk):
    ticket_id = make_ticket(app, desk, devices=[desk.device])
    login(client, desk.anne)
    page = text(client.get(f"/support/{ticket_id}"))

    def change(status, note=""):
        current = text(client.get(f"/support/{ticket_id}"))
        return client.post(
            f"/support/{ticket_id}/status",
            data={
                "csrf_token": csrf_from(current),
                "status-version": version_of(current, "status"),
                "status-status": status,
                "status-note": note,
            },
        )

    closed = change("closed")
    assert closed.status_code == 302
    refused = text(client.get(closed.headers["Location"]))
    assert "En sak som er «Ny», kan ikke bli «Avsluttet»." in refused
    assert "Løst" in refused
    waiting = change("waiting_reporter")
    assert waiting.status_code == 302
    body = text(client.get(waiting.headers["Location"]))
    assert f"Sak #{ticket_id} er nå «Venter på melder»." in body
    assert "Pauset" in body
    no_note = change("resolved", "  ")
    assert no_note.status_code == 422
    body = text(no_note)
    assert "Skriv hva som ble gjort for å løse det." in body
    resolved = change("resolved", "Byttet batteri hos bruker.")
    assert resolved.status_code == 302
    body = text(client.get(resolved.headers["Location"]))
    assert "Byttet batteri hos bruker." in re.search(
        r'data-testid="resolution".*?</div>', body, re.S
    ).group(0)
    assert page != body
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.status == "resolved"
        assert ticket.acknowledged_by_id == desk.anne.id


def test_notes_and_replies_in_the_work_log(app, client, desk):
    ticket_id = make_ticket(app, desk, devices=[desk.device])
    login(client, desk.tor)
    page = text(client.get(f"/support/{ticket_id}"))
    response = client.post(
        f"/support/{ticket_id}/entries",
        data={
            "csrf_token": csrf_from(page),
            "entry-kind": "reply",
            "entry-body": "Vi kommer kl 14.",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#log")
    body = text(client.get(response.headers["Location"]))
    assert "Svaret er skrevet i loggen." in body
    reply = re.search(r'data-kind="reply">.*?</li>', body, re.S).group(0)
    assert "Vi kommer kl 14." in reply
    assert "Person Tor" in reply
    empty = client.post(
        f"/support/{ticket_id}/entries",
        data={"csrf_token": csrf_from(body), "entry-kind": "note", "entry-body": ""},
    )
    assert empty.status_code == 422
    assert "Skriv noe først." in text(empty)
    with app.app_context():
        kinds = db.session.scalars(
            select(TicketEntry.kind).where(TicketEntry.ticket_id == ticket_id)
        ).all()
        assert kinds.count("reply") == 1
        assert "note" not in kinds


def test_editing_gives_a_new_priority_and_a_stale_form_is_refused(app, client, desk):
    ticket_id = make_ticket(
        app,
        desk,
        title="Spørsmål om nøkkelboks",
        kind="question",
        channel="phone",
        reporter_kind="employee",
        urgency="low",
        impact="low",
    )
    login(client, desk.anne)
    form = text(client.get(f"/support/{ticket_id}/edit"))
    assert 'value="Spørsmål om nøkkelboks"' in form
    stale_version = version_of(form)
    data = {
        "csrf_token": csrf_from(form),
        "version": stale_version,
        "title": "Nøkkelboks virker ikke",
        "description": "",
        "category": "Nøkkelboks",
        "system_id": "",
        "urgency": "high",
        "impact": "high",
    }
    response = client.post(f"/support/{ticket_id}/edit", data=data)
    assert response.status_code == 302
    body = text(client.get(response.headers["Location"]))
    assert "Prioriteten er nå Kritisk" in body
    assert "Nøkkelboks virker ikke" in body
    # Bjørn had the form open on the old version: his change is refused, not merged.
    stale = client.post(f"/support/{ticket_id}/edit", data={**data, "title": "Gammel tittel"})
    assert stale.status_code == 409
    assert "Noen andre endret dette samtidig." in text(stale)
    assert 'value="Gammel tittel"' in text(stale)
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.title == "Nøkkelboks virker ikke"
        assert ticket.priority == 1


# --- attachments --------------------------------------------------------------------


def _attach_field_error(html: str) -> str:
    """The error shown in the attach form, beside its file field."""
    form = html[html.index('data-testid="attach-form"') :]
    form = form[: form.index("</form>")]
    assert "invalid-feedback" in form, form
    return form


def attach(client, ticket_id, content: bytes, name: str):
    page = text(client.get(f"/support/{ticket_id}"))
    return client.post(
        f"/support/{ticket_id}/attachments",
        data={"csrf_token": csrf_from(page), "attach-file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_a_photo_and_a_pdf_are_attached_and_served_safely(app, client, desk):
    ticket_id = make_ticket(app, desk, devices=[desk.device])
    login(client, desk.anne)
    response = attach(client, ticket_id, PNG, "feilmelding.png")
    assert response.status_code == 302
    body = text(client.get(response.headers["Location"]))
    assert "feilmelding.png er lagt ved saken." in body
    attach(client, ticket_id, PDF, "servicerapport.pdf")
    with app.app_context():
        files = {
            a.filename: a.id
            for a in db.session.scalars(
                select(TicketAttachment).where(TicketAttachment.ticket_id == ticket_id)
            )
        }
    photo = client.get(f"/support/{ticket_id}/attachments/{files['feilmelding.png']}")
    assert photo.status_code == 200
    assert photo.data == PNG
    assert photo.mimetype == "image/png"
    assert photo.headers["Content-Disposition"].startswith("inline")
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in photo.headers["Cache-Control"]
    assert "private" in photo.headers["Cache-Control"]
    report = client.get(f"/support/{ticket_id}/attachments/{files['servicerapport.pdf']}")
    assert report.data == PDF
    assert report.headers["Content-Disposition"].startswith("attachment")
    assert "servicerapport.pdf" in report.headers["Content-Disposition"]


def test_a_too_large_or_wrong_file_is_refused_and_nothing_is_stored(
    app, client, desk, own_attachment_dir, monkeypatch
):
    ticket_id = make_ticket(app, desk, devices=[desk.device])
    # A small limit keeps the test quick; the check is the same at 10 MB.
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 100_000)
    login(client, desk.anne)
    before = stored_files(app)
    # Each refusal shows the ticket again with the problem beside the file field.
    big = attach(client, ticket_id, b"\xff\xd8\xff" + b"0" * 100_000, "stort.jpg")
    assert big.status_code == 413
    assert "Filen er for stor" in _attach_field_error(text(big))
    fake = attach(client, ticket_id, b"<script>alert(1)</script>", "bilde.jpg")
    assert fake.status_code == 422
    assert "Bare bilder (JPEG, PNG, WebP, HEIC) og PDF-filer kan legges ved." in (
        _attach_field_error(text(fake))
    )
    nothing = attach(client, ticket_id, b"", "")
    assert nothing.status_code == 422
    assert "Velg en fil." in _attach_field_error(text(nothing))
    assert stored_files(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count(TicketAttachment.id))) == 0
        log = db.session.scalars(
            select(TicketEntry.body).where(TicketEntry.ticket_id == ticket_id)
        ).all()
        assert not any("Vedlegg" in line for line in log)


def test_an_attachment_is_named_and_served_by_what_it_really_is(app, client, desk):
    """A JPEG uploaded as «x.html» is listed and downloaded as «x.jpg» with the JPEG
    type: the uploader's extension never decides what a browser does with it."""
    ticket_id = make_ticket(app, desk, devices=[desk.device])
    login(client, desk.anne)
    jpeg = b"\xff\xd8\xff\xe0" + b"0" * 64
    response = attach(client, ticket_id, jpeg, "x.html")
    assert response.status_code == 302
    page = text(client.get(f"/support/{ticket_id}"))
    assert "x.jpg" in page
    assert "x.html" not in page
    with app.app_context():
        attachment_id = db.session.scalar(select(TicketAttachment.id))
    served = client.get(f"/support/{ticket_id}/attachments/{attachment_id}")
    assert served.mimetype == "image/jpeg"
    assert served.headers["Content-Disposition"] == "inline; filename=x.jpg"
    assert ".html" not in served.headers["Content-Disposition"]


# --- tenancy ------------------------------------------------------------------------


def test_another_municipalitys_ticket_and_attachment_are_not_found(app, client, desk):
    far = make_ticket(app, desk, title="Meråker-sak", kind="question", municipality=desk.other)
    with app.app_context():
        attachment = add_attachment(None, db.session.get(Ticket, far), "bilde.png", PNG)
        db.session.commit()
        attachment_id = attachment.id
    own = make_ticket(app, desk, devices=[desk.device])
    login(client, desk.anne)
    assert client.get(f"/support/{far}").status_code == 404
    assert client.get(f"/support/{far}/edit").status_code == 404
    assert client.get(f"/support/{far}/attachments/{attachment_id}").status_code == 404
    # Nor through a ticket of her own.
    assert client.get(f"/support/{own}/attachments/{attachment_id}").status_code == 404
    page = text(client.get(f"/support/{own}"))
    token = csrf_from(page)
    for action in ("acknowledge", "assign", "status", "entries", "attachments"):
        response = client.post(f"/support/{far}/{action}", data={"csrf_token": token})
        assert response.status_code == 404, action
    with app.app_context():
        assert db.session.get(Ticket, far).acknowledged_at is None


# --- the ticket page stays cheap -----------------------------------------------------


def test_the_ticket_page_runs_the_same_statements_for_3_and_40_tickets(app, client, desk):
    """An incident with 3 and with 40 tickets under it, each with a line in the log."""

    def incident_of(n: int) -> int:
        with app.app_context():
            children = [
                ops.create_ticket(
                    None,
                    desk.m.id,
                    title=f"Mistet forbindelse {i}",
                    kind="technical_alarm",
                    channel="alarm",
                    reporter_kind="monitoring",
                    devices=[db.session.get(Device, desk.device.id)],
                )
                for i in range(n)
            ]
            anne = db.session.get(User, desk.anne.id)
            for child in children:
                ops.assign(anne, child, assignee=db.session.get(User, desk.tor.id))
            incident = ops.create_incident(
                anne, desk.m.id, title=f"Mobilnettet nede ({n})", tickets=children
            )
            for i in range(n):
                ops.add_entry(anne, incident, f"Oppdatering {i}")
            add_attachment(anne, incident, "kart.png", PNG)
            db.session.commit()
            return incident.id

    def measure(ticket_id) -> int:
        with count_statements(app) as statements:
            response = client.get(f"/support/{ticket_id}")
        assert response.status_code == 200
        return len(statements)

    small = incident_of(3)
    large = incident_of(40)
    login(client, desk.anne)
    few = measure(small)
    many = measure(large)
    assert many == few, (few, many)
    body = text(client.get(f"/support/{large}"))
    assert "40 saker under hendelsen" in body
    assert body.count("Person Tor") >= 40


def test_a_child_ticket_links_to_its_incident(app, client, desk):
    child = make_ticket(app, desk, title="Alarm uten dekning", devices=[desk.device])
    with app.app_context():
        incident = ops.create_incident(
            db.session.get(User, desk.anne.id),
            desk.m.id,
            title="Mobilnettet nede",
            tickets=[db.session.get(Ticket, child)],
        )
        db.session.commit()
        incident_id = incident.id
    login(client, desk.anne)
    body = text(client.get(f"/support/{child}"))
    assert f'href="/support/{incident_id}">#{incident_id} Mobilnettet nede</a>' in body
    assert "Når hendelsen løses, løses denne saken også." in body
    queue = rows(text(client.get("/support")))
    assert f"under hendelse #{incident_id}" in queue[child]
    assert "Hendelse" in queue[incident_id]


def test_a_recipient_of_another_municipality_on_the_form_is_not_found(app, client, desk):
    """A recipient id of another municipality sent with the form is not found, not used."""
    far = factories_recipient(app, desk.other)
    login(client, desk.anne)
    response = post(
        client,
        "/support/new",
        ticket_form(kind="question", recipient_id=str(far)),
        page="/support/new",
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == 0
        assert db.session.get(Recipient, far).name == "Ola Meråker"
        assert db.session.get(Team, desk.desk_team).name == "Servicedesk"


def test_the_work_log_reads_in_the_readers_language(app, client, desk, factories):
    """What vftops writes in the log is kept as codes and shown in Norwegian to a Norwegian
    reader and in English to an English one; what a person wrote is shown as written."""
    ticket_id = make_ticket(app, desk, title="Alarmen piper", channel="phone")
    act(app, ticket_id, ops.acknowledge, actor=desk.anne)
    act(app, ticket_id, ops.change_status, "in_progress", actor=desk.anne)
    act(app, ticket_id, ops.change_status, "resolved", actor=desk.anne, note="Byttet batteri.")
    act(app, ticket_id, ops.add_entry, "Ringte datteren.", actor=desk.anne)
    with app.app_context():
        from vftops.suppliers.operations import create_supplier

        supplier = create_supplier(None, name="Tunstall Norge AS")
        db.session.commit()
        supplier_id = supplier.id
    act(app, ticket_id, ops.change_status, "in_progress", actor=desk.anne)
    act(
        app,
        ticket_id,
        lambda actor, ticket: ops.escalate(
            actor, ticket, db.session.get(Supplier, supplier_id), supplier_ref="T-77"
        ),
        actor=desk.anne,
    )
    answered = utcnow()
    shown = f"{answered.astimezone(ZoneInfo('Europe/Oslo')):%d.%m.%Y %H:%M}"  # Norwegian time
    act(app, ticket_id, ops.record_supplier_response, actor=desk.anne, answered_at=answered)
    with app.app_context():
        add_attachment(None, db.session.get(Ticket, ticket_id), "kart.png", PNG)
        db.session.commit()

    login(client, desk.anne)
    log = re.search(
        r'data-testid="work-log">.*?</ol>', text(client.get(f"/support/{ticket_id}")), re.S
    )
    log = " ".join(re.sub(r"<[^>]+>", " ", log.group(0)).split())
    assert "Registrert (Telefon) → Servicedesk" in log
    assert "(phone)" not in log
    assert "Kvittert av Person Anne" in log
    assert "Status: Under arbeid → Løst Byttet batteri." in log
    assert "Ringte datteren." in log
    assert "Eskalert til Tunstall Norge AS (deres saksnr. T-77)" in log
    assert f"Leverandøren: svarte {shown}" in log
    assert "Vedlegg lagt til: kart.png" in log

    english = factories.user("servicedesk", municipalities=[desk.m], username="emma", locale="en")
    other = app.test_client()
    login(other, english)
    log = re.search(
        r'data-testid="work-log">.*?</ol>', text(other.get(f"/support/{ticket_id}")), re.S
    )
    log = " ".join(re.sub(r"<[^>]+>", " ", log.group(0)).split())
    assert "Registered (Phone) → Servicedesk" in log
    assert "Acknowledged by Person Anne" in log
    assert "Status: In progress → Resolved Byttet batteri." in log
    assert "Ringte datteren." in log  # a person's words stay as written
    assert "Escalated to Tunstall Norge AS (their reference T-77)" in log
    assert f"The supplier: answered {shown}" in log
    assert "Attachment added: kart.png" in log
    with app.app_context():
        first = db.session.scalars(
            select(TicketEntry).where(TicketEntry.ticket_id == ticket_id).order_by(TicketEntry.id)
        ).first()
        # The record keeps the line as written, and what happened as codes.
        assert first.body.startswith("Registrert (phone)")
        assert (first.event, first.params["channel"]) == ("created", "phone")


@pytest.mark.parametrize(
    ("locale", "replaced", "visit"),
    [
        (
            "nb",
            "Byttet LV-1 med LV-2 (LV-1: reparasjon hos leverandøren)",
            "Besøk planlagt 05.01.2027 for Tor Tekniker",
        ),
        (
            "en",
            "Replaced LV-1 with LV-2 (LV-1: repair at the supplier)",
            "Visit planned 05.01.2027 for Tor Tekniker",
        ),
    ],
)
def test_replacements_and_visits_read_in_the_readers_language(app, locale, replaced, visit):
    from flask_babel import force_locale

    from vftops.support.worklog import text as line

    swap = TicketEntry(
        body="Byttet LV-1 med LV-2 (LV-1 til reparasjon)",
        event="replaced",
        params={"old": "LV-1", "new": "LV-2", "to": "repair"},
    )
    planned = TicketEntry(
        body="Besøk planlagt 05.01.2027 for Tor Tekniker",
        event="visit_planned",
        params={"on": "2027-01-05", "for": "Tor Tekniker"},
    )
    with app.test_request_context(), force_locale(locale):
        assert line(swap) == replaced
        assert line(planned) == visit
