"""The audit log: every change recorded, nothing ever changed, and readable by the right people."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import count_statements
from vftops.core.audit import AuditEvent, AuditLogIsAppendOnly
from vftops.extensions import db

# --- helpers ---------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit_rows(html: str) -> list[dict[str, str]]:
    """The rows of the audit table as the user sees them (empty if there is no table)."""
    match = re.search(r'<table[^>]*data-testid="audit-table">(.*?)</table>', html, re.S)
    if match is None:
        return []
    body = re.search(r"<tbody>(.*?)</tbody>", match.group(1), re.S).group(1)
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c.replace("</li>", " "))
            for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        ]
        cells = [" ".join(c.split()) for c in cells]
        row = dict(
            zip(
                ("time", "actor", "action", "object", "municipality", "summary", "changes"),
                cells,
                strict=True,
            )
        )
        # The action cell shows the translated label, then the action code.
        label, _, code = row["action"].rpartition(" ")
        row["action"], row["action_label"] = code, label
        rows.append(row)
    return rows


def field_error(html: str, field: str) -> str | None:
    match = re.search(rf'<div id="{field}-error"[^>]*>(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else None


def event_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)))


def all_events(app) -> list[tuple]:
    with app.app_context():
        return [
            (e.id, e.created_at, e.actor_id, e.action, e.object_id, e.summary, e.changes)
            for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def add_events(app, *events: dict) -> list[int]:
    """Insert audit events directly (inserting is what the log allows)."""
    with app.app_context():
        rows = [AuditEvent(**{"object_type": "units", "changes": {}, **e}) for e in events]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def api_items(client, token: str, query: str = "") -> list[dict]:
    response = client.get(f"/api/v1/audit-events?limit=500{query}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.get_json()["items"]


# --- every change is recorded, in the same transaction --------------------------------


def test_creating_a_unit_writes_exactly_one_audit_event(app, client, factories):
    """Creating a unit through the API leaves one entry naming who, where and what."""
    m = factories.municipality(name="Stjørdal", number="5035")
    admin = factories.user("admin", municipalities=[m], username="adminkari")
    token = factories.token(admin)
    before = event_count(app)

    response = client.post(
        "/api/v1/units",
        json={"municipality_id": m.id, "name": "Hjemmetjenesten", "kind": "avdeling"},
        headers=bearer(token),
    )
    assert response.status_code == 201
    unit_id = response.get_json()["id"]

    assert event_count(app) == before + 1
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "unit.create")
        ).all()
        assert len(events) == 1
        (created,) = events
        assert created.actor_id == admin.id
        assert created.municipality_id == m.id
        assert created.object_type == "units"
        assert created.object_id == str(unit_id)
        assert created.changes["name"] == {"before": None, "after": "Hjemmetjenesten"}
        assert created.summary == "Enhet Hjemmetjenesten opprettet i Stjørdal"
        event_id = created.id

    shown = client.get(f"/api/v1/audit-events/{event_id}", headers=bearer(token)).get_json()
    assert shown["action"] == "unit.create"
    assert shown["actor_username"] == "adminkari"
    assert shown["changes"]["name"] == {"before": None, "after": "Hjemmetjenesten"}


def test_refused_operations_leave_no_audit_event(app, client, factories):
    """A change that is refused (duplicate number, bad parent) leaves no trace in the log."""
    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    foreign = factories.unit(other, name="Meråker helse")
    token = factories.token(factories.user("admin", municipalities=[m, other]))
    client.get("/api/v1/users/me", headers=bearer(token))  # first use of the token
    before = all_events(app)

    duplicate = client.post(
        "/api/v1/municipalities", json={"name": "Kopi", "number": "5035"}, headers=bearer(token)
    )
    assert duplicate.status_code == 409
    assert duplicate.get_json()["error"]["code"] == "conflict"
    assert duplicate.get_json()["error"]["fields"]["number"] == [
        "Kommunenummer 5035 er allerede registrert."
    ]

    bad_parent = client.post(
        "/api/v1/units",
        json={"municipality_id": m.id, "name": "Snik", "parent_id": foreign.id},
        headers=bearer(token),
    )
    assert bad_parent.status_code == 422

    assert all_events(app) == before
    with app.app_context():
        from vftops.org.models import Municipality, Unit

        assert db.session.scalar(select(func.count(Municipality.id))) == 2
        assert db.session.scalar(select(func.count(Unit.id))) == 1


# --- append-only -----------------------------------------------------------------------


def test_audit_events_cannot_be_changed_or_deleted(app, factories):
    """No one can rewrite history: the ORM and the database both refuse updates and deletes."""
    factories.user("admin", municipalities=[factories.municipality()])
    before = all_events(app)
    assert len(before) >= 2
    first_id = before[0][0]

    with app.app_context():
        row = db.session.get(AuditEvent, first_id)
        row.summary = "forfalsket"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()

    with app.app_context():
        db.session.delete(db.session.get(AuditEvent, first_id))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()

    for statement in ("UPDATE audit_events SET summary = 'x'", "DELETE FROM audit_events"):
        with app.app_context():
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()

    assert all_events(app) == before


def test_no_api_endpoint_changes_an_event(app, client, factories):
    """PATCH, PUT and DELETE on an audit event are not possible, even for an administrator."""
    admin = factories.user("admin", municipalities=[factories.municipality()])
    token = factories.token(admin)
    before = all_events(app)
    event_id = before[-1][0]

    for method in ("PATCH", "PUT", "DELETE"):
        kwargs = {} if method == "DELETE" else {"json": {"summary": "forfalsket"}}
        response = client.open(
            f"/api/v1/audit-events/{event_id}", method=method, headers=bearer(token), **kwargs
        )
        assert response.status_code == 405, method
        assert response.get_json()["error"]["code"] == "method_not_allowed"
        assert "GET" in response.headers["Allow"]
        assert method not in response.headers["Allow"]

    assert all_events(app) == before
    still = client.get(f"/api/v1/audit-events/{event_id}", headers=bearer(token)).get_json()
    assert still["summary"] == before[-1][5]


# --- filters ---------------------------------------------------------------------------


@pytest.fixture
def history(app, client, factories):
    """Two administrators of Alfa make changes through the API."""
    from types import SimpleNamespace

    m = factories.municipality(name="Alfa", number="5001")
    kari = factories.user("admin", municipalities=[m], username="kari")
    ola = factories.user("admin", municipalities=[m], username="ola")
    kari_token, ola_token = factories.token(kari), factories.token(ola)

    api = client
    unit = api.post(
        "/api/v1/units",
        json={"municipality_id": m.id, "name": "Hjemmetjenesten"},
        headers=bearer(kari_token),
    ).get_json()
    renamed = api.patch(
        f"/api/v1/units/{unit['id']}",
        json={"name": "Hjemmetjenesten Nord", "version": 1},
        headers=bearer(kari_token),
    )
    assert renamed.status_code == 200
    other_unit = api.post(
        "/api/v1/units",
        json={"municipality_id": m.id, "name": "Omsorgssenteret"},
        headers=bearer(ola_token),
    ).get_json()
    new_user = api.post(
        "/api/v1/users",
        json={
            "username": "nyansatt",
            "full_name": "Ny Ansatt",
            "password": "et langt nok passord",
            "roles": ["technician"],
            "municipality_ids": [m.id],
        },
        headers=bearer(kari_token),
    )
    assert new_user.status_code == 201, new_user.text
    changed = api.patch(
        f"/api/v1/users/{new_user.get_json()['id']}",
        json={"full_name": "Ny Ansatt Hansen"},
        headers=bearer(kari_token),
    )
    assert changed.status_code == 200, changed.text
    return SimpleNamespace(
        municipality=m,
        kari=kari,
        ola=ola,
        kari_token=kari_token,
        ola_token=ola_token,
        unit_id=unit["id"],
        other_unit_id=other_unit["id"],
        new_user_id=new_user.get_json()["id"],
    )


def test_audit_page_filters_by_actor_action_and_object(app, client, history, login_as):
    """Filtering the audit page shows the matching entries and hides the rest."""
    login_as(history.kari)

    everything = audit_rows(client.get("/audit").text)
    actions = [r["action"] for r in everything]
    assert {"unit.create", "unit.update", "user.create", "user.update", "auth.login"} <= set(
        actions
    )

    by_ola = audit_rows(client.get(f"/audit?actor_id={history.ola.id}").text)
    assert by_ola
    assert {r["actor"] for r in by_ola} == {"ola"}
    assert sorted(r["action"] for r in by_ola) == ["api_token.create", "unit.create"]
    assert any("Omsorgssenteret" in r["summary"] for r in by_ola)
    assert not any("Hjemmetjenesten" in r["summary"] for r in by_ola)

    exact = audit_rows(client.get("/audit?action=user.create").text)
    assert exact
    assert {r["action"] for r in exact} == {"user.create"}
    assert "Bruker nyansatt opprettet" in [r["summary"] for r in exact]

    prefix = audit_rows(client.get("/audit?action=user").text)
    assert {r["action"] for r in prefix} == {"user.create", "user.update"}
    assert "Bruker nyansatt endret" in [r["summary"] for r in prefix]
    assert len(prefix) == len(exact) + 1

    obj = audit_rows(client.get(f"/audit?object_type=units&object_id={history.unit_id}").text)
    assert [r["action"] for r in obj] == ["unit.update", "unit.create"]  # newest first
    # The object by its kind and its name today; the changes by their labels.
    assert {r["object"] for r in obj} == {"Organisasjonsenhet Hjemmetjenesten Nord"}
    assert {r["municipality"] for r in obj} == {"Alfa"}
    assert "Navn: Hjemmetjenesten → Hjemmetjenesten Nord" in obj[0]["changes"]

    nothing = client.get("/audit?action=ticket.create").text
    assert audit_rows(nothing) == []
    assert "Ingen oppføringer samsvarer med filteret." in nothing


def test_audit_api_filters_by_actor_action_and_object(app, client, history):
    """The API's filters give the same answers as the page."""
    token = history.kari_token

    by_ola = api_items(client, token, f"&actor_id={history.ola.id}")
    assert sorted(e["action"] for e in by_ola) == ["api_token.create", "unit.create"]
    assert {e["actor_username"] for e in by_ola} == {"ola"}

    exact = api_items(client, token, "&action=user.create")
    assert exact
    assert {e["action"] for e in exact} == {"user.create"}
    assert str(history.new_user_id) in {e["object_id"] for e in exact}

    prefix = api_items(client, token, "&action=user")
    assert {e["action"] for e in prefix} == {"user.create", "user.update"}
    assert len(prefix) == len(exact) + 1

    obj = api_items(client, token, f"&object_type=units&object_id={history.unit_id}")
    assert [e["action"] for e in obj] == ["unit.update", "unit.create"]
    assert obj[0]["changes"]["name"] == {
        "before": "Hjemmetjenesten",
        "after": "Hjemmetjenesten Nord",
    }
    assert {e["municipality_id"] for e in obj} == {history.municipality.id}

    other = api_items(client, token, f"&object_type=units&object_id={history.other_unit_id}")
    assert [(e["action"], e["actor_username"]) for e in other] == [("unit.create", "ola")]


def test_period_filter_uses_oslo_dates(app, client, factories, login_as):
    """A date in the filter means the day in Norway, not in UTC."""
    m = factories.municipality(name="Alfa")
    admin = factories.user("admin", municipalities=[m])
    token = factories.token(admin)
    evening, after_midnight = add_events(
        app,
        {
            "created_at": datetime(2026, 3, 1, 22, 30, tzinfo=UTC),  # 23:30 in Oslo
            "action": "unit.update",
            "object_id": "1",
            "municipality_id": m.id,
            "summary": "Sent på kvelden",
        },
        {
            "created_at": datetime(2026, 3, 1, 23, 30, tzinfo=UTC),  # 00:30 the next day
            "action": "unit.update",
            "object_id": "1",
            "municipality_id": m.id,
            "summary": "Etter midnatt",
        },
    )
    login_as(admin)

    second = audit_rows(client.get("/audit?date_from=2026-03-02&date_to=2026-03-02").text)
    assert [(r["summary"], r["time"]) for r in second] == [("Etter midnatt", "02.03.2026 00:30")]
    first = audit_rows(client.get("/audit?date_from=2026-03-01&date_to=2026-03-01").text)
    assert [(r["summary"], r["time"]) for r in first] == [("Sent på kvelden", "01.03.2026 23:30")]
    since = audit_rows(client.get("/audit?date_from=2026-03-02").text)
    assert "Etter midnatt" in [r["summary"] for r in since]
    assert "Sent på kvelden" not in [r["summary"] for r in since]
    until = audit_rows(client.get("/audit?date_to=2026-03-01").text)
    assert [r["summary"] for r in until] == ["Sent på kvelden"]

    api_second = api_items(client, token, "&date_from=2026-03-02&date_to=2026-03-02")
    assert [e["id"] for e in api_second] == [after_midnight]
    assert api_second[0]["created_at"].startswith("2026-03-01T23:30:00")
    api_first = api_items(client, token, "&date_from=2026-03-01&date_to=2026-03-01")
    assert [e["id"] for e in api_first] == [evening]


def test_invalid_date_in_filter_is_shown_beside_the_field(app, client, factories, login_as):
    """A date that does not exist is pointed out beside the field; the page still works."""
    admin = factories.user("admin", municipalities=[factories.municipality()])
    token = factories.token(admin)
    login_as(admin)

    response = client.get("/audit?date_from=2026-02-30")
    assert response.status_code == 200
    assert field_error(response.text, "date_from") == "Ikke en gyldig datoverdi"
    assert field_error(response.text, "date_to") is None
    date_input = re.search(r'<input[^>]*id="date_from"[^>]*>', response.text).group(0)
    assert "is-invalid" in date_input
    assert 'value="2026-02-30"' in date_input
    assert "auth.login" in {r["action"] for r in audit_rows(response.text)}

    response = client.get("/audit?date_to=igår")
    assert response.status_code == 200
    assert field_error(response.text, "date_to") == "Ikke en gyldig datoverdi"

    api = client.get("/api/v1/audit-events?date_from=2026-02-30", headers=bearer(token))
    assert api.status_code == 422
    assert api.get_json()["error"]["fields"]["date_from"] == ["Ikke en gyldig dato."]


# --- pagination ------------------------------------------------------------------------


def test_audit_api_pages_newest_first_without_gaps(app, client, factories):
    """Paging through the log with limit=3 shows every entry once, newest first."""
    m = factories.municipality()
    admin = factories.user("admin", municipalities=[m])
    for i in range(5):
        factories.unit(m, name=f"Enhet {i}")
    token = factories.token(admin)
    with app.app_context():
        expected = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc())).all()
    assert len(expected) == 8  # municipality, user, token, five units

    seen: list[int] = []
    times = []
    response = client.get("/api/v1/audit-events?limit=3", headers=bearer(token)).get_json()
    pages = 0
    while True:
        pages += 1
        assert len(response["items"]) <= 3
        seen.extend(e["id"] for e in response["items"])
        times.extend(e["created_at"] for e in response["items"])
        if response["next_cursor"] is None:
            break
        assert len(response["items"]) == 3
        response = client.get(
            f"/api/v1/audit-events?limit=3&cursor={response['next_cursor']}",
            headers=bearer(token),
        ).get_json()
    assert seen == expected
    assert pages == -(-len(expected) // 3)
    assert times == sorted(times, reverse=True)

    bad = client.get("/api/v1/audit-events?cursor=bm9wZTox", headers=bearer(token))
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "bad_request"


# --- who may read what -----------------------------------------------------------------


def test_auditor_sees_own_municipality_and_events_without_one(app, client, factories, login_as):
    """An auditor of Alfa sees Alfa's entries and logins, but nothing of Bravo."""
    a = factories.municipality(name="Alfa", number="5001")
    b = factories.municipality(name="Bravo", number="5002")
    factories.unit(a, name="Alfa hjemmetjeneste")
    factories.unit(b, name="Bravo hjemmetjeneste")
    auditor = factories.user("auditor", municipalities=[a], username="revisor")
    token = factories.token(auditor)
    login_as(auditor)
    with app.app_context():
        b_events = db.session.scalars(
            select(AuditEvent.id).where(AuditEvent.municipality_id == b.id)
        ).all()
        a_event = db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.municipality_id == a.id, AuditEvent.action == "unit.create"
            )
        )
    assert len(b_events) == 2

    rows = audit_rows(client.get("/audit").text)
    summaries = " | ".join(r["summary"] for r in rows)
    assert "Alfa hjemmetjeneste" in summaries
    assert "Kommune Alfa (5001) opprettet" in summaries
    assert "revisor logget inn" in summaries
    assert "Bravo" not in summaries
    assert "Bravo" not in {r["municipality"] for r in rows}

    items = api_items(client, token)
    ids = {e["id"] for e in items}
    assert a_event in ids
    assert not ids & set(b_events)
    assert "auth.login" in {e["action"] for e in items if e["municipality_id"] is None}
    assert {e["municipality_id"] for e in items} <= {a.id, None}

    for b_event in b_events:
        hidden = client.get(f"/api/v1/audit-events/{b_event}", headers=bearer(token))
        assert hidden.status_code == 404
        assert hidden.get_json()["error"]["code"] == "not_found"
    filtered = api_items(client, token, f"&object_type=municipalities&object_id={b.id}")
    assert filtered == []
    shown = client.get(f"/api/v1/audit-events/{a_event}", headers=bearer(token)).get_json()
    assert shown["summary"] == "Enhet Alfa hjemmetjeneste opprettet i Alfa"


def test_technician_cannot_read_the_audit_log(app, client, factories, login_as):
    """A technician is told they lack access to the audit log, on the page and in the API."""
    user = factories.user("technician", municipalities=[factories.municipality()])
    token = factories.token(user)
    login_as(user)

    page = client.get("/audit")
    assert page.status_code == 403
    assert "Rollene dine gir ikke tilgang til dette." in page.text
    assert 'data-testid="audit-table"' not in page.text
    assert "Revisjonslogg" not in re.search(
        r'data-testid="main-nav">(.*?)</header>', page.text, re.S
    ).group(1)

    api = client.get("/api/v1/audit-events", headers=bearer(token))
    assert api.status_code == 403
    assert api.get_json()["error"]["code"] == "forbidden"
    assert "items" not in api.get_json()
    one = client.get("/api/v1/audit-events/1", headers=bearer(token))
    assert one.status_code == 403


# --- performance -----------------------------------------------------------------------


def test_audit_page_query_count_does_not_grow_with_events(app, client, factories, login_as):
    """The audit page costs the same number of SQL statements for 5 entries as for 40."""
    places = [factories.municipality(name=f"Kommune {c}") for c in "ABC"]
    people = [factories.user("technician", municipalities=places) for _ in range(4)]
    admin = factories.user("admin", municipalities=places)

    def insert(n: int, start: int) -> None:
        add_events(
            app,
            *(
                {
                    "actor_id": people[i % len(people)].id,
                    "action": "unit.update",
                    "object_id": str(i),
                    "municipality_id": places[i % len(places)].id,
                    "summary": f"Testhendelse {i:03d}",
                    "changes": {"name": {"before": "a", "after": "b"}},
                }
                for i in range(start, start + n)
            ),
        )

    login_as(admin)
    insert(5, 0)
    client.get("/audit?action=unit")  # warm up
    with count_statements(app) as few:
        html = client.get("/audit?action=unit").text
    assert len(audit_rows(html)) == 5

    insert(35, 5)
    with count_statements(app) as many:
        html = client.get("/audit?action=unit").text
    rows = audit_rows(html)
    assert len(rows) == 40
    assert {r["actor"] for r in rows} == {p.username for p in people}
    assert {r["municipality"] for r in rows} == {"Kommune A", "Kommune B", "Kommune C"}
    assert len(few) > 0
    assert len(many) == len(few), "\n".join(many)


def test_unit_created_under_a_parent_records_where_it_was_placed(app, client, factories):
    """The audit entry for a new unit tells under which unit it was placed and that it is active."""
    m = factories.municipality(name="Stjørdal")
    top = factories.unit(m, name="Helse og velferd", kind="virksomhet")
    token = factories.token(factories.user("admin", municipalities=[m]))

    response = client.post(
        "/api/v1/units",
        json={"municipality_id": m.id, "name": "Hjemmetjenesten", "parent_id": top.id},
        headers=bearer(token),
    )
    assert response.status_code == 201
    assert response.get_json()["parent_id"] == top.id
    entry = api_items(client, token, f"&object_type=units&object_id={response.get_json()['id']}")
    assert [e["action"] for e in entry] == ["unit.create"]
    changes = entry[0]["changes"]
    assert changes["name"] == {"before": None, "after": "Hjemmetjenesten"}
    assert changes.get("parent_id") == {"before": None, "after": top.id}
    assert changes.get("is_active") == {"before": None, "after": True}


def test_saving_without_changes_writes_no_audit_event(app, client, factories):
    """Saving a municipality without changing anything adds no entry and keeps the version."""
    m = factories.municipality(name="Stjørdal", number="5035")
    token = factories.token(factories.user("admin", municipalities=[m]))
    before = all_events(app)

    response = client.patch(
        f"/api/v1/municipalities/{m.id}",
        json={"name": "Stjørdal", "number": "5035", "version": 1},
        headers=bearer(token),
    )
    assert response.status_code == 200
    assert response.get_json()["version"] == 1
    assert all_events(app) == before

    response = client.patch(
        f"/api/v1/municipalities/{m.id}", json={"is_active": False}, headers=bearer(token)
    )
    assert response.get_json()["is_active"] is False
    after = all_events(app)
    assert len(after) == len(before) + 1
    assert after[-1][3] == "municipality.update"
    assert after[-1][6] == {"is_active": {"before": True, "after": False}}


def test_audit_page_links_to_older_entries(app, client, factories, login_as):
    """With more than a page of entries, "Eldre oppføringer" shows the rest, none twice."""
    m = factories.municipality(name="Alfa")
    admin = factories.user("admin", municipalities=[m])
    add_events(
        app,
        *(
            {"action": "unit.update", "municipality_id": m.id, "summary": f"Hendelse {i:02d}"}
            for i in range(60)
        ),
    )
    login_as(admin)

    first = client.get("/audit?action=unit.update").text
    first_rows = audit_rows(first)
    assert len(first_rows) == 50
    assert first_rows[0]["summary"] == "Hendelse 59"
    link = re.search(
        r'<a class="btn btn-outline-secondary" href="([^"]+)">Eldre oppføringer</a>', first
    )
    assert link, "no link to older entries"
    href = link.group(1).replace("&amp;", "&")
    assert "action=unit.update" in href

    second = client.get(href).text
    second_rows = audit_rows(second)
    assert [r["summary"] for r in second_rows] == [f"Hendelse {i:02d}" for i in range(9, -1, -1)]
    assert "Eldre oppføringer" not in second


def test_mistyped_date_does_not_drop_the_other_filters(app, client, history, login_as):
    """With a mistyped date, the page still shows only the chosen person's entries."""
    login_as(history.kari)
    response = client.get(f"/audit?actor_id={history.ola.id}&date_from=2026-02-30")
    assert response.status_code == 200
    assert field_error(response.text, "date_from") == "Ikke en gyldig datoverdi"
    rows = audit_rows(response.text)
    assert rows
    assert {r["actor"] for r in rows} == {"ola"}


def test_every_recorded_action_has_a_translated_label(app, client, factories, login_as):
    """Each kind of entry in the audit log is named in the reader's language."""
    import pathlib
    import re as _re

    from vftops.core.modules import audit_texts

    with app.app_context():
        labelled = set(audit_texts().actions)
    root = pathlib.Path(__file__).resolve().parents[2] / "vftops"
    recorded = set()
    for path in root.rglob("*.py"):
        recorded |= set(
            _re.findall(r'audit\.record\(\s*[^,]+,\s*"([a-z_]+\.[a-z_]+)"', path.read_text())
        )
    assert recorded, "no audit.record calls found"
    assert recorded <= labelled, recorded - labelled
    m = factories.municipality()
    factories.unit(m, name="Sone øst")
    login_as(factories.user("auditor", municipalities=[m], locale="en"))
    html = client.get("/audit?action=unit.create").get_data(as_text=True)
    assert "Unit created" in html
