"""Municipalities and units: registering, the unit tree, editing together, and tenancy."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.conftest import count_statements, csrf_from, login
from vftops.core.audit import AuditEvent
from vftops.extensions import db
from vftops.org.models import Membership, Municipality, Unit

NUMBER_FORMAT = "Kommunenummeret har nøyaktig fire sifre, for eksempel 5035."
CONFLICT = (
    "Noen andre endret dette samtidig. Ingenting ble lagret. "
    "Åpne det på nytt for å se hvordan det ser ut nå."
)
UNDER_ITSELF = "En organisasjonsenhet kan ikke plasseres under seg selv."


# --- helpers ---------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def field_error(html: str, field: str) -> str | None:
    """The error text shown beside a form field (None if there is none)."""
    match = re.search(rf'<div id="{field}-error"[^>]*>(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else None


def input_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*\sname="{name}"[^>]*>', html)
    if tag is None:
        return None
    value = re.search(r'\svalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def unit_tree(html: str) -> list[tuple[int, str]]:
    """(depth, name) of each unit in the tree on a municipality page, in page order."""
    match = re.search(r'<ul class="list-group" data-testid="unit-tree">(.*?)</ul>', html, re.S)
    assert match, "the page shows no unit tree"
    return [
        (int(depth), name.strip())
        for depth, name in re.findall(
            r'tree-depth-(\d)">\s*<span>(.*?) <span class="badge', match.group(1), re.S
        )
    ]


def municipality_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Municipality.id)))


def unit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Unit.id)))


def create_unit_via_form(client, municipality_id: int, name: str, kind: str, parent_id=None):
    page = client.get(f"/org/municipalities/{municipality_id}/units/new")
    response = client.post(
        f"/org/municipalities/{municipality_id}/units/new",
        data={
            "name": name,
            "kind": kind,
            "parent_id": str(parent_id) if parent_id else "",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 302, response.text[:2000]
    assert response.headers["Location"] == f"/org/municipalities/{municipality_id}"
    return response


def unit_id_by_name(app, municipality_id: int, name: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Unit.id).where(Unit.municipality_id == municipality_id, Unit.name == name)
        )


# --- registering municipalities ------------------------------------------------------


def test_admin_registers_a_municipality_through_the_form(app, client, factories, login_as):
    """An administrator registers a new municipality, sees it in the list and becomes a member."""
    home = factories.municipality(name="Hjemkommune", number="5001")
    admin = factories.user("admin", municipalities=[home], username="adminkari")
    login_as(admin)

    page = client.get("/org/municipalities/new")
    assert "Ny kommune" in page.text
    response = client.post(
        "/org/municipalities/new",
        data={"name": " Stjørdal ", "number": "5035", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302

    with app.app_context():
        created = db.session.scalars(
            select(Municipality).where(Municipality.number == "5035")
        ).one()
        new_id = created.id
        assert created.name == "Stjørdal"
        assert created.is_active is True
        members = db.session.scalars(
            select(Membership.user_id).where(Membership.municipality_id == new_id)
        ).all()
        assert members == [admin.id]
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "municipality.create")
        ).all()
        mine = [e for e in events if e.object_id == str(new_id)]
        assert len(mine) == 1
        assert mine[0].actor_id == admin.id
        assert mine[0].municipality_id == new_id
        assert mine[0].changes["number"] == {"before": None, "after": "5035"}

    assert response.headers["Location"] == f"/org/municipalities/{new_id}"
    detail = client.get(response.headers["Location"]).text
    assert "Stjørdal er registrert." in detail
    assert '<h1 class="h3 mb-0">Stjørdal <small class="text-body-secondary">5035</small>' in detail

    listing = client.get("/org/municipalities").text
    assert f'href="/org/municipalities/{new_id}">Stjørdal</a>' in listing
    assert "Hjemkommune" in listing


def test_invalid_municipality_number_is_shown_beside_the_field(app, client, factories, login_as):
    """A number that is not four digits is refused beside the field and the typed name is kept."""
    home = factories.municipality(number="5001")
    login_as(factories.user("admin", municipalities=[home]))
    before = municipality_count(app)

    for bad in ("50a5", "123"):
        page = client.get("/org/municipalities/new")
        response = client.post(
            "/org/municipalities/new",
            data={"name": "Nye Stjørdal", "number": bad, "csrf_token": csrf_from(page.text)},
        )
        assert response.status_code == 422
        html = response.text
        assert field_error(html, "number") == NUMBER_FORMAT
        assert field_error(html, "name") is None
        assert input_value(html, "name") == "Nye Stjørdal"
        assert input_value(html, "number") == bad
        assert "Skjemaet har feil." in html

    assert municipality_count(app) == before
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "municipality.create", AuditEvent.actor_id.is_not(None)
                )
            )
            == 0
        )


def test_duplicate_municipality_number_is_refused_beside_the_field(
    app, client, factories, login_as
):
    """Registering a number that already exists shows which number is taken; nothing is created."""
    home = factories.municipality(name="Hjemkommune", number="5001")
    login_as(factories.user("admin", municipalities=[home]))
    before = municipality_count(app)

    page = client.get("/org/municipalities/new")
    response = client.post(
        "/org/municipalities/new",
        data={"name": "Kopikommune", "number": "5001", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 409
    assert field_error(response.text, "number") == "Kommunenummer 5001 er allerede registrert."
    assert input_value(response.text, "name") == "Kopikommune"

    assert municipality_count(app) == before
    with app.app_context():
        names = db.session.scalars(select(Municipality.name)).all()
        assert names == ["Hjemkommune"]


# --- units ---------------------------------------------------------------------------


def test_unit_tree_shows_children_under_their_parent(app, client, factories, login_as):
    """Units created through the form appear under their parent, in tree order."""
    m = factories.municipality(name="Trekommune")
    login_as(factories.user("admin", municipalities=[m]))

    create_unit_via_form(client, m.id, "Helse og velferd", "virksomhet")
    create_unit_via_form(client, m.id, "Teknisk drift", "virksomhet")
    helse = unit_id_by_name(app, m.id, "Helse og velferd")
    create_unit_via_form(client, m.id, "Omsorgssenter", "avdeling", parent_id=helse)
    create_unit_via_form(client, m.id, "Hjemmetjenesten", "avdeling", parent_id=helse)
    hjemme = unit_id_by_name(app, m.id, "Hjemmetjenesten")
    create_unit_via_form(client, m.id, "Sone Sør", "sone", parent_id=hjemme)
    response = create_unit_via_form(client, m.id, "Sone Nord", "sone", parent_id=hjemme)

    html = client.get(response.headers["Location"]).text
    assert "Sone Nord er opprettet." in html
    assert unit_tree(html) == [
        (0, "Helse og velferd"),
        (1, "Hjemmetjenesten"),
        (2, "Sone Nord"),
        (2, "Sone Sør"),
        (1, "Omsorgssenter"),
        (0, "Teknisk drift"),
    ]
    with app.app_context():
        nord = db.session.scalars(select(Unit).where(Unit.name == "Sone Nord")).one()
        assert nord.parent_id == hjemme
        assert nord.kind == "sone"


def test_unit_cannot_be_moved_under_its_own_child(app, client, factories, login_as):
    """Moving a unit under one of its own descendants is refused with a clear message."""
    m = factories.municipality()
    top = factories.unit(m, name="Helse og velferd", kind="virksomhet")
    child = factories.unit(m, name="Hjemmetjenesten", parent=top)
    grandchild = factories.unit(m, name="Sone Nord", kind="sone", parent=child)
    login_as(factories.user("admin", municipalities=[m]))

    for new_parent in (child, grandchild):
        page = client.get(f"/org/units/{top.id}/edit")
        response = client.post(
            f"/org/units/{top.id}/edit",
            data={
                "name": "Helse og velferd",
                "kind": "virksomhet",
                "parent_id": str(new_parent.id),
                "is_active": "y",
                "version": input_value(page.text, "version"),
                "csrf_token": csrf_from(page.text),
            },
        )
        assert response.status_code == 422
        assert field_error(response.text, "parent_id") == UNDER_ITSELF

    with app.app_context():
        assert db.session.get(Unit, top.id).parent_id is None
        assert db.session.get(Unit, top.id).version == 1
    assert unit_tree(client.get(f"/org/municipalities/{m.id}").text) == [
        (0, "Helse og velferd"),
        (1, "Hjemmetjenesten"),
        (2, "Sone Nord"),
    ]


def test_unit_can_be_moved_to_another_parent(app, client, factories, login_as):
    """Moving a unit to another parent through the edit form shows it in its new place."""
    m = factories.municipality()
    helse = factories.unit(m, name="Helse og velferd", kind="virksomhet")
    teknisk = factories.unit(m, name="Teknisk drift", kind="virksomhet")
    lager = factories.unit(m, name="Hjelpemiddellager", parent=helse)
    login_as(factories.user("admin", municipalities=[m]))

    page = client.get(f"/org/units/{lager.id}/edit")
    response = client.post(
        f"/org/units/{lager.id}/edit",
        data={
            "name": "Hjelpemiddellager",
            "kind": "avdeling",
            "parent_id": str(teknisk.id),
            "is_active": "y",
            "version": input_value(page.text, "version"),
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).text
    assert "Endringene er lagret." in html
    assert unit_tree(html) == [
        (0, "Helse og velferd"),
        (0, "Teknisk drift"),
        (1, "Hjelpemiddellager"),
    ]
    with app.app_context():
        assert db.session.get(Unit, lager.id).parent_id == teknisk.id


def test_api_refuses_parent_from_another_municipality(app, client, factories):
    """A unit cannot be placed under a unit of another municipality through the API."""
    a = factories.municipality(name="Alfa")
    b = factories.municipality(name="Bravo")
    foreign_parent = factories.unit(b, name="Bravo helse")
    admin = factories.user("admin", municipalities=[a, b])
    token = factories.token(admin)
    before = unit_count(app)

    response = client.post(
        "/api/v1/units",
        json={"municipality_id": a.id, "parent_id": foreign_parent.id, "name": "Snikenhet"},
        headers=bearer(token),
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["parent_id"] == [
        "Den overordnede organisasjonsenheten må høre til samme kommune."
    ]
    assert unit_count(app) == before

    # The same request with a parent in the right municipality works.
    own_parent = factories.unit(a, name="Alfa helse")
    response = client.post(
        "/api/v1/units",
        json={"municipality_id": a.id, "parent_id": own_parent.id, "name": "Snikenhet"},
        headers=bearer(token),
    )
    assert response.status_code == 201
    assert response.get_json()["parent_id"] == own_parent.id
    assert response.get_json()["municipality_id"] == a.id


# --- optimistic locking --------------------------------------------------------------


def test_second_editor_with_stale_form_gets_a_conflict(app, client, factories):
    """When two admins edit the same municipality, the second save is refused, not lost."""
    m = factories.municipality(name="Stjørdal", number="5035")
    first = factories.user("admin", municipalities=[m], username="forste")
    second = factories.user("admin", municipalities=[m], username="andre")
    first_client, second_client = client, app.test_client()
    assert login(first_client, first).status_code == 302
    assert login(second_client, second).status_code == 302

    first_page = first_client.get(f"/org/municipalities/{m.id}/edit").text
    second_page = second_client.get(f"/org/municipalities/{m.id}/edit").text
    assert "Endre kommune" in first_page
    assert input_value(first_page, "version") == input_value(second_page, "version") == "1"
    assert input_value(second_page, "name") == "Stjørdal"

    saved = first_client.post(
        f"/org/municipalities/{m.id}/edit",
        data={
            "name": "Stjørdal kommune",
            "number": "5035",
            "is_active": "y",
            "version": input_value(first_page, "version"),
            "csrf_token": csrf_from(first_page),
        },
    )
    assert saved.status_code == 302
    assert "Endringene er lagret." in first_client.get(saved.headers["Location"]).text

    refused = second_client.post(
        f"/org/municipalities/{m.id}/edit",
        data={
            "name": "Stjørdal kommune (ny)",
            "number": "5035",
            "is_active": "y",
            "version": input_value(second_page, "version"),
            "csrf_token": csrf_from(second_page),
        },
    )
    assert refused.status_code == 409
    assert CONFLICT in refused.text

    with app.app_context():
        row = db.session.get(Municipality, m.id)
        assert row.name == "Stjørdal kommune"
        assert row.version == 2
        updates = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "municipality.update")
        ).all()
        assert [e.actor_id for e in updates] == [first.id]


def test_api_patch_with_stale_version_is_a_conflict(app, client, factories):
    """An API client that sends an old version gets 409 and changes nothing."""
    m = factories.municipality(name="Stjørdal", number="5035")
    token = factories.token(factories.user("admin", municipalities=[m]))

    current = client.get(f"/api/v1/municipalities/{m.id}", headers=bearer(token)).get_json()
    assert current["version"] == 1
    ok = client.patch(
        f"/api/v1/municipalities/{m.id}",
        json={"name": "Stjørdal kommune", "version": 1},
        headers=bearer(token),
    )
    assert ok.status_code == 200
    assert ok.get_json()["name"] == "Stjørdal kommune"
    assert ok.get_json()["version"] == 2

    stale = client.patch(
        f"/api/v1/municipalities/{m.id}",
        json={"name": "Gammelt navn", "version": 1},
        headers=bearer(token),
    )
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "conflict"
    assert error["message"] == CONFLICT

    with app.app_context():
        row = db.session.get(Municipality, m.id)
        assert (row.name, row.version) == ("Stjørdal kommune", 2)


# --- tenancy -------------------------------------------------------------------------


def test_member_of_one_municipality_sees_only_that_one(app, client, factories, login_as):
    """A member of Alfa never sees Bravo: not in lists, not by id, not through the API."""
    a = factories.municipality(name="Alfa", number="5001")
    b = factories.municipality(name="Bravo", number="5002")
    a_unit = factories.unit(a, name="Alfa hjemmetjeneste")
    b_unit = factories.unit(b, name="Bravo hjemmetjeneste")
    user = factories.user("technician", municipalities=[a])
    token = factories.token(user)
    login_as(user)

    listing = client.get("/org/municipalities").text
    assert "Alfa" in listing
    assert "Bravo" not in listing
    assert "5002" not in listing

    assert "Alfa hjemmetjeneste" in client.get(f"/org/municipalities/{a.id}").text
    hidden = client.get(f"/org/municipalities/{b.id}")
    assert hidden.status_code == 404
    assert "Vi fant ikke siden" in hidden.text
    assert "Bravo" not in hidden.text

    api = client.get("/api/v1/municipalities", headers=bearer(token)).get_json()
    assert [(x["id"], x["name"]) for x in api["items"]] == [(a.id, "Alfa")]

    assert client.get(f"/api/v1/units/{a_unit.id}", headers=bearer(token)).status_code == 200
    foreign = client.get(f"/api/v1/units/{b_unit.id}", headers=bearer(token))
    assert foreign.status_code == 404
    assert foreign.get_json()["error"]["code"] == "not_found"
    assert "Bravo" not in foreign.text
    assert client.get(f"/api/v1/municipalities/{b.id}", headers=bearer(token)).status_code == 404

    units = client.get(f"/api/v1/units?municipality_id={b.id}", headers=bearer(token)).get_json()
    assert units["items"] == []
    assert units["next_cursor"] is None
    everything = client.get("/api/v1/units", headers=bearer(token)).get_json()
    assert [u["name"] for u in everything["items"]] == ["Alfa hjemmetjeneste"]


def test_technician_cannot_change_the_organisation(app, client, factories, login_as):
    """A technician can read units but gets 403 when trying to create one."""
    m = factories.municipality()
    user = factories.user("technician", municipalities=[m])
    token = factories.token(user)
    response = client.post(
        "/api/v1/units", json={"municipality_id": m.id, "name": "Ny"}, headers=bearer(token)
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert unit_count(app) == 0
    login_as(user)
    page = client.get(f"/org/municipalities/{m.id}/units/new")
    assert page.status_code == 403
    assert "Rollene dine gir ikke tilgang til dette." in page.text


# --- API lists -----------------------------------------------------------------------


def test_unit_list_pages_through_every_unit_once(app, client, factories):
    """Following next_cursor with a small limit returns every unit exactly once."""
    a = factories.municipality(name="Alfa")
    b = factories.municipality(name="Bravo")
    top = factories.unit(a, name="Helse og velferd", kind="virksomhet")
    ids = {top.id}
    for name in ("Sone Nord", "Sone Sør", "Sone Øst"):
        ids.add(factories.unit(a, name=name, kind="sone", parent=top).id)
    ids.add(factories.unit(a, name="Teknisk drift", kind="virksomhet").id)
    other = {factories.unit(b, name="Bravo 1").id, factories.unit(b, name="Bravo 2").id}
    token = factories.token(factories.user("admin", municipalities=[a, b]))

    seen: list[int] = []
    pages = []
    url = f"/api/v1/units?municipality_id={a.id}&limit=2"
    response = client.get(url, headers=bearer(token)).get_json()
    while True:
        pages.append(len(response["items"]))
        assert response["limit"] == 2
        seen.extend(item["id"] for item in response["items"])
        assert all(item["municipality_id"] == a.id for item in response["items"])
        if response["next_cursor"] is None:
            break
        response = client.get(
            f"{url}&cursor={response['next_cursor']}", headers=bearer(token)
        ).get_json()
    assert pages == [2, 2, 1]
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == ids
    assert seen == sorted(seen)

    everything = client.get("/api/v1/units?limit=500", headers=bearer(token)).get_json()
    assert {u["id"] for u in everything["items"]} == ids | other

    zones = client.get(f"/api/v1/units?kind=sone&parent_id={top.id}", headers=bearer(token))
    assert sorted(u["name"] for u in zones.get_json()["items"]) == [
        "Sone Nord",
        "Sone Sør",
        "Sone Øst",
    ]

    bad = client.get("/api/v1/units?limit=2&cursor=bm9wZTox", headers=bearer(token))
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "bad_request"
    assert bad.get_json()["error"]["message"] == (
        "Pekeren er ikke gyldig. Start på nytt fra første side."
    )
    garbage = client.get("/api/v1/units?cursor=%%%not-base64", headers=bearer(token))
    assert garbage.status_code == 400
    assert garbage.get_json()["error"]["code"] == "bad_request"


# --- performance ---------------------------------------------------------------------


def test_municipality_page_query_count_does_not_grow_with_units(app, client, factories, login_as):
    """The municipality page costs the same number of SQL statements for 3 units as for 30."""
    m = factories.municipality(name="Storkommune")
    colleagues = [factories.user("technician", municipalities=[m]) for _ in range(3)]
    login_as(factories.user("admin", municipalities=[m]))
    top = factories.unit(m, name="Helse og velferd", kind="virksomhet")
    factories.unit(m, name="Avdeling 00", parent=top)
    factories.unit(m, name="Avdeling 01", parent=top)
    client.get(f"/org/municipalities/{m.id}")  # warm up (session refresh etc.)

    with count_statements(app) as few:
        html = client.get(f"/org/municipalities/{m.id}").text
    assert len(unit_tree(html)) == 3
    for colleague in colleagues:  # the member list is on the page too
        assert f"Person {colleague.username.title()}" in html

    parent = top
    for i in range(2, 29):
        parent = factories.unit(m, name=f"Avdeling {i:02d}", parent=top if i % 3 else parent)

    with count_statements(app) as many:
        html = client.get(f"/org/municipalities/{m.id}").text
    assert len(unit_tree(html)) == 30
    assert len(few) > 0
    assert len(many) == len(few), "\n".join(many)


def test_api_cannot_create_or_change_units_in_a_foreign_municipality(app, client, factories):
    """An administrator of Alfa cannot create or rename units in Bravo; Bravo looks absent."""
    a = factories.municipality(name="Alfa")
    b = factories.municipality(name="Bravo")
    b_unit = factories.unit(b, name="Bravo helse")
    token = factories.token(factories.user("admin", municipalities=[a]))

    created = client.post(
        "/api/v1/units", json={"municipality_id": b.id, "name": "Inntrenger"}, headers=bearer(token)
    )
    assert created.status_code == 404
    assert created.get_json()["error"]["code"] == "not_found"
    renamed = client.patch(
        f"/api/v1/units/{b_unit.id}", json={"name": "Overtatt"}, headers=bearer(token)
    )
    assert renamed.status_code == 404
    changed = client.patch(
        f"/api/v1/municipalities/{b.id}", json={"name": "Overtatt"}, headers=bearer(token)
    )
    assert changed.status_code == 404

    with app.app_context():
        assert db.session.scalars(select(Unit.name)).all() == ["Bravo helse"]
        assert db.session.get(Municipality, b.id).name == "Bravo"


def test_municipality_search_ignores_case_also_for_norwegian_letters(app, client, factories):
    """Searching for "ørland" or "ÅS" finds Ørland and Ås, as a Norwegian user expects."""
    orland = factories.municipality(name="Ørland", number="5057")
    aas = factories.municipality(name="Ås", number="3218")
    stjordal = factories.municipality(name="Stjørdal", number="5035")
    token = factories.token(factories.user("admin", municipalities=[orland, aas, stjordal]))

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/municipalities?{query}", headers=bearer(token))
        assert response.status_code == 200
        return sorted(m["name"] for m in response.get_json()["items"])

    assert names("q=STJØR") == ["Stjørdal"]
    assert names("number=3218") == ["Ås"]
    assert names("q=ørland") == ["Ørland"]
    assert names("q=ÅS") == ["Ås"]


SAME_PLACE = "Det finnes allerede en organisasjonsenhet med dette navnet på dette stedet."


def _post_unit(client, municipality_id: int, name: str, parent_id=None):
    page = client.get(f"/org/municipalities/{municipality_id}/units/new")
    return client.post(
        f"/org/municipalities/{municipality_id}/units/new",
        data={
            "name": name,
            "kind": "avdeling",
            "parent_id": str(parent_id) if parent_id else "",
            "csrf_token": csrf_from(page.text),
        },
    )


def test_same_unit_name_twice_at_one_place_is_refused(app, client, factories, login_as):
    """A second unit with the same name under the same parent is refused beside the name field."""
    m = factories.municipality()
    top = factories.unit(m, name="Helse og velferd", kind="virksomhet")
    other_top = factories.unit(m, name="Teknisk drift", kind="virksomhet")
    factories.unit(m, name="Sone Nord", parent=top)
    login_as(factories.user("admin", municipalities=[m]))
    before = unit_count(app)

    for name, parent in (
        ("Sone Nord", top),
        ("sone nord", top),
        ("Helse og velferd", None),
        ("HELSE OG VELFERD", None),
    ):
        response = _post_unit(client, m.id, name, parent.id if parent else None)
        assert response.status_code == 422, name
        assert field_error(response.text, "name") == SAME_PLACE
        assert input_value(response.text, "name") == name
    assert unit_count(app) == before

    # The same name elsewhere in the tree is fine.
    assert _post_unit(client, m.id, "Sone Nord", other_top.id).status_code == 302
    assert unit_count(app) == before + 1


def test_same_unit_name_with_norwegian_capitals_is_refused(app, client, factories, login_as):
    """ "ØSTRE SONE" is the same name as "Østre sone", also for names starting with Æ, Ø or Å."""
    m = factories.municipality()
    top = factories.unit(m, name="Hjemmetjenesten")
    factories.unit(m, name="Østre sone", parent=top)
    login_as(factories.user("admin", municipalities=[m]))

    response = _post_unit(client, m.id, "ØSTRE SONE", top.id)
    assert response.status_code == 422
    assert field_error(response.text, "name") == SAME_PLACE
    with app.app_context():
        assert db.session.scalars(select(Unit.name).where(Unit.parent_id == top.id)).all() == [
            "Østre sone"
        ]


def test_a_municipality_page_lists_its_active_members_with_their_roles(
    app, client, factories, login_as
):
    """The members come from the users module; deactivated users and members of other
    municipalities are not listed, and only a reader of users gets links to them."""
    stjordal = factories.municipality("Stjørdal", "5035")
    meraker = factories.municipality("Meråker", "5034")
    tech = factories.user("technician", municipalities=[stjordal], username="tore")
    factories.user("servicedesk", municipalities=[stjordal], username="gone", active=False)
    factories.user("technician", municipalities=[meraker], username="mette")
    admin = factories.user("admin", municipalities=[stjordal, meraker], username="ada")

    def members(html: str) -> list[str]:
        section = html.split('id="members-heading"')[1].split("</section>")[0]
        return [
            re.sub(r"<[^>]+>|\s+", " ", li).strip()
            for li in re.findall(r"<li>(.*?)</li>", section, re.S)
        ]

    login_as(tech)
    page = client.get(f"/org/municipalities/{stjordal.id}").text
    assert members(page) == ["Person Ada – Administrator", "Person Tore – Tekniker"]
    assert "/users/" not in page.split('id="members-heading"')[1]

    reader = app.test_client()
    assert login(reader, admin).status_code == 302
    page = reader.get(f"/org/municipalities/{stjordal.id}").text
    assert f'href="/users/{tech.id}"' in page.split('id="members-heading"')[1]
