"""User administration: admins create users, set roles and memberships, deactivate."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import count_statements, csrf_from, login
from vftops.auth.models import User
from vftops.core.audit import AuditEvent
from vftops.extensions import db


def _admin(factories, *municipalities):
    return factories.user("admin", municipalities=list(municipalities), username="ada")


def _form_post(client, page_url, post_url, data):
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(post_url, data={**data, "csrf_token": csrf_from(page.text)})


def test_admin_creates_user_who_can_log_in(app, client, factories):
    """A new colleague gets a login with the roles and municipality the admin chose."""
    m = factories.municipality(name="Stjørdal", number="5035")
    unit = factories.unit(m, name="Sone nord", kind="sone")
    login(client, _admin(factories, m))
    response = _form_post(
        client,
        "/users/new",
        "/users/new",
        {
            "username": "Kari.Nordmann",
            "full_name": "Kari Nordmann",
            "email": "kari@example.no",
            "locale": "nb",
            "password": "sommer i stjørdal 2026",
            "roles": ["technician", "servicedesk"],
            "municipality_ids": str(m.id),
            "unit_ids": str(unit.id),
        },
    )
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Brukeren kari.nordmann er opprettet." in detail
    assert "Servicedesk, Tekniker" in detail
    assert "Stjørdal (5035)" in detail
    assert "Sone nord" in detail
    listing = client.get("/users").get_data(as_text=True)
    assert "Kari Nordmann" in listing
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "kari.nordmann"))
        assert user.roles == {"technician", "servicedesk"}
        created = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "user.create")
            .where(AuditEvent.object_id == str(user.id))
        ).one()
        assert created.actor.username == "ada"
        assert created.changes["roles"]["after"] == ["servicedesk", "technician"]
        assert "password" not in created.changes
    other = app.test_client()
    page = other.get("/login")
    assert (
        other.post(
            "/login",
            data={
                "username": "kari.nordmann",
                "password": "sommer i stjørdal 2026",
                "csrf_token": csrf_from(page.text),
            },
        ).status_code
        == 302
    )


def test_invalid_user_form_keeps_what_was_typed(app, client, factories):
    """A taken username and a short password are shown beside the fields; nothing is lost."""
    m = factories.municipality()
    factories.user("technician", username="taken", municipalities=[m])
    login(client, _admin(factories, m))
    response = _form_post(
        client,
        "/users/new",
        "/users/new",
        {
            "username": "taken",
            "full_name": "Trine Tekniker",
            "email": "trine@example.no",
            "locale": "nb",
            "password": "kort",
            "roles": ["technician"],
            "municipality_ids": str(m.id),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Passordet må være minst 12 tegn langt." in html
    assert 'value="Trine Tekniker"' in html
    assert 'value="trine@example.no"' in html
    # The error is tied to its field for screen readers.
    assert 'aria-describedby="password-help password-error"' in html
    assert re.search(r'value="technician"[^>]*checked|checked[^>]*value="technician"', html)
    response = _form_post(
        client,
        "/users/new",
        "/users/new",
        {
            "username": "taken",
            "full_name": "Trine Tekniker",
            "locale": "nb",
            "password": "et langt nok passord",
            "roles": ["technician"],
        },
    )
    assert response.status_code == 409
    assert "Brukernavnet taken er allerede i bruk." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.full_name == "Trine Tekniker")) is None


def test_admin_cannot_grant_another_municipality(app, client, factories):
    """An admin of Stjørdal cannot give anyone access to Meråker."""
    mine = factories.municipality(name="Stjørdal", number="5035")
    theirs = factories.municipality(name="Meråker", number="5034")
    login(client, _admin(factories, mine))
    response = _form_post(
        client,
        "/users/new",
        "/users/new",
        {
            "username": "sneaky",
            "full_name": "Sne Aky",
            "locale": "nb",
            "password": "et langt nok passord",
            "roles": ["technician"],
            "municipality_ids": str(theirs.id),
        },
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "sneaky")) is None


def test_deactivation_logs_the_user_out_and_blocks_login(app, client, factories):
    """A deactivated colleague is thrown out at once and cannot log in again."""
    m = factories.municipality()
    victim = factories.user("technician", municipalities=[m], username="leaver")
    theirs = app.test_client()
    login(theirs, victim)
    assert theirs.get("/").status_code == 200
    login(client, _admin(factories, m))
    response = _form_post(client, f"/users/{victim.id}", f"/users/{victim.id}/deactivate", {})
    assert response.status_code == 302
    page = client.get(f"/users/{victim.id}").get_data(as_text=True)
    assert "er deaktivert og logget ut" in page
    assert 'data-testid="user-status">Deaktivert<' in page
    assert theirs.get("/").status_code == 302
    assert login(app.test_client(), victim).status_code == 401
    # Never deleted: the row and its audit trail stay.
    with app.app_context():
        assert db.session.get(User, victim.id) is not None
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.deactivate")
        ).object_id == str(victim.id)
    # Reactivated, the person can log in again.
    _form_post(client, f"/users/{victim.id}", f"/users/{victim.id}/activate", {})
    assert login(app.test_client(), victim).status_code == 302


def test_admin_cannot_deactivate_self_or_remove_last_admin(app, client, factories):
    """The last administrator cannot lock everyone out by accident."""
    m = factories.municipality()
    admin = _admin(factories, m)
    login(client, admin)
    response = _form_post(client, f"/users/{admin.id}", f"/users/{admin.id}/deactivate", {})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du kan ikke deaktivere deg selv." in page
    form = client.get(f"/users/{admin.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    response = client.post(
        f"/users/{admin.id}",
        data={
            "csrf_token": csrf_from(form),
            "version": version,
            "full_name": "Ada Administrator",
            "locale": "nb",
            "roles": ["technician"],
            "municipality_ids": str(m.id),
        },
    )
    assert response.status_code == 409
    assert "Dette er den siste aktive administratoren" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).roles == {"admin"}


def test_two_admins_editing_the_same_user_one_wins(app, client, factories):
    """When two admins save the same user at once, the second is told and loses nothing silently."""
    m = factories.municipality()
    target = factories.user("technician", municipalities=[m], username="target")
    first = factories.user("admin", municipalities=[m], username="first")
    second = factories.user("admin", municipalities=[m], username="second")
    c1, c2 = app.test_client(), app.test_client()
    login(c1, first)
    login(c2, second)
    forms = [c.get(f"/users/{target.id}").get_data(as_text=True) for c in (c1, c2)]
    versions = [re.search(r'name="version" type="hidden" value="(\d+)"', f).group(1) for f in forms]
    assert versions[0] == versions[1]

    def save(c, form, version, name, roles):
        return c.post(
            f"/users/{target.id}",
            data={
                "csrf_token": csrf_from(form),
                "version": version,
                "full_name": name,
                "locale": "nb",
                "roles": roles,
                "municipality_ids": str(m.id),
            },
        )

    assert save(c1, forms[0], versions[0], "Navn Fra Første", ["technician"]).status_code == 302
    response = save(c2, forms[1], versions[1], "Navn Fra Andre", ["servicedesk"])
    assert response.status_code == 409
    assert "Noen andre endret dette samtidig" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, target.id)
        assert user.full_name == "Navn Fra Første"
        assert user.roles == {"technician"}


def test_password_reset_by_admin_ends_sessions(app, client, factories):
    """After an admin sets a new password, the old one and old sessions stop working."""
    m = factories.municipality()
    person = factories.user("technician", municipalities=[m], username="forgetful")
    theirs = app.test_client()
    login(theirs, person)
    login(client, _admin(factories, m))
    response = _form_post(
        client,
        f"/users/{person.id}/password",
        f"/users/{person.id}/password",
        {
            "new_password": "et helt nytt passord",
            "confirm": "et helt nytt passord",
        },
    )
    assert response.status_code == 302
    assert theirs.get("/").status_code == 302
    assert login(app.test_client(), person).status_code == 401
    assert login(app.test_client(), person, "et helt nytt passord").status_code == 302


def test_own_password_change(app, client, factories):
    """Changing one's own password keeps this session, ends the others, and checks the old one."""
    person = factories.user("technician", username="careful")
    other_device = app.test_client()
    login(other_device, person)
    login(client, person)
    wrong = _form_post(
        client,
        "/account",
        "/account",
        {
            "password-current_password": "not my password",
            "password-new_password": "nytt langt passord 1",
            "password-confirm": "nytt langt passord 1",
        },
    )
    assert wrong.status_code == 422
    assert "Det nåværende passordet er feil." in wrong.get_data(as_text=True)
    short = _form_post(
        client,
        "/account",
        "/account",
        {
            "password-current_password": person.password,
            "password-new_password": "kort",
            "password-confirm": "kort",
        },
    )
    assert "Passordet må være minst 12 tegn langt." in short.get_data(as_text=True)
    ok = _form_post(
        client,
        "/account",
        "/account",
        {
            "password-current_password": person.password,
            "password-new_password": "nytt langt passord 1",
            "password-confirm": "nytt langt passord 1",
        },
    )
    assert ok.status_code == 302
    assert "Passordet ditt er endret" in client.get("/account").get_data(as_text=True)
    assert other_device.get("/").status_code == 302
    assert login(app.test_client(), person, "nytt langt passord 1").status_code == 302


def test_admin_of_one_municipality_cannot_see_users_of_another(app, client, factories):
    """Users who belong only to another municipality are invisible (404)."""
    mine = factories.municipality(name="Stjørdal", number="5035")
    theirs = factories.municipality(name="Meråker", number="5034")
    stranger = factories.user("technician", municipalities=[theirs], username="stranger")
    login(client, _admin(factories, mine))
    listing = client.get("/users").get_data(as_text=True)
    assert "Person Stranger" not in listing
    assert client.get(f"/users/{stranger.id}").status_code == 404


def test_user_list_does_not_query_per_row(app, client, factories):
    """The user list costs the same number of queries for 3 users as for 30."""
    m = factories.municipality()
    unit = factories.unit(m)
    login(client, _admin(factories, m))

    def count_queries():
        with count_statements(app) as statements:
            response = client.get("/users?status=all")
            assert response.status_code == 200
        return len(statements), response.get_data(as_text=True)

    for i in range(3):
        factories.user(
            "technician", "servicedesk", municipalities=[m], units=[unit], username=f"a{i}"
        )
    few, html = count_queries()
    assert "Person A2" in html
    for i in range(27):
        factories.user("technician", municipalities=[m], units=[unit], username=f"b{i}")
    many, html = count_queries()
    assert "Person B26" in html
    assert few == many
