"""E-mail about tickets, read from a real SMTP server (aiosmtpd) as a mail program would.

The assignee hears that a ticket is theirs; `flask vftops notify` sweeps the SLA and
adds breached and breaching tickets and overdue function tests to the daily digest.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.stock.test_notify import BASE, Inbox, World, _free_port, nb_date, parts
from vftops.auth.models import User
from vftops.core.models import OSLO, local_day, utcnow
from vftops.equipment.models import Device
from vftops.extensions import db
from vftops.support import operations as ops
from vftops.support.models import Team, Ticket


@pytest.fixture
def inbox(app, monkeypatch):
    from aiosmtpd.controller import Controller

    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_FROM", "vftops <vftops@kommune.example>")
    monkeypatch.setitem(app.config, "BASE_URL", BASE)
    yield handler
    controller.stop()


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=["vftops", "notify", *args])

    return run


def _get(model, obj):
    return db.session.get(model, obj.id)


def _oslo(at) -> str:
    return at.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")


@pytest.fixture
def desk(app, factories):
    """Stjørdal's service desk and technicians, one alarm installed at a recipient."""
    w = World(app, factories)
    anne = factories.user("servicedesk", municipalities=[w.stjordal], username="anne")
    tor = factories.user("technician", municipalities=[w.stjordal], username="tor")
    ivar = factories.user("it", municipalities=[w.stjordal], username="ivar")
    english = factories.user(
        "technician", municipalities=[w.stjordal], username="eric", locale="en"
    )
    stranger = factories.user("technician", municipalities=[w.meraker], username="mtekniker")
    store = w.store(w.stjordal, "Sentrallager")
    device = factories.device(SimpleNamespace(id=w.alarm_id), store, serial="LV-100")
    factories.placement(device, factories.recipient(w.stjordal))
    with app.app_context():
        servicedesk = ops.create_team(
            None,
            w.stjordal.id,
            name="Servicedesk",
            kind="servicedesk",
            is_default=True,
            members=[_get(User, anne)],
        )
        technicians = ops.create_team(
            None,
            w.stjordal.id,
            name="Teknikere",
            kind="technicians",
            members=[_get(User, tor), _get(User, english)],
        )
        ops.save_rule(None, w.stjordal.id, team=technicians, position=10, kind="technical_alarm")
        meraker_desk = ops.create_team(
            None,
            w.meraker.id,
            name="Meråker servicedesk",
            kind="servicedesk",
            is_default=True,
            members=[_get(User, stranger)],
        )
        ticket = ops.create_ticket(
            None,
            w.stjordal.id,
            title="Alarmen svarer ikke",
            kind="technical_alarm",
            channel="alarm",
            reporter_kind="monitoring",
            devices=[db.session.get(Device, device.id)],
        )
        db.session.commit()
        ids = SimpleNamespace(
            ticket=ticket.id,
            servicedesk=servicedesk.id,
            technicians=technicians.id,
            meraker_desk=meraker_desk.id,
        )
    return SimpleNamespace(
        w=w,
        anne=anne,
        tor=tor,
        ivar=ivar,
        english=english,
        stranger=stranger,
        store=store,
        device=device,
        **vars(ids),
    )


# --- the assignment e-mail -------------------------------------------------------------


def _assign_on_the_page(client, ticket_id, assignee_id):
    page = client.get(f"/support/{ticket_id}")
    html = page.get_data(as_text=True)
    version = re.search(r'name="assign-version"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="assign-version"', html
    )
    return client.post(
        f"/support/{ticket_id}/assign",
        data={
            "csrf_token": csrf_from(html),
            "assign-assignee_id": str(assignee_id),
            "assign-team_id": "",
            "assign-version": version.group(1) if version else "",
        },
    )


def test_assigning_on_the_ticket_page_mails_the_new_owner(app, desk, inbox, login_as, client):
    login_as(desk.anne)
    response = _assign_on_the_page(client, desk.ticket, desk.tor.id)
    assert response.status_code == 302
    mail = inbox.to("tor@example.no")
    assert mail["Subject"] == f"vftops: sak #{desk.ticket} er din – Alarmen svarer ikke"
    assert mail["To"].addresses[0].display_name == "Person Tor"
    assert mail["From"] == "vftops <vftops@kommune.example>"
    assert mail["Auto-Submitted"] == "auto-generated"
    text, html = parts(mail)
    link = f"{BASE}/support/{desk.ticket}"
    with app.app_context():
        ticket = db.session.get(Ticket, desk.ticket)
        assert ticket.assignee_id == desk.tor.id
        due = _oslo(ticket.acknowledge_due_at)
    assert text.startswith("Hei Person Tor,")
    assert f"Person Anne har tildelt deg sak #{desk.ticket}:" in text
    assert "  Alarmen svarer ikke\n" in text
    assert "Type: Teknisk alarm" in text
    assert "Kommune: Stjørdal" in text
    assert "Team: Teknikere" in text
    assert "Enheter: Tunstall Lifeline Vi LV-100" in text
    assert f"Kvitter innen {due}" in text
    assert f"Åpne saken: {link}" in text
    assert (
        f'<a href="{link}" style="color: #0b5394;">#{desk.ticket} Alarmen svarer ikke</a>' in html
    )
    assert '<html lang="nb">' in html
    assert "Du får denne e-posten fordi en sak ble tildelt deg i vftops." in html


def test_the_mail_is_in_the_assignees_language(app, desk, inbox):
    from vftops.support.mail import notify_assignment

    with app.app_context():
        ticket = db.session.get(Ticket, desk.ticket)
        assert notify_assignment(ticket, _get(User, desk.english), _get(User, desk.anne))
    mail = inbox.to("eric@example.no")
    assert mail["Subject"] == f"vftops: ticket #{desk.ticket} is yours – Alarmen svarer ikke"
    text, html = parts(mail)
    assert text.startswith("Hello Person Eric,")
    assert f"Person Anne has assigned ticket #{desk.ticket} to you:" in text
    assert "Kind: Technical alarm" in text
    assert '<html lang="en">' in html


def test_nobody_is_mailed_about_their_own_choice_or_without_an_address(app, desk, factories, inbox):
    from vftops.auth.operations import update_profile
    from vftops.support.mail import notify_assignment

    with app.app_context():
        ticket = db.session.get(Ticket, desk.ticket)
        tor = _get(User, desk.tor)
        assert notify_assignment(ticket, tor, tor) is False  # took it themselves
        assert notify_assignment(ticket, None, tor) is False  # nobody now
        update_profile(_get(User, desk.ivar), full_name="Ivar", email="", locale="nb")
        db.session.commit()
        assert notify_assignment(ticket, _get(User, desk.ivar), tor) is False
    assert inbox.envelopes == []


def test_a_mail_server_that_is_down_never_breaks_the_assignment(
    app, desk, inbox, login_as, client, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())  # nothing listens there
    login_as(desk.anne)
    with caplog.at_level(logging.WARNING, logger="vftops.support.mail"):
        response = _assign_on_the_page(client, desk.ticket, desk.tor.id)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Person Tor" in page
    with app.app_context():
        assert db.session.get(Ticket, desk.ticket).assignee_id == desk.tor.id
    assert inbox.envelopes == []
    assert "the assignment e-mail to tor was not sent: could not reach the SMTP server" in (
        caplog.text
    )


def test_after_commit_the_mail_goes_and_after_a_rollback_it_does_not(app, desk, inbox):
    from vftops.support.mail import notify_assignment_after_commit

    with app.app_context():
        ticket = db.session.get(Ticket, desk.ticket)
        tor, anne = _get(User, desk.tor), _get(User, desk.anne)
        ops.assign(anne, ticket, assignee=tor)
        notify_assignment_after_commit(ticket, actor=anne)
        assert inbox.envelopes == []  # not before the commit
        db.session.rollback()
        assert inbox.envelopes == []
        db.session.commit()
        assert inbox.envelopes == []  # the rolled-back assignment is never announced

        ticket = db.session.get(Ticket, desk.ticket)
        ops.assign(anne, ticket, assignee=tor)
        notify_assignment_after_commit(ticket, actor=anne)
        db.session.commit()
    assert [e.rcpt_tos for e in inbox.envelopes] == [["tor@example.no"]]


def test_assigning_through_the_api_mails_once_committed(app, desk, factories, inbox, client):
    token = factories.token(desk.anne)
    response = client.post(
        f"/api/v1/tickets/{desk.ticket}/assign",
        json={"assignee": "tor"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    mail = inbox.to("tor@example.no")
    assert f"sak #{desk.ticket} er din" in mail["Subject"]
    assert "Person Anne har tildelt deg" in parts(mail)[0]
    # Given on to a colleague: the new owner hears it, not the one before.
    again = client.post(
        f"/api/v1/tickets/{desk.ticket}/assign",
        json={"assignee": "eric"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert again.status_code == 200, again.get_data(as_text=True)
    assert inbox.to("eric@example.no")["Subject"].startswith(f"vftops: ticket #{desk.ticket}")
    assert len(inbox.envelopes) == 2


# --- the daily digest ---------------------------------------------------------------------


@pytest.fixture
def day(app, desk, factories):
    """Stjørdal's queue this morning (priority 2: one hour to acknowledge, eight to
    resolve, on the 24/7 clock): one alarm breached its resolve deadline, one was never
    acknowledged, one is close to its deadline, one is fine, one waits for the supplier.
    Meråker has a breached alarm of its own. Three alarms of a product tested every six
    months: one overdue, one tested lately, one installed lately."""
    w = desk.w
    now = utcnow().replace(microsecond=0)
    hub = SimpleNamespace(id=None)
    with app.app_context():
        from vftops.equipment.operations import create_product

        product = create_product(
            None,
            category="safety_alarm",
            manufacturer="Tunstall",
            model="Smart Hub",
            test_interval_months=6,
        )
        db.session.commit()
        hub.id = product.id

    def alarm(title, hours_ago, *, municipality=None, ack_after=None, **kw):
        m = municipality or w.stjordal
        t = ops.create_ticket(
            None,
            m.id,
            title=title,
            kind="technical_alarm",
            channel="alarm",
            reporter_kind="monitoring",
            urgency="high",
            at=now - timedelta(hours=hours_ago),
            **kw,
        )
        if ack_after is not None:
            ops.acknowledge(_get(User, desk.tor), t, at=t.created_at + timedelta(minutes=ack_after))
        return t

    with app.app_context():
        late = alarm("Mistet forbindelse Kvislamarka", 10, ack_after=10)
        unseen = alarm("Lavt batteri Hegre", 2)
        close = alarm("Falltelefon piper", 7, ack_after=5)
        alarm("Ny alarm i dag", 1, ack_after=5)
        waiting = alarm("Feil på basestasjon", 10, ack_after=5)
        from vftops.suppliers.models import Supplier

        ops.escalate(
            _get(User, desk.anne),
            waiting,
            db.session.get(Supplier, w.supplier_id),
            supplier_ref="TUN-1",
            at=waiting.created_at + timedelta(minutes=30),
        )
        ivars = alarm("Pasientvarsling nede", 11, team=db.session.get(Team, desk.servicedesk))
        ops.assign(None, ivars, assignee=_get(User, desk.ivar))
        foreign = alarm("Meråker alarm", 12, municipality=w.meraker)
        db.session.commit()
        tickets = SimpleNamespace(
            late=(late.id, late.resolve_due_at),
            unseen=(unseen.id, unseen.acknowledge_due_at),
            close=(close.id, close.resolve_due_at),
            ivars=(ivars.id, ivars.acknowledge_due_at),
            waiting=waiting.id,
            foreign=foreign.id,
        )

    def installed(serial, months_ago, municipality=None, store=None):
        m = municipality or w.stjordal
        device = factories.device(hub, store or desk.store, serial=serial)
        factories.placement(
            device, factories.recipient(m), installed_at=now - timedelta(days=30 * months_ago)
        )
        return device

    overdue = installed("HUB-OLD", 8)
    tested = installed("HUB-TESTED", 14)
    installed("HUB-NEW", 2)
    installed("HUB-M", 9, w.meraker, w.store(w.meraker, "Meråker lager"))
    with app.app_context():
        from vftops.equipment.models import Placement
        from vftops.support.function_tests import add_months, record_function_test

        record_function_test(
            _get(User, desk.tor),
            db.session.get(Device, tested.id),
            result="passed",
            tested_at=now - timedelta(days=60),
        )
        db.session.commit()
        placement = db.session.scalar(select(Placement).where(Placement.device_id == overdue.id))
        due_on = add_months(local_day(placement.installed_at), 6)
    return SimpleNamespace(now=now, overdue_due=due_on, **vars(tickets))


def test_digest_tells_each_person_about_their_tickets_and_overdue_tests(app, desk, day, inbox, cli):
    result = cli()
    assert result.exit_code == 0, result.output
    # The sweep first: two resolve deadlines passed (the late alarm and Meråker's), and
    # three acknowledge deadlines (the unseen alarm, Ivar's and Meråker's).
    assert "Support sweep: 3 acknowledge and 3 resolve breach(es) recorded" in result.output
    with app.app_context():
        late = db.session.get(Ticket, day.late[0])
        assert late.resolve_breached_at == late.resolve_due_at
        assert db.session.get(Ticket, day.waiting).resolve_breached_at is None  # paused

    mail = inbox.to("tor@example.no")
    today = nb_date(local_day(utcnow()))
    assert mail["Subject"] == f"vftops: 4 varsler for {today}"
    text, html = parts(mail)
    assert text.startswith("Hei Person Tor,")
    assert f"Dette trenger oppmerksomhet i sakene og funksjonstestene dine, {today}:" in text
    late_id, late_due = day.late
    unseen_id, unseen_due = day.unseen
    close_id, close_due = day.close
    breached = (
        "SLA-brudd\n=========\n"
        f"- #{late_id} Mistet forbindelse Kvislamarka: fristen for løsning gikk ut {_oslo(late_due)}\n"
        f"  {BASE}/support/{late_id}\n"
        f"- #{unseen_id} Lavt batteri Hegre: fristen for kvittering gikk ut {_oslo(unseen_due)}\n"
        f"  {BASE}/support/{unseen_id}\n"
    )
    assert breached in text
    assert (
        "Bryter snart SLA\n================\n"
        f"- #{close_id} Falltelefon piper: skal løses innen {_oslo(close_due)}\n"
        f"  {BASE}/support/{close_id}\n"
    ) in text
    assert "Ny alarm i dag" not in text  # plenty of time left
    assert "Feil på basestasjon" not in text  # waiting for the supplier: the clock stands
    assert "Pasientvarsling" not in text  # Ivar's, in another team
    assert "Meråker" not in text
    assert "1 funksjonstest over fristen i Stjørdal" in text
    assert (
        f"- Tunstall Smart Hub HUB-OLD: funksjonstest forfalt {nb_date(day.overdue_due)}\n" in text
    )
    assert "HUB-TESTED" not in text
    assert "HUB-NEW" not in text
    assert "HUB-M" not in text
    assert f"Saker som snart bryter SLA i vftops: {BASE}/support?queue=soon" in text
    assert "Du behandler saker eller funksjonstester i vftops." in text
    assert "lagrene" not in text  # responsible for no store
    assert "Du får denne e-posten høyst én gang om dagen" in text
    assert (
        f'<a href="{BASE}/support/{late_id}" style="color: #0b5394;">#{late_id} '
        "Mistet forbindelse Kvislamarka: fristen for løsning gikk ut"
    ) in html
    assert "SLA-brudd</h2>" in html

    # Ivar (IT) has one ticket assigned and records no function tests.
    ivar_text = parts(inbox.to("ivar@example.no"))[0]
    ivars_id, ivars_due = day.ivars
    assert (
        f"#{ivars_id} Pasientvarsling nede: fristen for kvittering gikk ut {_oslo(ivars_due)}"
        in (ivar_text)
    )
    assert "over fristen" not in ivar_text
    assert "HUB-OLD" not in ivar_text
    # The English technician in the same team reads it in English.
    eric = inbox.to("eric@example.no")
    assert eric["Subject"].startswith("vftops: 4 alerts for ")
    eric_text = parts(eric)[0]
    assert f"#{late_id} Mistet forbindelse Kvislamarka: the deadline to resolve passed" in eric_text
    assert "1 function test overdue in Stjørdal" in eric_text
    # Meråker's technician hears about Meråker only.
    stranger = parts(inbox.to("mtekniker@example.no"))[0]
    assert f"#{day.foreign} Meråker alarm" in stranger
    assert "HUB-M" in stranger
    assert "Kvislamarka" not in stranger
    # Anne's team, the service desk, has Ivar's ticket; she also records function tests.
    anne = parts(inbox.to("anne@example.no"))[0]
    assert f"#{ivars_id} Pasientvarsling nede" in anne
    assert "Kvislamarka" not in anne
    assert "HUB-OLD" in anne


def test_once_a_day_per_person_and_stores_and_tickets_in_one_mail(app, desk, day, inbox, cli):
    """Tor is also responsible for a store short of batteries: one e-mail with both."""
    w = desk.w
    van = w.store(w.stjordal, "Teknikerbil 1", responsible=SimpleNamespace(id=desk.tor.id))
    w.shortfall(van, minimum=4, have=0)
    assert cli().exit_code == 0
    mail = inbox.to("tor@example.no")
    assert mail["Subject"] == f"vftops: 5 varsler for {nb_date(local_day(utcnow()))}"
    text = parts(mail)[0]
    assert text.index("Teknikerbil 1 (Stjørdal)") < text.index("SLA-brudd")
    assert "Duracell AA-batteri: 0 tilgjengelig, minimum 4 – mangler 4" in text
    # Why he hears of each: both reasons in the footer, the stores' first.
    footer = text.split("\n-- \n")[1]
    assert footer.index("Du er ansvarlig for disse lagrene i vftops.") < footer.index(
        "Du behandler saker eller funksjonstester i vftops."
    )

    again = cli()
    assert again.exit_code == 0, again.output
    assert "already sent today: Person Tor <tor@example.no>" in again.output
    assert len([e for e in inbox.envelopes if "tor@example.no" in e.rcpt_tos]) == 1


def test_dry_run_sweeps_nothing(app, desk, day, inbox, cli):
    result = cli("--dry-run")
    assert result.exit_code == 0, result.output
    assert "Support sweep" not in result.output
    assert "would send to Person Tor <tor@example.no>: 4 item(s)" in result.output
    with app.app_context():
        assert db.session.get(Ticket, day.late[0]).resolve_breached_at is None
    assert inbox.envelopes == []


def test_in_app_list_shows_my_tickets_and_tests(app, desk, day, login_as, client):
    login_as(desk.tor)
    html = client.get("/stock/notifications").get_data(as_text=True)
    assert "Dine saker og funksjonstester" in html
    late_id = day.late[0]
    assert f'<a href="/support/{late_id}">#{late_id} Mistet forbindelse Kvislamarka' in html
    assert "Tunstall Smart Hub HUB-OLD: funksjonstest forfalt" in html
    assert "Pasientvarsling" not in html
    assert "Meråker" not in html


def test_digest_reads_with_a_fixed_number_of_queries(app, desk, day, factories):
    """More teams, people, late tickets and overdue tests: not one query more."""
    from tests.conftest import count_statements
    from vftops.notify import run_notify

    def statements():
        with count_statements(app) as seen, app.app_context():
            result = run_notify(dry_run=True)
        return len(seen), result

    few, first = statements()
    w = desk.w
    newcomers = [factories.user("technician", municipalities=[w.stjordal]) for _n in range(3)]
    with app.app_context():
        people = [_get(User, person) for person in newcomers]
        team = ops.create_team(None, w.stjordal.id, name="Nattevakt", kind="other", members=people)
        for n in range(4):
            ops.create_ticket(
                None,
                w.stjordal.id,
                title=f"Sen alarm {n}",
                kind="question",
                channel="phone",
                reporter_kind="employee",
                team=team,
                urgency="high",
                impact="high",
                at=day.now - timedelta(hours=5 + n),
            )
        db.session.commit()
    many, second = statements()
    assert len(second.sent) == len(first.sent) + 3
    assert many == few


def test_the_owner_is_mailed_once_not_again_when_nothing_about_them_changed(
    app, desk, inbox, login_as, client
):
    """Assigning Tor twice, or moving his ticket to another team, mails him once."""
    login_as(desk.anne)
    assert _assign_on_the_page(client, desk.ticket, desk.tor.id).status_code == 302
    assert _assign_on_the_page(client, desk.ticket, desk.tor.id).status_code == 302
    assert len([m for m in inbox.messages if "tor@example.no" in str(m["To"])]) == 1


def test_assigning_someone_outside_the_municipality_says_nothing_about_them(
    app, desk, login_as, client
):
    """Meråker's technician and an id nobody has get the same answer: not a choice here."""
    login_as(desk.anne)
    answers = [
        _assign_on_the_page(client, desk.ticket, user_id) for user_id in (desk.stranger.id, 99999)
    ]
    assert [a.status_code for a in answers] == [422, 422]
    texts = [a.get_data(as_text=True) for a in answers]
    assert all("Velg en som behandler saker." in t for t in texts)
    assert all("jobber ikke i sakens kommune" not in t for t in texts)
    with app.app_context():
        assert db.session.get(Ticket, desk.ticket).assignee_id is None
