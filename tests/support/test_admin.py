"""Configuring support: teams, routing rules, SLA targets and settings, the contact page."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.conftest import csrf_from, login
from vftops.auth.models import User
from vftops.core.audit import AuditEvent
from vftops.equipment.models import Device
from vftops.extensions import db
from vftops.suppliers.operations import create_supplier
from vftops.support import operations as ops
from vftops.support.models import RoutingRule, SlaTarget, SupportSettings, Team, Ticket


@pytest.fixture
def office(app, factories):
    """Stjørdal with a servicedesk (default) and a technician team; a rule sends faults on
    the Evondos dispenser to the technicians. Meråker next door has its own team and rule."""
    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    desk = factories.user("servicedesk", municipalities=[m], username="anne")
    tech = factories.user("technician", municipalities=[m], username="tor")
    manager = factories.user("manager", municipalities=[m], username="leder")
    with app.app_context():
        evondos = create_supplier(
            None,
            name="Evondos AS",
            support_phone="22 33 44 55",
            support_email="support@evondos.example",
            support_hours="hverdager 08–16",
            out_of_hours_note="vakttelefon 40 00 00 00, tillegg 950 kr",
        )
        db.session.commit()
        supplier_id = evondos.id
    dispenser = factories.product(
        "medicine_dispenser", model="E300", manufacturer="Evondos", supplier_id=supplier_id
    )
    alarm = factories.product("safety_alarm", model="Lifeline Vi+")
    store = factories.store(m, name="Sentrallager")
    device = factories.device(dispenser, store, serial="EV-1")
    factories.placement(device, factories.recipient(m, name="Kari Nordmann"))
    factories.device(alarm, store, serial="AL-1")
    with app.app_context():
        servicedesk = ops.create_team(
            None,
            m.id,
            name="Servicedesk",
            kind="servicedesk",
            phone="74 80 10 00",
            hours="hverdager 08–15.30",
            is_default=True,
        )
        technicians = ops.create_team(
            None,
            m.id,
            name="Teknikere",
            kind="technicians",
            phone="74 80 20 00",
            email="teknikere@stjordal.example",
            members=[db.session.get(User, tech.id)],
        )
        rule = ops.save_rule(
            None,
            m.id,
            team=technicians,
            position=10,
            kind="equipment_fault",
            product_id=dispenser.id,
        )
        foreign_team = ops.create_team(
            None, other.id, name="Meråker servicedesk", kind="servicedesk", is_default=True
        )
        foreign_rule = ops.save_rule(None, other.id, team=foreign_team, position=10, kind="access")
        db.session.commit()
        ids = SimpleNamespace(
            servicedesk=servicedesk.id,
            technicians=technicians.id,
            rule=rule.id,
            foreign_team=foreign_team.id,
            foreign_rule=foreign_rule.id,
            supplier=supplier_id,
        )
    return SimpleNamespace(
        m=m,
        other=other,
        desk=desk,
        tech=tech,
        manager=manager,
        dispenser=dispenser,
        alarm=alarm,
        device=device,
        **vars(ids),
    )


def _post(client, url, data, form_page=None):
    html = client.get(form_page or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(html)})


def _ticket(app, office, kind="technical_alarm", serial="AL-1"):
    with app.app_context():
        device = db.session.scalar(select(Device).where(Device.serial_number == serial))
        ticket = ops.create_ticket(
            None,
            office.m.id,
            title="Feil",
            kind=kind,
            channel="phone",
            reporter_kind="employee",
            devices=[device],
        )
        db.session.commit()
        return db.session.get(Team, ticket.team_id).name


# --- who to contact about what --------------------------------------------------------


def test_the_contact_page_says_who_to_call_about_a_dispenser(app, client, office):
    """A unit manager looks up the dispenser: the technicians' phone for a fault, and the
    supplier's support with its hours and what calling outside them costs."""
    login(client, office.manager)
    html = client.get("/support/contacts").get_data(as_text=True)
    assert "Hvem kontakter vi om hva?" in html
    card = html.split('data-testid="contact-product-')[1]
    assert "Om medisindispenser Evondos E300" in card
    assert "Teknikere" in card
    assert 'href="tel:74802000"' in card
    assert "Evondos AS" in card
    assert 'href="tel:22334455"' in card
    assert "hverdager 08–16" in card
    assert "Utenom åpningstid: vakttelefon 40 00 00 00, tillegg 950 kr" in card
    # A technical alarm from the dispenser matches no rule: the service desk takes it.
    assert "teknisk alarm → " in card.lower()
    assert "Servicedesk" in card
    # The safety alarm in the store is in use too, and goes to the service desk.
    assert "Om trygghetsalarm Tunstall Lifeline Vi+" in html
    everything_else = html.split('data-testid="contact-rules"')[1].split("</ul>")[0]
    assert "Alt annet" in everything_else
    assert "Servicedesk" in everything_else
    assert "Meråker" not in html


def test_the_contact_page_of_another_municipality_answers_404(app, client, office):
    login(client, office.desk)
    assert client.get(f"/support/contacts?municipality_id={office.other.id}").status_code == 404
    assert client.get(f"/support/contacts?municipality_id={office.m.id}").status_code == 200


# --- routing rules ----------------------------------------------------------------------


def test_a_rule_change_reroutes_new_tickets(app, client, office):
    """Technical alarms go to the service desk until a rule sends them to the technicians;
    tickets already registered keep their team; deleting the rule sends them back."""
    assert _ticket(app, office) == "Servicedesk"
    login(client, office.desk)
    page = client.get("/support/rules").get_data(as_text=True)
    assert "Alt annet" in page
    assert "Servicedesk" in page.split('data-testid="default-line"')[1]

    made = _post(
        client,
        f"/support/rules/new?municipality_id={office.m.id}",
        {
            "position": "20",
            "kind": "technical_alarm",
            "team_id": office.technicians,
            "is_active": "y",
        },
    )
    assert made.status_code == 302
    follow = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Regel 20 er lagret" in follow
    assert _ticket(app, office) == "Teknikere"
    with app.app_context():
        teams = db.session.scalars(select(Ticket.team_id).order_by(Ticket.id)).all()
        assert teams == [office.servicedesk, office.technicians]
        rule_id = db.session.scalar(select(RoutingRule.id).where(RoutingRule.position == 20))

    tested = client.get(
        f"/support/rules?municipality_id={office.m.id}&test=1&kind=technical_alarm"
    ).get_data(as_text=True)
    assert "Regel 20 treffer: saken går til Teknikere." in tested
    question = client.get(
        f"/support/rules?municipality_id={office.m.id}&test=1&kind=question"
    ).get_data(as_text=True)
    assert "Ingen regel treffer: saken går til standardteamet, Servicedesk." in question

    confirm = client.get(f"/support/rules/{rule_id}/delete").get_data(as_text=True)
    assert "Slette regel 20?" in confirm
    with app.app_context():
        assert db.session.get(RoutingRule, rule_id) is not None  # asking deletes nothing
    gone = client.post(f"/support/rules/{rule_id}/delete", data={"csrf_token": csrf_from(confirm)})
    assert gone.status_code == 302
    assert "Regel 20 er slettet" in client.get(gone.headers["Location"]).get_data(as_text=True)
    assert _ticket(app, office) == "Servicedesk"


def test_a_rule_edited_on_a_stale_page_is_refused(app, client, office):
    login(client, office.desk)
    html = client.get(f"/support/rules/{office.rule}/edit").get_data(as_text=True)
    assert 'value="10"' in html
    token = csrf_from(html)
    with app.app_context():
        ops.save_rule(
            None,
            office.m.id,
            rule=db.session.get(RoutingRule, office.rule),
            team=db.session.get(Team, office.servicedesk),
            position=15,
        )
        db.session.commit()
    stale = client.post(
        f"/support/rules/{office.rule}/edit",
        data={
            "csrf_token": token,
            "version": "1",
            "position": "5",
            "kind": "equipment_fault",
            "team_id": office.technicians,
            "is_active": "y",
        },
    )
    assert stale.status_code == 409
    assert "Noen andre endret dette samtidig" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RoutingRule, office.rule).position == 15


def test_a_rule_position_that_is_not_a_whole_number_is_kept_and_named(app, client, office):
    login(client, office.desk)
    bad = _post(
        client,
        f"/support/rules/new?municipality_id={office.m.id}",
        {"position": "tre", "kind": "access", "team_id": office.servicedesk, "is_active": "y"},
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'value="tre"' in html
    assert 'id="position-error"' in html
    with app.app_context():
        assert db.session.scalar(select(RoutingRule.id).where(RoutingRule.kind == "access")) in (
            None,
            office.foreign_rule,
        )


def test_another_municipalitys_team_and_rule_answer_404(app, client, office):
    login(client, office.desk)
    assert client.get(f"/support/teams/{office.foreign_team}/edit").status_code == 404
    assert client.get(f"/support/rules/{office.foreign_rule}/edit").status_code == 404
    assert client.get(f"/support/rules/{office.foreign_rule}/delete").status_code == 404
    token = csrf_from(client.get("/support/rules").get_data(as_text=True))
    refused = client.post(
        f"/support/rules/{office.foreign_rule}/delete", data={"csrf_token": token}
    )
    assert refused.status_code == 404
    assert client.get(f"/support/rules?municipality_id={office.other.id}").status_code == 404
    assert "Meråker servicedesk" not in client.get("/support/teams").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RoutingRule, office.foreign_rule) is not None


# --- teams ----------------------------------------------------------------------------


def test_a_new_default_team_with_members(app, client, office):
    """Only people who handle tickets are offered as members; making a team the default
    takes the mark from the old default team."""
    login(client, office.desk)
    form = client.get(f"/support/teams/new?municipality_id={office.m.id}").get_data(as_text=True)
    members = form.split("Medlemmer</legend>")[1].split("</fieldset>")[0]
    assert "Person Tor" in members
    assert "Person Anne" in members
    assert "Person Leder" not in members  # a unit manager reports tickets, does not handle them
    made = _post(
        client,
        f"/support/teams/new?municipality_id={office.m.id}",
        {
            "name": "IT-drift",
            "kind": "it",
            "phone": "74 80 30 00",
            "email": "it@stjordal.example",
            "hours": "døgnet rundt",
            "member_ids": [office.desk.id, office.tech.id],
            "is_default": "y",
        },
    )
    assert made.status_code == 302
    listing = client.get("/support/teams").get_data(as_text=True)
    row = listing.split('<span class="fw-semibold">IT-drift</span>')[1].split("</tr>")[0]
    assert "Standardteam" in row
    assert "74 80 30 00" in row
    assert "Person Anne, Person Tor" in row
    with app.app_context():
        assert db.session.get(Team, office.servicedesk).is_default is False
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "team.create")
            .order_by(AuditEvent.id.desc())
        )
        assert event.summary == "Team IT-drift opprettet"
        assert event.municipality_id == office.m.id
    assert _ticket(app, office) == "IT-drift"


def test_a_bad_team_form_keeps_what_was_typed(app, client, office):
    login(client, office.desk)
    bad = _post(
        client,
        f"/support/teams/{office.technicians}/edit",
        {
            "name": "Servicedesk",
            "kind": "technicians",
            "email": "ikke-en-adresse",
            "is_active": "y",
        },
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'value="ikke-en-adresse"' in html
    assert "Skriv en e-postadresse som navn@example.no." in html
    fixed = _post(
        client,
        f"/support/teams/{office.technicians}/edit",
        {"name": "Servicedesk", "kind": "technicians", "is_active": "y"},
    )
    assert fixed.status_code == 422
    assert "Kommunen har allerede et team med det navnet." in fixed.get_data(as_text=True)


def test_readers_see_the_teams_but_cannot_change_them(app, client, office):
    login(client, office.manager)
    html = client.get("/support/teams").get_data(as_text=True)
    assert "Teknikere" in html
    assert "74 80 20 00" in html
    assert "Nytt team" not in html
    assert client.get("/support/teams/new").status_code == 403
    assert client.get(f"/support/teams/{office.technicians}/edit").status_code == 403


# --- SLA and settings -----------------------------------------------------------------


def _sla(priority: int, ack_h: str, ack_m: str, res_h: str, res_m: str, calendar="24x7"):
    p = f"p{priority}-"
    return {
        "section": "target",
        "priority": str(priority),
        p + "acknowledge_hours": ack_h,
        p + "acknowledge_minutes": ack_m,
        p + "resolve_hours": res_h,
        p + "resolve_minutes": res_m,
        p + "calendar": calendar,
    }


def test_the_sla_page_shows_the_matrix_and_the_defaults(app, client, office):
    login(client, office.manager)
    html = client.get("/support/sla").get_data(as_text=True)
    matrix = html.split('data-testid="priority-matrix"')[1].split("</table>")[0]
    assert matrix.count("Kritisk") == 1
    card = html.split('data-testid="sla-1"')[1].split('data-testid="sla-2"')[0]
    assert "Standard: kvittere innen 15 min, løse innen 4 t, døgnet rundt (24/7)." in card
    assert "Stjørdal bruker standarden." in card
    assert "<form" not in card  # a unit manager reads, the service desk changes


def test_a_non_whole_number_sla_is_refused_with_input_kept(app, client, office):
    login(client, office.desk)
    data = {**_sla(2, "1,5", "0", "8", "0"), "municipality_id": office.m.id}
    bad = _post(client, "/support/sla", data, form_page="/support/sla")
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    card = html.split('data-testid="sla-2"')[1].split('data-testid="sla-3"')[0]
    assert 'value="1,5"' in card
    assert "Oppgi et helt antall timer." in card
    backwards = _post(
        client,
        "/support/sla",
        {**_sla(2, "9", "0", "8", "0"), "municipality_id": office.m.id},
        form_page="/support/sla",
    )
    assert backwards.status_code == 422
    assert "kan ikke være kortere enn" in backwards.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(SlaTarget.id)) is None

    ok = _post(
        client,
        "/support/sla",
        {**_sla(2, "0", "30", "6", "0"), "municipality_id": office.m.id},
        form_page="/support/sla",
    )
    assert ok.status_code == 302
    page = client.get(ok.headers["Location"]).get_data(as_text=True)
    card = page.split('data-testid="sla-2"')[1].split('data-testid="sla-3"')[0]
    assert "Stjørdal: kvittere innen 30 min, løse innen 6 t, døgnet rundt (24/7)." in card
    with app.app_context():
        row = db.session.scalar(select(SlaTarget))
        assert (row.priority, row.acknowledge_minutes, row.resolve_minutes) == (2, 30, 360)


def test_support_settings_are_checked_saved_and_audited(app, client, office):
    login(client, office.desk)
    settings = {
        "section": "settings",
        "municipality_id": office.m.id,
        "settings-auto_close_days": "0",
        "settings-incident_threshold": "5",
        "settings-incident_window_minutes": "10,5",
    }
    bad = _post(client, "/support/sla", settings, form_page="/support/sla")
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'value="10,5"' in html
    assert "Oppgi et helt antall minutter." in html
    zero = _post(
        client,
        "/support/sla",
        {**settings, "settings-incident_window_minutes": "10"},
        form_page="/support/sla",
    )
    assert zero.status_code == 422
    assert "Oppgi et helt antall dager fra 1 til 365." in zero.get_data(as_text=True)
    ok = _post(
        client,
        "/support/sla",
        {
            **settings,
            "settings-auto_close_days": "14",
            "settings-incident_window_minutes": "10",
        },
        form_page="/support/sla",
    )
    assert ok.status_code == 302
    assert "Stjørdal har egne innstillinger." in client.get(ok.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        assert ops.settings_for(office.m.id) == {
            "auto_close_days": 14,
            "incident_threshold": 5,
            "incident_window_minutes": 10,
        }
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "support_settings.save")
        )
        assert event.municipality_id == office.m.id
        assert event.changes["auto_close_days"] == {"before": None, "after": 14}
        assert db.session.get(SupportSettings, office.m.id).version == 1


def test_sla_of_another_municipality_answers_404(app, client, office):
    login(client, office.desk)
    assert client.get(f"/support/sla?municipality_id={office.other.id}").status_code == 404
    refused = _post(
        client,
        "/support/sla",
        {**_sla(1, "0", "10", "2", "0"), "municipality_id": office.other.id},
        form_page="/support/sla",
    )
    assert refused.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(SlaTarget.id)) is None


def test_an_own_sla_target_can_go_back_to_the_default(app, client, office):
    """Stjørdal tried a shorter time for priority 2 and goes back to the standard."""
    login(client, office.desk)
    saved = _post(
        client,
        "/support/sla",
        {**_sla(2, "0", "30", "6", "0"), "municipality_id": office.m.id},
        form_page="/support/sla",
    )
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="sla-reset-2"' in page
    assert 'data-testid="sla-reset-1"' not in page  # priority 1 has nothing to reset

    reset = {"section": "reset", "priority": "2", "municipality_id": office.m.id}
    back = _post(client, "/support/sla", reset, form_page="/support/sla")
    assert back.status_code == 302
    page = client.get(back.headers["Location"]).get_data(as_text=True)
    assert "Prioritet Høy bruker standard-SLA igjen" in page
    card = page.split('data-testid="sla-2"')[1].split('data-testid="sla-3"')[0]
    assert "Stjørdal bruker standarden." in card
    assert 'data-testid="sla-reset-2"' not in card
    with app.app_context():
        assert db.session.scalar(select(SlaTarget.id)) is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sla_target.reset"))
        assert event.municipality_id == office.m.id
        assert event.changes["resolve_minutes"] == {"before": 360, "after": None}

    again = _post(client, "/support/sla", reset, form_page="/support/sla")
    assert "Prioritet Høy bruker allerede standarden." in client.get(
        again.headers["Location"]
    ).get_data(as_text=True)

    # Another municipality's target cannot be reset from here.
    other = {**reset, "municipality_id": office.other.id}
    assert _post(client, "/support/sla", other, form_page="/support/sla").status_code == 404


def test_a_team_with_someone_who_left_can_still_be_changed(app, client, office):
    """Tor has left (deactivated) but is still ticked on the technicians' team: changing
    the team's phone works, and his leaving is not recorded as a change of members.
    Adding someone who does not handle tickets is refused."""
    with app.app_context():
        db.session.get(User, office.tech.id).is_active_user = False
        db.session.commit()
    login(client, office.desk)
    url = f"/support/teams/{office.technicians}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "Person Tor (behandler ikke lenger saker)" in page
    version = re.search(r'name="version"[^>]*value="(\d+)"', page) or re.search(
        r'value="(\d+)"[^>]*name="version"', page
    )
    data = {
        "name": "Teknikere",
        "kind": "technicians",
        "phone": "74 80 99 99",
        "email": "teknikere@stjordal.example",
        "member_ids": [office.tech.id],
        "is_active": "y",
        "version": version.group(1) if version else "",
    }
    saved = _post(client, url, data)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    with app.app_context():
        team = db.session.get(Team, office.technicians)
        assert team.phone == "74 80 99 99"
        assert [u.id for u in team.members] == [office.tech.id]
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "team.update")
            .order_by(AuditEvent.id.desc())
        )
        assert event.changes["phone"] == {"before": "74 80 20 00", "after": "74 80 99 99"}
        assert "member_ids" not in event.changes
        version = team.version

    refused = _post(
        client,
        url,
        {**data, "member_ids": [office.tech.id, office.manager.id], "version": str(version)},
    )
    assert refused.status_code == 422
    errors = re.findall(
        r'class="invalid-feedback d-block">(.*?)</div>', refused.get_data(as_text=True)
    )
    # The unit manager is not among the people offered.
    assert errors == ["Kryss bare av for det listen tilbyr."], errors


def test_an_sla_target_saved_on_an_old_page_is_refused(app, client, office):
    """Two people had the SLA page open; the second save, based on what the first has
    since changed, is refused and the first one's target stays."""
    login(client, office.desk)
    first = _post(
        client,
        "/support/sla",
        {**_sla(2, "0", "30", "6", "0"), "municipality_id": office.m.id, "p2-version": ""},
        form_page="/support/sla",
    )
    assert first.status_code == 302
    page = client.get("/support/sla").get_data(as_text=True)
    card = page.split('data-testid="sla-2"')[1].split('data-testid="sla-3"')[0]
    assert re.search(r'name="p2-version"[^>]*value="1"|value="1"[^>]*name="p2-version"', card)
    again = _post(
        client,
        "/support/sla",
        {**_sla(2, "0", "45", "8", "0"), "municipality_id": office.m.id, "p2-version": "1"},
        form_page="/support/sla",
    )
    assert again.status_code == 302  # based on the current version: saved
    stale = _post(
        client,
        "/support/sla",
        {**_sla(2, "1", "0", "9", "0"), "municipality_id": office.m.id, "p2-version": "1"},
        form_page="/support/sla",
    )
    assert stale.status_code == 409
    assert "endret dette samtidig" in stale.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(select(SlaTarget))
        assert (row.acknowledge_minutes, row.resolve_minutes, row.version) == (45, 480, 2)


def test_teams_rules_and_contacts_cost_the_same_however_many_there_are(
    app, client, office, factories
):
    """Three more teams with members, rules and installed products add no statements
    to the teams, rules and contact pages."""
    from tests.conftest import count_statements

    login(client, office.desk)
    urls = ["/support/teams", "/support/rules", "/support/contacts"]

    def statements():
        counts = []
        for url in urls:
            with count_statements(app) as seen:
                response = client.get(url)
            assert response.status_code == 200
            counts.append(len(seen))
        return counts

    before = statements()
    store = factories.store(office.m, name="Lager 2")
    for i in range(3):
        product = factories.product("mobile_alarm", model=f"Sporing {i}")
        device = factories.device(product, store, serial=f"GPS-{i}")
        factories.placement(device, factories.recipient(office.m, name=f"Mottaker {i}"))
        with app.app_context():
            team = ops.create_team(
                None,
                office.m.id,
                name=f"Team {i}",
                kind="technicians",
                members=[db.session.get(User, office.tech.id)],
            )
            ops.save_rule(None, office.m.id, team=team, position=20 + i, product_id=product.id)
            db.session.commit()
    after = statements()
    assert after == before
    contacts = client.get("/support/contacts").get_data(as_text=True)
    assert all(f"Sporing {i}" in contacts and f"Team {i}" in contacts for i in range(3))
