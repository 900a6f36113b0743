"""The support JSON API, as a response centre's integration and a service desk app use it:
report, list, read, change, acknowledge, comment, escalate, resolve and assign tickets."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.conftest import count_statements, race_requests
from vftops.auth.models import User
from vftops.core.models import utcnow
from vftops.equipment.models import Device
from vftops.extensions import db
from vftops.support import operations as ops
from vftops.support.models import Team, Ticket, TicketEntry
from vftops.systems.models import ItSystem


@pytest.fixture
def desk(app, factories):
    """Stjørdal: a service desk (default team) and a technician team that gets the safety
    alarms by rule; an alarm installed at a critical recipient, a door sensor on the shelf.
    Meråker: its own service desk, a device and a ticket. A response centre reports with
    a token of a service desk account."""
    from vftops.suppliers.operations import create_supplier

    a = factories.municipality(name="Stjørdal", number="5035")
    b = factories.municipality(name="Meråker", number="5034")
    anne = factories.user("servicedesk", municipalities=[a], username="anne")
    bjorn = factories.user("servicedesk", municipalities=[a], username="bjorn")
    tor = factories.user("technician", municipalities=[a], username="tor")
    leader = factories.user("manager", municipalities=[a], username="leder")
    auditor = factories.user("auditor", municipalities=[a], username="revisor")
    centre = factories.user("servicedesk", municipalities=[a], username="alarmsentral")
    shared = factories.user("servicedesk", municipalities=[a, b], username="felles")
    meraker = factories.user("technician", municipalities=[b], username="mtek")
    store = factories.store(a, name="Sentrallager")
    alarm = factories.product("safety_alarm", model="Lifeline Vi+")
    sensor = factories.product("door_sensor", model="Dørsensor")
    device = factories.device(alarm, store, serial="TA-100234")
    critical = factories.recipient(a, name="Kari Kritisk", is_critical=True)
    placement = factories.placement(device, critical)
    loose = factories.device(sensor, store, serial="DS-5")
    foreign = factories.device(alarm, factories.store(b, name="Meråker lager"), serial="MK-1")
    foreign_recipient = factories.recipient(b, name="Mons Meråker")
    with app.app_context():
        supplier_id = create_supplier(None, name="Tunstall AS").id
        db.session.commit()
    system = factories.system(a, "Alarmmottak")
    foreign_system = factories.system(b, "Meråkers portal")
    with app.app_context():
        desk_team = ops.create_team(
            None, a.id, name="Servicedesk", kind="servicedesk", is_default=True
        )
        technicians = ops.create_team(
            None, a.id, name="Teknikere", kind="technicians", members=[_get(User, tor)]
        )
        ops.save_rule(
            None, a.id, team=technicians, position=10, kind="technical_alarm", product_id=alarm.id
        )
        desk_b = ops.create_team(
            None, b.id, name="Servicedesk Meråker", kind="servicedesk", is_default=True
        )
        ticket_b = ops.create_ticket(
            None,
            b.id,
            title="Meråkers alarm",
            kind="technical_alarm",
            channel="alarm",
            reporter_kind="monitoring",
            devices=[_get(Device, foreign)],
        )
        db.session.commit()
        ids = SimpleNamespace(
            supplier=supplier_id,
            desk_team=desk_team.id,
            technicians=technicians.id,
            desk_b=desk_b.id,
            ticket_b=ticket_b.id,
        )
    return SimpleNamespace(
        a=a,
        b=b,
        anne=anne,
        bjorn=bjorn,
        tor=tor,
        leader=leader,
        auditor=auditor,
        centre=centre,
        shared=shared,
        meraker=meraker,
        alarm=alarm,
        device=device,
        placement=placement,
        critical=critical,
        loose=loose,
        foreign=foreign,
        foreign_recipient=foreign_recipient,
        system=system,
        foreign_system=foreign_system,
        **vars(ids),
    )


def _get(model, obj):
    return db.session.get(model, obj.id)


@pytest.fixture
def centre(app, factories, desk):
    return factories.api(desk.centre)


@pytest.fixture
def anne(app, factories, desk):
    return factories.api(desk.anne)


def _error(response) -> dict:
    return response.get_json()["error"]


def _tickets(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(Ticket.id, Ticket.title, Ticket.external_id).order_by(Ticket.id)
        ).all()


ALARM = {
    "title": "Mistet forbindelse med trygghetsalarmen",
    "kind": "technical_alarm",
    "channel": "alarm",
    "reporter_kind": "monitoring",
    "reporter_name": "Alarmsentralen Trøndelag",
}


def _report(client, **extra):
    return client.post("/api/v1/tickets", json={**ALARM, **extra})


# --- reporting ----------------------------------------------------------------------------


def test_response_centre_reports_an_alarm_by_serial_number(app, centre, desk):
    """The centre names the alarm by its serial as typed on its screen: the ticket goes to the
    technicians by rule, the critical recipient comes from the placement and makes it urgent."""
    response = _report(centre, serials=[" ta-100234 "], external_id="ARC-1")
    assert response.status_code == 201, response.get_json()
    ticket = response.get_json()
    assert response.headers["Location"] == f"/api/v1/tickets/{ticket['id']}"
    assert "X-Existing-Ticket" not in response.headers
    assert ticket["municipality_id"] == desk.a.id
    assert ticket["device_ids"] == [desk.device.id]
    assert ticket["recipient_id"] == desk.critical.id
    assert ticket["team_id"] == desk.technicians
    assert (ticket["urgency"], ticket["impact"], ticket["priority"]) == ("high", "medium", 2)
    assert ticket["priority_label"] == "Høy"
    assert ticket["status"] == "new"
    assert ticket["status_label"] == "Ny"
    assert ticket["assignee"] is None
    assert ticket["external_id"] == "ARC-1"
    assert ticket["waiting"] is False
    assert ticket["version"] == 1

    detail = centre.get(response.headers["Location"]).get_json()
    assert detail["title"] == "Mistet forbindelse med trygghetsalarmen"
    assert detail["reporter_name"] == "Alarmsentralen Trøndelag"
    assert detail["team"] == {"id": desk.technicians, "name": "Teknikere"}
    assert [d["serial_number"] for d in detail["devices"]] == ["TA-100234"]
    assert detail["devices"][0]["product"] == "Tunstall Lifeline Vi+"
    assert detail["sla"]["what"] == "acknowledge"
    assert detail["sla"]["state"] in ("ok", "soon")
    assert 0 < detail["sla"]["minutes_left"] <= 60
    assert "Teknikere" in detail["entries"][0]["body"]


def test_a_system_fault_names_its_system_and_the_systems_rule_routes_it(app, centre, desk):
    """The system is one of the register's: its routing rule sends the ticket to its team;
    a system the municipality does not use is one that does not exist."""
    with app.app_context():
        it_team = ops.create_team(None, desk.a.id, name="IT-drift", kind="other")
        ops.save_rule(None, desk.a.id, team=it_team, position=5, system=_get(ItSystem, desk.system))
        db.session.commit()
        it_team_id = it_team.id
    fault = {"kind": "system_fault", "channel": "phone", "reporter_kind": "employee"}
    response = _report(centre, **fault, system_id=desk.system.id, municipality_id=desk.a.id)
    assert response.status_code == 201, response.get_json()
    ticket = response.get_json()
    assert (ticket["system_id"], ticket["system"]) == (desk.system.id, "Alarmmottak")
    assert ticket["team_id"] == it_team_id
    before = _tickets(app)
    foreign = _report(centre, **fault, system_id=desk.foreign_system.id, municipality_id=desk.a.id)
    assert foreign.status_code == 404
    assert _tickets(app) == before


def test_a_retried_call_with_the_same_external_id_gives_the_same_ticket(app, centre, desk):
    """The response centre did not get the answer and sends again: 200, the same ticket."""
    first = _report(centre, device_ids=[desk.device.id], external_id="ARC-77")
    again = _report(centre, device_ids=[desk.device.id], external_id=" ARC-77 ")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["X-Existing-Ticket"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert [row.external_id for row in _tickets(app)] == [None, "ARC-77"]  # Meråker's + this
    other = _report(centre, device_ids=[desk.device.id], external_id="ARC-78")
    assert other.status_code == 201
    assert len(_tickets(app)) == 3


def test_two_calls_with_the_same_external_id_at_once_give_one_ticket(app, factories, desk):
    """Two of the centre's servers send the same alarm at the same moment: one ticket;
    one call answers 201, the other 200 with that same ticket."""
    clients = [factories.api(desk.centre) for _ in range(2)]

    def bookkeeping(_i, client):  # the token's use is noted before the race
        assert client.get("/api/v1/users/me").status_code == 200

    def send(_i, client, _seen):
        return _report(client, device_ids=[desk.device.id], external_id="ARC-SAME")

    responses = race_requests(clients, send, prepare=bookkeeping)
    assert sorted(r.status_code for r in responses) == [200, 201], [
        r.get_data(as_text=True) for r in responses
    ]
    assert responses[0].get_json()["id"] == responses[1].get_json()["id"]
    with app.app_context():
        count = db.session.scalar(
            select(func.count(Ticket.id)).where(Ticket.external_id == "ARC-SAME")
        )
        created = db.session.scalar(
            select(func.count(TicketEntry.id)).where(TicketEntry.body.like("Registrert%"))
        )
    assert count == 1
    assert created == 2  # Meråker's ticket and this one


def test_devices_and_municipalities_out_of_reach(app, factories, centre, desk):
    """Another municipality's device, recipient or municipality answers 404; a serial that is
    not in your municipalities is named (422); nothing is stored."""
    before = _tickets(app)
    foreign = _report(centre, device_ids=[desk.foreign.id])
    assert foreign.status_code == 404
    assert _error(foreign)["code"] == "not_found"
    assert _report(centre, device_ids=[999_999]).status_code == 404
    assert _report(centre, municipality_id=desk.b.id).status_code == 404
    assert _report(centre, recipient_id=desk.foreign_recipient.id).status_code == 404

    unknown = _report(centre, serials=["TA-100234", "MK-1", "finnes-ikke"])
    assert unknown.status_code == 422
    assert _error(unknown)["fields"]["serials"] == [
        "Ingen enhet med serienummer MK-1.",
        "Ingen enhet med serienummer FINNES-IKKE.",
    ]
    assert _tickets(app) == before


def test_the_municipality_is_inferred_or_asked_for(app, factories, desk):
    """Someone in a shared service works for two municipalities: the devices tell which one;
    without devices the municipality must be named."""
    shared = factories.api(desk.shared)
    asked = _report(shared)
    assert asked.status_code == 422
    assert _error(asked)["fields"]["municipality_id"] == ["Velg kommune: du jobber i mer enn én."]
    mixed = _report(shared, device_ids=[desk.device.id, desk.foreign.id])
    assert mixed.status_code == 422
    assert _error(mixed)["fields"]["device_ids"] == ["Enhetene tilhører ulike kommuner."]
    by_device = _report(shared, serials=["MK-1"])
    assert by_device.status_code == 201
    assert by_device.get_json()["municipality_id"] == desk.b.id
    assert by_device.get_json()["team_id"] == desk.desk_b
    named = _report(shared, municipality_id=desk.a.id, title="Spørsmål om nøkkelboks")
    assert named.get_json()["municipality_id"] == desk.a.id
    assert named.get_json()["team_id"] == desk.desk_team
    mismatch = _report(shared, municipality_id=desk.a.id, device_ids=[desk.foreign.id])
    assert mismatch.status_code == 422
    assert _error(mismatch)["fields"]["device_ids"] == ["En av enhetene tilhører en annen kommune."]


def test_invalid_fields_are_named_and_nothing_is_stored(app, centre, desk):
    before = _tickets(app)
    response = centre.post(
        "/api/v1/tickets",
        json={
            "title": " ",
            "kind": "meteor",
            "channel": "brevdue",
            "reporter_kind": "monitoring",
            "urgency": "extreme",
        },
    )
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "title": ["Skriv en kort tittel: hva er galt?"],
        "kind": ["Velg sakstype."],
        "channel": ["Velg hvordan det ble meldt."],
        "urgency": ["Velg høy, middels eller lav."],
    }
    typo = centre.post("/api/v1/tickets", json={**ALARM, "prioritet": 1})
    assert _error(typo)["fields"] == {"prioritet": ["Ukjent felt."]}
    missing = centre.post("/api/v1/tickets", json={"title": "Uten type"})
    assert set(_error(missing)["fields"]) == {"kind", "reporter_kind"}
    too_long = _report(centre, external_id="x" * 101)
    assert too_long.status_code == 422
    assert "external_id" in _error(too_long)["fields"]
    assert _tickets(app) == before


def test_who_may_report_and_who_may_act(app, factories, desk):
    """A unit manager reports but does not acknowledge; the auditor only reads; without a
    token nothing at all."""
    leader = factories.api(desk.leader)
    reported = _report(leader, device_ids=[desk.loose.id], channel="web", reporter_kind="employee")
    assert reported.status_code == 201
    ticket_id = reported.get_json()["id"]
    refused = leader.post(f"/api/v1/tickets/{ticket_id}/acknowledge")
    assert refused.status_code == 403
    assert _error(refused)["code"] == "forbidden"
    auditor = factories.api(desk.auditor)
    assert _report(auditor).status_code == 403
    assert auditor.get(f"/api/v1/tickets/{ticket_id}").get_json()["title"] == ALARM["title"]
    anonymous = app.test_client().post("/api/v1/tickets", json=ALARM)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")


def test_reporting_costs_a_fixed_number_of_statements(app, centre, desk):
    """However many tickets and rules there are, a report costs the same few statements."""
    centre.get("/api/v1/users/me")

    def statements_for(n):
        with count_statements(app) as statements:
            response = _report(centre, device_ids=[desk.device.id], external_id=f"cost-{n}")
        assert response.status_code == 201
        return len(statements)

    first = statements_for(1)
    with app.app_context():
        for i in range(20):
            team = db.session.get(Team, desk.desk_team)
            ops.save_rule(None, desk.a.id, team=team, position=20 + i, category=f"regel {i}")
        db.session.commit()
    for i in range(5):
        _report(centre, device_ids=[desk.device.id], external_id=f"filler-{i}")
    later = statements_for(2)
    assert later == first
    assert first <= 20, first


# --- reading ------------------------------------------------------------------------------


def _make(app, desk, count, **kw):
    with app.app_context():
        ids = []
        for i in range(count):
            data = {
                "title": f"Sak {i}",
                "kind": "question",
                "channel": "phone",
                "reporter_kind": "employee",
                "devices": [_get(Device, desk.loose)],
            }
            data.update(kw)
            ids.append(ops.create_ticket(None, desk.a.id, **data).id)
        db.session.commit()
        return ids


def test_the_list_pages_with_a_cursor_newest_first(app, anne, desk):
    ids = _make(app, desk, 5)
    seen, cursor = [], None
    while True:
        page = anne.get("/api/v1/tickets?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        body = page.get_json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)  # Meråker's ticket is not listed
    oldest = anne.get("/api/v1/tickets?order=oldest&limit=3").get_json()
    assert [item["id"] for item in oldest["items"]] == ids[:3]
    first = oldest["items"][0]
    assert first["device_ids"] == [desk.loose.id]
    assert first["team_id"] == desk.desk_team
    bad = anne.get("/api/v1/tickets?cursor=%%%")
    assert bad.status_code == 400
    assert _error(bad)["message"] == "Pekeren er ikke gyldig. Start på nytt fra første side."


def test_the_queues_and_filters(app, factories, anne, desk):
    """Anne acknowledges one question: it is hers; the others are unassigned; the alarm is
    the technicians'; filters narrow by kind, status, external id and change time."""
    questions = _make(app, desk, 3)
    alarm = _report(anne, device_ids=[desk.device.id], external_id="ARC-9").get_json()
    anne.post(f"/api/v1/tickets/{questions[0]}/acknowledge")

    def ids(query):
        response = anne.get(f"/api/v1/tickets?{query}")
        assert response.status_code == 200, response.get_json()
        return sorted(item["id"] for item in response.get_json()["items"])

    assert ids("queue=mine") == [questions[0]]
    assert ids("queue=unassigned") == sorted([*questions[1:], alarm["id"]])
    assert ids("queue=open&kind=technical_alarm") == [alarm["id"]]
    assert ids("status=acknowledged") == [questions[0]]
    assert ids(f"team_id={desk.technicians}") == [alarm["id"]]
    assert ids("external_id=ARC-9") == [alarm["id"]]
    assert ids(f"municipality_id={desk.b.id}") == []
    assert ids("priority=2") == [alarm["id"]]
    tor = factories.api(desk.tor)
    response = tor.get("/api/v1/tickets?queue=team")
    assert [item["id"] for item in response.get_json()["items"]] == [alarm["id"]]
    mine = anne.get("/api/v1/tickets?queue=mine").get_json()["items"][0]
    assert mine["assignee"] == "anne"
    assert mine["acknowledged_by"] == "anne"
    later = (utcnow() + timedelta(minutes=5)).isoformat()
    assert anne.get("/api/v1/tickets", query_string={"updated_since": later}).get_json() == {
        "items": [],
        "next_cursor": None,
        "limit": 50,
    }
    earlier = (utcnow() - timedelta(minutes=5)).isoformat()
    assert len(ids(f"updated_since={earlier.replace('+', '%2B')}")) == 4
    wrong = anne.get("/api/v1/tickets?queue=everything")
    assert wrong.status_code == 422
    assert "queue" in _error(wrong)["fields"]


def test_the_list_does_not_query_per_row(app, anne, desk):
    """A page of 12 tickets costs the database as many statements as a page of 2."""
    anne.get("/api/v1/users/me")

    def statements():
        with count_statements(app) as seen:
            response = anne.get("/api/v1/tickets?queue=open")
        return len(response.get_json()["items"]), len(seen)

    acknowledged = _make(app, desk, 2)
    with app.app_context():
        acknowledger = db.session.get(User, desk.bjorn.id)
        for ticket_id in acknowledged:
            ops.acknowledge(acknowledger, db.session.get(Ticket, ticket_id))
        db.session.commit()
    few = statements()
    _make(app, desk, 10)
    many = statements()
    assert (few[0], many[0]) == (2, 12)
    assert many[1] == few[1]


def test_the_detail_shows_internal_notes_only_to_those_who_handle_tickets(
    app, factories, anne, desk
):
    [ticket_id] = _make(app, desk, 1)
    note = anne.post(
        f"/api/v1/tickets/{ticket_id}/comments",
        json={"body": "Mottakeren er tunghørt, ring pårørende"},
    )
    assert note.status_code == 201
    assert note.get_json()["kind"] == "note"
    assert note.get_json()["author"] == "anne"
    reply = anne.post(
        f"/api/v1/tickets/{ticket_id}/comments",
        json={"body": "Vi kommer i morgen", "kind": "reply"},
    )
    assert reply.get_json()["author_name"] == "Person Anne"
    bodies = [e["body"] for e in anne.get(f"/api/v1/tickets/{ticket_id}").get_json()["entries"]]
    assert bodies[1:] == ["Mottakeren er tunghørt, ring pårørende", "Vi kommer i morgen"]
    leader = factories.api(desk.leader)
    seen = [e["body"] for e in leader.get(f"/api/v1/tickets/{ticket_id}").get_json()["entries"]]
    assert "Vi kommer i morgen" in seen
    assert "Mottakeren er tunghørt, ring pårørende" not in seen
    blank = anne.post(f"/api/v1/tickets/{ticket_id}/comments", json={"body": " "})
    assert _error(blank)["fields"] == {"body": ["Skriv noe først."]}
    event = anne.post(f"/api/v1/tickets/{ticket_id}/comments", json={"body": "x", "kind": "event"})
    assert _error(event)["fields"] == {"kind": ["Velg internt notat eller svar."]}


def test_another_municipalitys_ticket_answers_404_everywhere(app, anne, desk):
    base = f"/api/v1/tickets/{desk.ticket_b}"
    assert anne.get(base).status_code == 404
    for path, body in (
        ("/acknowledge", None),
        ("/comments", {"body": "Hei"}),
        ("/resolve", {"note": "Ok"}),
        ("/status", {"status": "in_progress"}),
        ("/escalate", {"supplier_id": desk.supplier}),
        ("/assign", {"assignee": "anne"}),
    ):
        response = anne.post(base + path, json=body)
        assert response.status_code == 404, path
        assert _error(response)["code"] == "not_found"
    assert anne.patch(base, json={"title": "x", "version": 1}).status_code == 404
    with app.app_context():
        assert db.session.get(Ticket, desk.ticket_b).status == "new"


# --- changing -----------------------------------------------------------------------------


def test_a_stale_patch_answers_409_and_a_new_urgency_new_deadlines(app, anne, desk):
    [ticket_id] = _make(app, desk, 1, urgency="low", impact="low")
    ticket = anne.get(f"/api/v1/tickets/{ticket_id}").get_json()
    assert ticket["priority"] == 4
    changed = anne.patch(
        f"/api/v1/tickets/{ticket_id}",
        json={"urgency": "high", "impact": "high", "system_id": desk.system.id, "version": 1},
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["priority"], body["sla_calendar"]) == (1, "24x7")
    assert (body["system_id"], body["system"]) == (desk.system.id, "Alarmmottak")
    assert body["acknowledge_due_at"] < ticket["acknowledge_due_at"]
    assert body["version"] > ticket["version"]
    stale = anne.patch(f"/api/v1/tickets/{ticket_id}", json={"title": "Gammel", "version": 1})
    assert stale.status_code == 409
    assert _error(stale)["details"] == {"current_version": body["version"]}
    assert _error(stale)["message"].startswith("Noen andre endret dette samtidig")
    # Another municipality's system is one that does not exist; null clears it.
    current = body["version"]
    foreign = anne.patch(
        f"/api/v1/tickets/{ticket_id}",
        json={"system_id": desk.foreign_system.id, "version": current},
    )
    assert foreign.status_code == 404
    cleared = anne.patch(
        f"/api/v1/tickets/{ticket_id}", json={"system_id": None, "version": current}
    )
    assert (cleared.get_json()["system_id"], cleared.get_json()["system"]) == (None, None)
    without = anne.patch(f"/api/v1/tickets/{ticket_id}", json={"title": "Uten versjon"})
    assert without.status_code == 422
    assert _error(without)["fields"] == {"version": ["Dette feltet må fylles ut."]}
    blank = anne.patch(
        f"/api/v1/tickets/{ticket_id}", json={"title": "", "version": cleared.get_json()["version"]}
    )
    assert _error(blank)["fields"] == {"title": ["Skriv en kort tittel: hva er galt?"]}
    assert anne.get(f"/api/v1/tickets/{ticket_id}").get_json()["title"] == "Sak 0"


def test_acknowledging_twice_names_who_owns_it(app, factories, anne, desk):
    [ticket_id] = _make(app, desk, 1)
    first = anne.post(f"/api/v1/tickets/{ticket_id}/acknowledge")
    assert first.status_code == 200
    assert (first.get_json()["status"], first.get_json()["assignee"]) == ("acknowledged", "anne")
    bjorn = factories.api(desk.bjorn)
    late = bjorn.post(f"/api/v1/tickets/{ticket_id}/acknowledge")
    assert late.status_code == 409
    error = _error(late)
    assert error["message"] == "Person Anne har allerede kvittert saken og eier den."
    assert error["details"]["acknowledged_by"] == "anne"
    assert error["details"]["acknowledged_at"] == first.get_json()["acknowledged_at"]


def test_two_people_acknowledging_at_once_one_wins_the_other_is_told_who(app, factories, desk):
    [ticket_id] = _make(app, desk, 1)
    people = [desk.anne, desk.bjorn]
    clients = [factories.api(person) for person in people]

    def see(_i, client):  # both have the ticket open, not yet acknowledged
        assert client.get(f"/api/v1/tickets/{ticket_id}").get_json()["status"] == "new"

    def acknowledge(_i, client, _seen):
        return client.post(f"/api/v1/tickets/{ticket_id}/acknowledge")

    responses = race_requests(clients, acknowledge, prepare=see)
    assert sorted(r.status_code for r in responses) == [200, 409], [
        r.get_data(as_text=True) for r in responses
    ]
    winner = next(r for r in responses if r.status_code == 200).get_json()["acknowledged_by"]
    error = _error(next(r for r in responses if r.status_code == 409))
    assert error["details"]["acknowledged_by"] == winner
    assert f"Person {winner.title()} har allerede kvittert" in error["message"]
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.acknowledged_by.username == winner
        acknowledged = db.session.scalars(
            select(TicketEntry.body).where(
                TicketEntry.ticket_id == ticket_id, TicketEntry.body.like("Kvittert%")
            )
        ).all()
    assert acknowledged == [f"Kvittert av Person {winner.title()}"]


def test_a_step_the_lifecycle_does_not_allow_answers_409_with_the_allowed_ones(app, anne, desk):
    [ticket_id] = _make(app, desk, 1)
    refused = anne.post(f"/api/v1/tickets/{ticket_id}/status", json={"status": "closed"})
    assert refused.status_code == 409
    error = _error(refused)
    assert error["details"] == {
        "status": "new",
        "allowed": [
            "acknowledged",
            "in_progress",
            "waiting_reporter",
            "waiting_supplier",
            "resolved",
        ],
    }
    assert error["message"].startswith("En sak som er «Ny», kan ikke bli «Avsluttet».")
    unknown = anne.post(f"/api/v1/tickets/{ticket_id}/status", json={"status": "done"})
    assert unknown.status_code == 422
    assert "status" in _error(unknown)["fields"]

    waiting = anne.post(
        f"/api/v1/tickets/{ticket_id}/status",
        json={"status": "waiting_reporter", "note": "Ba om bilde av displayet"},
    )
    assert waiting.status_code == 200
    assert waiting.get_json()["waiting"] is True
    assert waiting.get_json()["acknowledged_by"] == "anne"  # the first to act owns it
    stale = anne.post(
        f"/api/v1/tickets/{ticket_id}/status", json={"status": "in_progress", "version": 1}
    )
    assert stale.status_code == 409
    back = anne.post(f"/api/v1/tickets/{ticket_id}/status", json={"status": "in_progress"})
    assert back.get_json()["waiting"] is False
    assert back.get_json()["paused_minutes"] >= 0


def test_resolving_needs_a_note_and_a_resolved_ticket_can_only_close_or_reopen(app, anne, desk):
    [ticket_id] = _make(app, desk, 1)
    blank = anne.post(f"/api/v1/tickets/{ticket_id}/resolve", json={"note": " "})
    assert blank.status_code == 422
    assert _error(blank)["fields"] == {"note": ["Skriv hva som ble gjort for å løse det."]}
    missing = anne.post(f"/api/v1/tickets/{ticket_id}/resolve", json={})
    assert _error(missing)["fields"] == {"note": ["Dette feltet må fylles ut."]}
    resolved = anne.post(f"/api/v1/tickets/{ticket_id}/resolve", json={"note": "Byttet batteri"})
    assert resolved.status_code == 200
    assert resolved.get_json()["status"] == "resolved"
    assert resolved.get_json()["resolved_at"] is not None
    again = anne.post(f"/api/v1/tickets/{ticket_id}/resolve", json={"note": "Igjen"})
    assert again.status_code == 409
    assert _error(again)["details"]["allowed"] == ["closed", "in_progress"]
    detail = anne.get(f"/api/v1/tickets/{ticket_id}").get_json()
    assert detail["resolution"] == "Byttet batteri"
    assert detail["sla"]["state"] == "done"


def test_resolving_an_incident_resolves_its_tickets(app, anne, desk):
    children = _make(app, desk, 3, kind="technical_alarm", channel="alarm")
    with app.app_context():
        incident = ops.create_incident(
            None,
            desk.a.id,
            title="Mobilnettet nede",
            tickets=[db.session.get(Ticket, i) for i in children],
        )
        db.session.commit()
        incident_id = incident.id
    detail = anne.get(f"/api/v1/tickets/{incident_id}").get_json()
    assert detail["is_incident"] is True
    assert detail["children_ids"] == children
    anne.post(f"/api/v1/tickets/{incident_id}/resolve", json={"note": "Telenor har rettet feilen"})
    statuses = {
        i["id"]: i["status"] for i in anne.get("/api/v1/tickets?limit=10").get_json()["items"]
    }
    assert [statuses[i] for i in [incident_id, *children]] == ["resolved"] * 4


def test_escalating_to_the_supplier_stops_the_clock(app, anne, desk):
    [ticket_id] = _make(app, desk, 1)
    escalated = anne.post(
        f"/api/v1/tickets/{ticket_id}/escalate",
        json={"supplier_id": desk.supplier, "supplier_ref": " CS-88412 ", "note": "Sendt"},
    )
    assert escalated.status_code == 200, escalated.get_json()
    body = escalated.get_json()
    assert (body["status"], body["waiting"]) == ("waiting_supplier", True)
    assert (body["supplier_id"], body["supplier_ref"]) == (desk.supplier, "CS-88412")
    assert body["escalated_at"] is not None
    assert body["waiting_since"] is not None
    listed = anne.get("/api/v1/tickets?queue=supplier").get_json()["items"]
    assert [t["id"] for t in listed] == [ticket_id]
    unknown = anne.post(f"/api/v1/tickets/{ticket_id}/escalate", json={"supplier_id": 999_999})
    assert unknown.status_code == 404
    anne.post(f"/api/v1/tickets/{ticket_id}/resolve", json={"note": "Fikset av leverandør"})
    closed = anne.post(f"/api/v1/tickets/{ticket_id}/escalate", json={"supplier_id": desk.supplier})
    assert closed.status_code == 409
    assert _error(closed)["details"]["allowed"] == ["closed", "in_progress"]


def test_assigning_by_username_or_id_to_people_who_handle_tickets(app, anne, desk):
    [ticket_id] = _make(app, desk, 1)
    url = f"/api/v1/tickets/{ticket_id}/assign"
    by_name = anne.post(url, json={"team_id": desk.technicians, "assignee": "TOR"})
    assert by_name.status_code == 200, by_name.get_json()
    assert (by_name.get_json()["team_id"], by_name.get_json()["assignee"]) == (
        desk.technicians,
        "tor",
    )
    kept = anne.post(url, json={"team_id": desk.desk_team})
    assert (kept.get_json()["team_id"], kept.get_json()["assignee"]) == (desk.desk_team, "tor")
    by_id = anne.post(url, json={"assignee": desk.bjorn.id})
    assert by_id.get_json()["assignee"] == "bjorn"
    nobody = anne.post(url, json={"assignee": None})
    assert nobody.get_json()["assignee"] is None
    assert nobody.get_json()["team_id"] == desk.desk_team

    manager = anne.post(url, json={"assignee": "leder"})
    assert manager.status_code == 422
    assert _error(manager)["fields"] == {"assignee_id": ["Velg en som behandler saker."]}
    assert anne.post(url, json={"assignee": "mtek"}).status_code == 404  # Meråker only
    assert anne.post(url, json={"assignee": "ingen"}).status_code == 404
    assert anne.post(url, json={"team_id": desk.desk_b}).status_code == 404
    assert anne.post(url, json={"assignee": True}).status_code == 422
    stale = anne.post(url, json={"assignee": "anne", "version": 1})
    assert stale.status_code == 409


def test_a_body_naming_another_municipalitys_person_changes_nothing(app, anne, desk):
    """Meråker's technician, named by id as well as by username, answers 404: the ticket keeps
    its team and assignee, and no change is logged."""
    from vftops.core.audit import AuditEvent

    [ticket_id] = _make(app, desk, 1)
    url = f"/api/v1/tickets/{ticket_id}/assign"
    assert anne.post(url, json={"team_id": desk.technicians, "assignee": "tor"}).status_code == 200
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEvent.id)))
    for reference in (desk.meraker.id, "mtek"):
        answer = anne.post(url, json={"team_id": desk.desk_team, "assignee": reference})
        assert answer.status_code == 404, reference
        assert _error(answer)["code"] == "not_found"
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert (ticket.team_id, ticket.assignee_id) == (desk.technicians, desk.tor.id)
        assert db.session.scalar(select(func.count(AuditEvent.id))) == before


# --- teams and the document -------------------------------------------------------------


def test_teams_of_your_municipalities_with_their_members(app, factories, anne, desk):
    teams = anne.get("/api/v1/teams").get_json()["items"]
    assert [(t["name"], t["is_default"]) for t in teams] == [
        ("Servicedesk", True),
        ("Teknikere", False),
    ]
    assert teams[1]["members"] == [{"id": desk.tor.id, "username": "tor", "name": "Person Tor"}]
    assert teams[1]["kind_label"] == "Teknikere"
    shared = factories.api(desk.shared)
    names = [
        t["name"] for t in shared.get(f"/api/v1/teams?municipality_id={desk.b.id}").json["items"]
    ]
    assert names == ["Servicedesk Meråker"]


# --- function tests -----------------------------------------------------------------------


def test_a_technician_records_function_tests_and_a_failed_one_opens_a_ticket(app, factories, desk):
    """Passed by serial: no ticket. Failed by placement (as the due list names it): a ticket
    about the device and its recipient, urgent since it is a safety alarm."""
    tor = factories.api(desk.tor)
    passed = tor.post("/api/v1/function-tests", json={"serial": " ta-100234", "result": "passed"})
    assert passed.status_code == 201, passed.get_json()
    body = passed.get_json()
    assert (body["device_id"], body["serial_number"]) == (desk.device.id, "TA-100234")
    assert (body["placement_id"], body["result"], body["tested_by"]) == (
        desk.placement.id,
        "passed",
        "tor",
    )
    assert body["ticket_id"] is None

    failed = tor.post(
        "/api/v1/function-tests",
        json={"placement_id": desk.placement.id, "result": "failed", "note": "Ingen kontakt"},
    )
    assert failed.status_code == 201
    ticket_id = failed.get_json()["ticket_id"]
    ticket = tor.get(f"/api/v1/tickets/{ticket_id}").get_json()
    assert ticket["title"] == "Funksjonstest ikke bestått: Tunstall Lifeline Vi+ TA-100234"
    assert ticket["device_ids"] == [desk.device.id]
    assert ticket["recipient_id"] == desk.critical.id
    assert ticket["urgency"] == "high"
    assert "Ingen kontakt" in ticket["description"]


def test_function_tests_of_what_cannot_be_tested(app, factories, desk):
    tor = factories.api(desk.tor)
    on_shelf = tor.post(
        "/api/v1/function-tests", json={"device_id": desk.loose.id, "result": "passed"}
    )
    assert on_shelf.status_code == 409
    assert _error(on_shelf)["message"].startswith("DS-5")
    for body in (
        {"result": "passed"},
        {"device_id": desk.device.id, "serial": "X", "result": "passed"},
    ):
        refused = tor.post("/api/v1/function-tests", json=body)
        assert refused.status_code == 422
        assert _error(refused)["fields"] == {
            "device_id": ["Oppgi enheten med én av device_id, serial eller placement_id."]
        }
    bad_result = tor.post(
        "/api/v1/function-tests", json={"device_id": desk.device.id, "result": "ok"}
    )
    assert "result" in _error(bad_result)["fields"]
    assert (
        tor.post(
            "/api/v1/function-tests", json={"device_id": desk.foreign.id, "result": "passed"}
        ).status_code
        == 404
    )
    unknown = tor.post("/api/v1/function-tests", json={"serial": "MK-1", "result": "passed"})
    assert _error(unknown)["fields"] == {"serial": ["Ingen enhet med serienummer MK-1."]}
    leader = factories.api(desk.leader)
    assert (
        leader.post(
            "/api/v1/function-tests", json={"device_id": desk.device.id, "result": "passed"}
        ).status_code
        == 403
    )
    with app.app_context():
        from vftops.support.models import FunctionTest

        assert db.session.scalar(select(func.count(FunctionTest.id))) == 0


TICKET_PATHS = {
    "/api/v1/tickets": {"get", "post"},
    "/api/v1/tickets/{ticket_id}": {"get", "patch"},
    "/api/v1/tickets/{ticket_id}/acknowledge": {"post"},
    "/api/v1/tickets/{ticket_id}/comments": {"post"},
    "/api/v1/tickets/{ticket_id}/escalate": {"post"},
    "/api/v1/tickets/{ticket_id}/resolve": {"post"},
    "/api/v1/tickets/{ticket_id}/status": {"post"},
    "/api/v1/tickets/{ticket_id}/assign": {"post"},
    "/api/v1/teams": {"get"},
    "/api/v1/function-tests": {"post"},
}


def test_openapi_document_describes_tickets_and_teams(client):
    """Every support endpoint is documented with a summary, its error answers, and every
    write with an example."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, methods in TICKET_PATHS.items():
        assert path in spec["paths"], path
        assert set(spec["paths"][path]) - {"parameters"} == methods, path
        for method in methods:
            operation = spec["paths"][path][method]
            assert operation["summary"], (method, path)
            assert {"401", "403"} <= set(operation["responses"]), (method, path)
            if method in ("post", "patch") and "requestBody" in operation:
                content = operation["requestBody"]["content"]["application/json"]
                assert content["example"], (method, path)
    create = spec["paths"]["/api/v1/tickets"]["post"]
    assert {"200", "201", "404", "409", "422"} <= set(create["responses"])
    assert "X-Existing-Ticket" in create["description"]
    status = spec["paths"]["/api/v1/tickets/{ticket_id}/status"]["post"]
    assert "details.allowed" in status["description"]
    queue = next(
        p for p in spec["paths"]["/api/v1/tickets"]["get"]["parameters"] if p["name"] == "queue"
    )
    assert queue["schema"]["enum"] == [
        "mine",
        "team",
        "unassigned",
        "soon",
        "supplier",
        "open",
        "all",
    ]
