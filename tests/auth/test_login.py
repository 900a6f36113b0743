"""Logging in and out: the first thing every member of staff does each day."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_from, login


def test_login_page_is_norwegian_by_default(client):
    """A first-time visitor sees the login page in Bokmål."""
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="nb">' in html
    assert "Logg inn i vftops" in html
    assert "Brukernavn" in html
    assert "Passord" in html


def test_anonymous_visitor_is_sent_to_login_and_back(client, factories):
    """Opening a page while logged out leads to login, then to the page asked for."""
    m = factories.municipality()
    user = factories.user("admin", municipalities=[m])
    response = client.get("/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/users")
    page = client.get(response.headers["Location"])
    response = client.post(
        "/login?next=/users",
        data={"username": user.username, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.headers["Location"] == "/users"
    assert "Person" in client.get("/users").get_data(as_text=True)


def test_successful_login_shows_start_page_with_name(client, factories):
    """After login the start page greets the person by name."""
    user = factories.user("technician", username="tore")
    response = login(client, user)
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Velkommen, Person Tore" in html
    assert "Tekniker" in html


def test_username_is_case_insensitive(client, factories):
    """Typing the username with capitals still logs in."""
    user = factories.user("technician", username="kari")
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": "  KARI ", "password": user.password, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302


def _attempt(client, username, password):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
    )


def test_wrong_password_and_unknown_user_look_the_same(client, factories):
    """Nobody can find out which usernames exist from the login answer."""
    factories.user("technician", username="existing")
    wrong = _attempt(client, "existing", "not the right password")
    unknown = _attempt(client, "nobody-here", "not the right password")
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        html = response.get_data(as_text=True)
        assert "Feil brukernavn eller passord." in html
    # The typed username is kept, the password is not.
    assert 'value="existing"' in wrong.get_data(as_text=True)
    assert "not the right password" not in wrong.get_data(as_text=True)


def test_unknown_user_costs_about_as_long_as_wrong_password(app, client, factories, monkeypatch):
    """An unknown username takes about as long as a wrong password (no timing oracle)."""
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "scrypt")  # the real cost
    factories.user("technician", username="timed")

    def timed(username):
        start = time.perf_counter()
        _attempt(client, username, "wrong password 123")
        return time.perf_counter() - start

    timed("timed")  # warm up
    wrong = min(timed("timed") for _ in range(2))
    unknown = min(timed("no-such-user") for _ in range(2))
    assert 0.5 < unknown / wrong < 2.0, (wrong, unknown)


def test_deactivated_user_cannot_log_in(client, factories):
    """A deactivated account gets the same answer as a wrong password."""
    user = factories.user("technician", active=False)
    response = login(client, user)
    assert response.status_code == 401
    assert "Feil brukernavn eller passord." in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, factories):
    """A login form posted from another site is refused and logs nobody in."""
    user = factories.user("technician")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "Skjemaet var utløpt" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_five_failures_lock_the_account_for_a_minute(client, factories):
    """After five wrong passwords for one account, even the right one gets 429."""
    user = factories.user("technician", username="target")
    other = factories.user("technician", username="colleague")
    for _ in range(5):
        assert _attempt(client, "target", "wrong wrong wrong").status_code == 401
    blocked = _attempt(client, "target", user.password)
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert "For mange mislykkede forsøk på kort tid" in html
    # A colleague behind the same address is not locked out by someone else's typos.
    assert _attempt(client, other.username, other.password).status_code == 302


def test_failures_from_one_address_are_limited(app, client, factories, monkeypatch):
    """Many failed logins from one address, across usernames, are stopped with 429."""
    factories.user("technician", username="realuser")
    limit = int(app.config["LOGIN_FAILURES_PER_ADDRESS"].split()[0])
    for i in range(limit):
        assert _attempt(client, f"guess{i}", "wrong wrong wrong").status_code == 401
    response = _attempt(client, "realuser", PASSWORD)
    assert response.status_code == 429
    assert "For mange" in response.get_data(as_text=True)


def test_successful_logins_do_not_count_as_failures(client, factories):
    """Logging in and out many times in a row never locks a person out."""
    user = factories.user("technician")
    for _ in range(7):
        response = login(client, user)
        assert response.status_code == 302
        page = client.get("/")
        client.post("/logout", data={"csrf_token": csrf_from(page.text)})


def test_session_cookie_is_httponly_and_samesite(client, factories):
    """The session cookie cannot be read by scripts or sent by other sites' forms."""
    user = factories.user("technician")
    response = login(client, user)
    cookie = next(
        v for k, v in response.headers.items() if k == "Set-Cookie" and "vftops_session" in v
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_in_production(monkeypatch, tmp_path):
    """In production the session cookie is only ever sent over HTTPS."""
    from vftops import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    monkeypatch.setenv("VFTOPS_BASE_URL", "https://vftops.kommune.no")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    """A production server without SECRET_KEY or DATABASE_URL does not start."""
    from vftops import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_refuses_to_start_without_its_own_address(monkeypatch, tmp_path):
    """Links on QR labels and in e-mails need the installation's address: production
    does not start without VFTOPS_BASE_URL (it would print labels pointing nowhere)."""
    from vftops import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    monkeypatch.delenv("VFTOPS_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="VFTOPS_BASE_URL"):
        create_app("production")
    monkeypatch.setenv("VFTOPS_BASE_URL", "vftops.kommune.no")  # no scheme: labels go nowhere
    with pytest.raises(RuntimeError, match="http"):
        create_app("production")
    monkeypatch.setenv("VFTOPS_BASE_URL", "https://vftops.kommune.no")
    assert create_app("production").config["BASE_URL"] == "https://vftops.kommune.no"


def test_logout_ends_the_session(client, factories):
    """After logging out, pages ask for login again."""
    user = factories.user("technician")
    login(client, user)
    page = client.get("/")
    response = client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert response.headers["Location"] == "/login"
    assert "Du er logget ut." in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_needs_post(client, factories):
    """A link or image pointing at /logout cannot log anyone out."""
    user = factories.user("technician")
    login(client, user)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_idle_session_expires(app, client, factories, monkeypatch):
    """A session left idle longer than the configured limit has to log in again."""
    from datetime import timedelta

    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(seconds=1))
    user = factories.user("technician")
    login(client, user)
    assert client.get("/").status_code == 200
    time.sleep(2.2)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_default_idle_limit_is_eight_hours(app):
    """Staff stay logged in through a working day, not longer."""
    assert app.permanent_session_lifetime.total_seconds() == 8 * 3600


def test_next_parameter_cannot_send_people_to_other_sites(client, factories):
    """A crafted login link cannot redirect to another site after login."""
    user = factories.user("technician")
    page = client.get("/login")
    response = client.post(
        "/login?next=https://evil.example/steal",
        data={"username": user.username, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.headers["Location"] == "/"


def test_password_is_stored_hashed_and_never_in_the_audit_log(app, client, factories):
    """Neither the users table nor the audit log contains a password in clear."""
    from vftops.auth.models import User
    from vftops.core.audit import AuditEvent
    from vftops.extensions import db

    user = factories.user("technician")
    login(client, user)
    _attempt(app.test_client(), user.username, "a wrong guess here")
    with app.app_context():
        row = db.session.get(User, user.id)
        assert row.password_hash.startswith("scrypt:")
        assert PASSWORD not in row.password_hash
        events = db.session.scalars(select(AuditEvent)).all()
        assert {"auth.login", "auth.login_failed"} <= {e.action for e in events}
        for event in events:
            assert PASSWORD not in str(event.changes) + event.summary
            assert "a wrong guess here" not in str(event.changes) + event.summary
