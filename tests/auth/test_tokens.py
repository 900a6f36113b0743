"""Personal API tokens: created in the UI, shown once, stored hashed, revocable."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import csrf_from, login
from vftops.auth.models import ApiToken, User
from vftops.core.models import utcnow
from vftops.extensions import db


def _create_in_ui(client, name="Alarmsentral", days="30"):
    page = client.get("/account/tokens")
    return client.post(
        "/account/tokens",
        data={"name": name, "days": days, "csrf_token": csrf_from(page.text)},
    )


def test_token_is_shown_once_and_works_as_bearer(app, client, factories):
    """The new token appears once, authenticates API calls, and is never shown again."""
    user = factories.user("servicedesk", username="siri")
    login(client, user)
    response = _create_in_ui(client)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    plain = re.search(r'data-testid="new-token">([^<]+)<', html).group(1)
    assert plain.startswith("vft_")
    assert "Kopier den nå" in html
    again = client.get("/account/tokens").get_data(as_text=True)
    assert plain not in again
    assert plain[:12] in again  # the prefix identifies it
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
        assert plain not in row.token_hash
        assert len(row.token_hash) == 64
    api = app.test_client()
    me = api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.status_code == 200
    assert me.get_json()["username"] == "siri"
    with app.app_context():
        assert db.session.scalar(select(ApiToken)).last_used_at is not None


def test_token_form_errors_keep_input(client, factories):
    """A token without a name, or valid too long, is refused beside the field."""
    login(client, factories.user("technician"))
    response = _create_in_ui(client, name="Min integrasjon", days="900")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Mellom 1 og 365 dager." in html
    assert 'value="Min integrasjon"' in html


def test_revoked_expired_and_deactivated_tokens_stop_working(app, client, factories):
    """A revoked or expired token, or one of a deactivated user, answers 401."""
    user = factories.user("servicedesk", username="kim")
    plain = factories.token(user)
    headers = {"Authorization": f"Bearer {plain}"}
    api = app.test_client()
    assert api.get("/api/v1/users/me", headers=headers).status_code == 200

    login(client, user)
    page = client.get("/account/tokens").get_data(as_text=True)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
    response = client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    assert "Trukket tilbake" in client.get("/account/tokens").get_data(as_text=True)
    denied = api.get("/api/v1/users/me", headers=headers)
    assert denied.status_code == 401
    assert denied.get_json()["error"]["code"] == "unauthenticated"

    expired = factories.token(user, name="gammel")
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "gammel"))
        row.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert (
        api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {expired}"}).status_code
        == 401
    )

    fresh = factories.token(user, name="ny")
    with app.app_context():
        db.session.get(User, user.id).is_active_user = False
        db.session.commit()
    assert (
        api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401
    )


def test_cannot_revoke_someone_elses_token(app, client, factories):
    """A token id of another person answers 404 and stays valid."""
    owner = factories.user("technician", username="owner")
    plain = factories.token(owner)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    login(client, factories.user("admin", username="nosy"))
    page = client.get("/account/tokens").get_data(as_text=True)
    response = client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 404
    assert (
        app.test_client()
        .get("/api/v1/users/me", headers={"Authorization": f"Bearer {plain}"})
        .status_code
        == 200
    )


def test_bearer_token_is_ignored_outside_the_api(app, factories):
    """A token gives API access only; it does not open the HTML pages."""
    plain = factories.token(factories.user("admin"))
    response = app.test_client().get("/users", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_start_page_warns_about_tokens_expiring_soon(app, client, factories):
    """Someone whose integration token runs out within two weeks is told on the start page."""
    user = factories.user("servicedesk")
    factories.token(user, days=5, name="Responssenter")
    factories.token(user, days=60, name="Langvarig")
    login(client, user)
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="task-expiring-tokens"' in html
    assert "Responssenter" in html
    assert "Langvarig" not in html
