"""Where one municipality's administration ends, and where a session ends."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_from, login
from vftops.auth.models import ApiToken, User
from vftops.core.audit import AuditEvent
from vftops.extensions import db


def _two_municipalities(factories):
    a = factories.municipality(name="Stjørdal", number="5035")
    b = factories.municipality(name="Meråker", number="5034")
    return a, b


def test_admin_cannot_take_over_a_colleague_shared_with_another_municipality(
    app, client, factories
):
    """An admin of Stjørdal cannot reset the password or roles of someone who also works in Meråker."""
    a, b = _two_municipalities(factories)
    shared = factories.user("technician", municipalities=[a, b], username="shared")
    login(client, factories.user("admin", municipalities=[a], username="adminA"))
    page = client.get(f"/users/{shared.id}")
    html = page.get_data(as_text=True)
    assert 'data-testid="not-manageable"' in html
    assert "Sett nytt passord" not in html
    assert "Meråker" not in html  # the other municipality is not named
    assert "Jobber også i 1 kommune du ikke er medlem av." in html
    token = csrf_from(client.get("/account").get_data(as_text=True))
    assert (
        client.post(
            f"/users/{shared.id}/password",
            data={
                "csrf_token": token,
                "new_password": "kapret passord 123",
                "confirm": "kapret passord 123",
            },
        ).status_code
        == 403
    )
    assert client.post(
        f"/users/{shared.id}/deactivate", data={"csrf_token": token}
    ).status_code in (302, 403)
    assert (
        client.post(
            f"/users/{shared.id}",
            data={
                "csrf_token": token,
                "full_name": "X",
                "locale": "nb",
                "roles": "admin",
                "municipality_ids": str(a.id),
            },
        ).status_code
        == 403
    )
    with app.app_context():
        user = db.session.get(User, shared.id)
        assert user.is_active_user
        assert user.roles == {"technician"}
    assert login(app.test_client(), shared).status_code == 302  # old password still works


def test_admin_api_cannot_change_shared_colleague(app, factories):
    """Through the API the same change is refused with 403 and nothing changes."""
    a, b = _two_municipalities(factories)
    shared = factories.user("technician", municipalities=[a, b], username="shared")
    admin = factories.user("admin", municipalities=[a], username="adminA")
    api = factories.api(admin)
    response = api.patch(f"/api/v1/users/{shared.id}", json={"roles": ["admin"]})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    response = api.patch(f"/api/v1/users/{shared.id}", json={"is_active": False})
    assert response.status_code == 403
    seen = api.get(f"/api/v1/users/{shared.id}").get_json()
    assert seen["municipality_ids"] == [a.id]  # Meråker's id is not revealed
    assert seen["roles"] == ["technician"]
    assert api.get(f"/api/v1/users?municipality_id={b.id}").get_json()["items"] == []


def test_auditor_does_not_read_another_municipalitys_people(app, client, factories):
    """User events about Meråker's staff stay out of Stjørdal's audit log; one's own are there."""
    a, b = _two_municipalities(factories)
    factories.user("technician", municipalities=[b], username="bonly")
    factories.user("technician", municipalities=[a], username="aonly")
    auditor = factories.user("auditor", municipalities=[a], username="revisorA")
    login(client, auditor)
    html = client.get("/audit?action=user").get_data(as_text=True)
    assert "aonly" in html
    assert "bonly" not in html
    api = factories.api(auditor)
    items = api.get("/api/v1/audit-events?action=user.create&limit=100").get_json()["items"]
    summaries = " ".join(e["summary"] for e in items)
    assert "aonly" in summaries
    assert "bonly" not in summaries
    with app.app_context():
        hidden = db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.summary.contains("bonly"))
        )
    assert api.get(f"/api/v1/audit-events/{hidden}").status_code == 404


def test_logout_ends_the_session_on_the_server(app, client, factories):
    """A copy of the session cookie stops working once its owner logs out."""
    user = factories.user("technician")
    login(client, user)
    copied = client.get_cookie("vftops_session").value
    thief = app.test_client()
    thief.set_cookie("vftops_session", copied)
    assert thief.get("/account").status_code == 200
    token = csrf_from(client.get("/account").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    response = thief.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logging_out_on_one_device_keeps_the_other(app, factories):
    """A technician who logs out on the office PC stays logged in on the phone."""
    user = factories.user("technician")
    pc, phone = app.test_client(), app.test_client()
    login(pc, user)
    login(phone, user)
    pc.post("/logout", data={"csrf_token": csrf_from(pc.get("/account").get_data(as_text=True))})
    assert pc.get("/").status_code == 302
    assert phone.get("/").status_code == 200


def test_password_reset_revokes_api_tokens(app, client, factories):
    """When an admin resets a password, the person's API tokens stop working as well."""
    m = factories.municipality()
    person = factories.user("servicedesk", municipalities=[m], username="integrator")
    token = factories.token(person)
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/users/me", headers=headers).status_code == 200
    login(client, factories.user("admin", municipalities=[m]))
    page = client.get(f"/users/{person.id}/password").get_data(as_text=True)
    assert "API-nøklene" in page
    client.post(
        f"/users/{person.id}/password",
        data={
            "csrf_token": csrf_from(page),
            "new_password": "et nytt langt passord",
            "confirm": "et nytt langt passord",
        },
    )
    assert app.test_client().get("/api/v1/users/me", headers=headers).status_code == 401
    with app.app_context():
        assert db.session.scalar(select(ApiToken)).revoked_at is not None


def test_language_switch_never_redirects_away(client):
    """A crafted language link cannot send anyone to another site or crash the page."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for target in (
        "//evil.example",
        "/\t/evil.example",
        "/\\evil.example",
        "/\nLocation: x",
        "https://evil.example/",
    ):
        response = client.post(
            "/language", data={"lang": "en", "next": target, "csrf_token": token}
        )
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/", target


def test_user_list_pages_through_many_users(client, factories):
    """With more than 50 users the list is split into pages you can move between."""
    m = factories.municipality()
    for i in range(55):
        factories.user("technician", municipalities=[m], username=f"u{i:02d}")
    login(client, factories.user("admin", municipalities=[m], username="zzadmin"))
    first = client.get("/users")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "Side 1 av 2" in html
    link = re.search(r'href="(/users\?[^"]*page=2[^"]*)"', html).group(1)
    second = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Side 2 av 2" in second
    assert "Forrige" in second


def test_saving_a_user_keeps_membership_of_an_inactive_unit(app, client, factories):
    """Fixing a name must not silently remove someone from a unit that was closed."""
    from vftops.org.models import Unit

    m = factories.municipality()
    unit = factories.unit(m, name="Nedlagt sone")
    person = factories.user("manager", municipalities=[m], units=[unit], username="leder")
    with app.app_context():
        db.session.get(Unit, unit.id).is_active = False
        db.session.commit()
    login(client, factories.user("admin", municipalities=[m], username="admin1"))
    form = client.get(f"/users/{person.id}").get_data(as_text=True)
    assert "Nedlagt sone" in form
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    checked = re.findall(
        r'<input[^>]*checked[^>]*name="unit_ids"[^>]*value="(\d+)"'
        r'|<input[^>]*name="unit_ids"[^>]*value="(\d+)"[^>]*checked',
        form,
    )
    unit_values = [x or y for x, y in checked]
    assert unit_values == [str(unit.id)]
    response = client.post(
        f"/users/{person.id}",
        data={
            "csrf_token": csrf_from(form),
            "version": version,
            "full_name": "Line Rettet Navn",
            "locale": "nb",
            "roles": "manager",
            "municipality_ids": str(m.id),
            "unit_ids": unit_values,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.full_name == "Line Rettet Navn"
        assert [um.unit_id for um in user.unit_memberships] == [unit.id]


def test_api_leaving_a_municipality_leaves_its_units(app, factories):
    """Removing someone from a municipality through the API also removes its units."""
    a, b = _two_municipalities(factories)
    unit_b = factories.unit(b, name="Sone B")
    person = factories.user("technician", municipalities=[a, b], units=[unit_b], username="mover")
    admin = factories.user("admin", municipalities=[a, b], username="both")
    api = factories.api(admin)
    response = api.patch(f"/api/v1/users/{person.id}", json={"municipality_ids": [a.id]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["municipality_ids"] == [a.id]
    assert response.get_json()["unit_ids"] == []


def test_rate_limit_uses_the_forwarded_address_behind_a_proxy(database_factory, backend):
    """Behind nginx, one office's failed logins do not lock out another office."""
    from flask_migrate import upgrade

    from vftops import create_app
    from vftops.extensions import limiter

    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_factory(backend),
        PROXY_FIX_X_FOR=1,
        LOGIN_FAILURES_PER_ADDRESS="3 per minute",
    )
    with app.app_context():
        upgrade()
    client = app.test_client()

    def attempt(address, username):
        page = client.get("/login", headers={"X-Forwarded-For": address})
        return client.post(
            "/login",
            data={"username": username, "password": "feil", "csrf_token": csrf_from(page.text)},
            headers={"X-Forwarded-For": address},
        ).status_code

    try:
        assert [attempt("10.1.1.1", f"x{i}") for i in range(3)] == [401, 401, 401]
        assert attempt("10.1.1.1", "x9") == 429
        assert attempt("10.2.2.2", "y1") == 401  # another office is not locked out
    finally:
        with app.app_context():
            limiter.reset()
            db.engine.dispose()
    assert PASSWORD  # the shared fixture password is unused here on purpose
