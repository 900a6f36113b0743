"""People who belong to no municipality are managed only by an administrator who is a
member of every municipality («without municipality restriction»), never by the
administrator of one of them: such a person could be given access anywhere."""

from __future__ import annotations

from tests.conftest import csrf_from, login

NEW_PASSWORD = "et helt nytt langt passord"


def _post(client, page_url, post_url, data):
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(post_url, data={**data, "csrf_token": csrf_from(page.text)})


def _world(factories):
    stjordal = factories.municipality(name="Stjørdal", number="5035")
    meraker = factories.municipality(name="Meråker", number="5034")
    # What `flask vftops create-admin` without --municipality makes.
    installer = factories.user("admin", username="installer")
    local = factories.user("admin", municipalities=[stjordal], username="local")
    everywhere = factories.user("admin", municipalities=[stjordal, meraker], username="everywhere")
    return stjordal, meraker, installer, local, everywhere


def test_admin_of_one_municipality_cannot_take_over_an_admin_without_municipality(
    app, client, factories
):
    """An administrator of Stjørdal alone cannot see, reset the password of, give a
    municipality to or deactivate an administrator who has none: 404, nothing changes."""
    _stjordal, _meraker, installer, local, _everywhere = _world(factories)
    login(client, local)
    assert "Person Installer" not in client.get("/users?status=all").text
    assert client.get(f"/users/{installer.id}").status_code == 404
    token = csrf_from(client.get("/account").text)
    reset = client.post(
        f"/users/{installer.id}/password",
        data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token},
    )
    assert reset.status_code == 404
    deactivate = client.post(f"/users/{installer.id}/deactivate", data={"csrf_token": token})
    assert deactivate.status_code == 404
    # The installer's own password still works, and the account is still active.
    assert login(app.test_client(), installer).status_code == 302
    assert "Person Installer" not in client.get("/").text


def test_admin_without_municipality_is_managed_by_an_admin_of_every_municipality(
    app, client, factories
):
    """An administrator who is a member of every municipality sees the person without a
    municipality on the start page and can set their password."""
    _stjordal, _meraker, installer, _local, everywhere = _world(factories)
    login(client, everywhere)
    start = client.get("/").text
    assert 'data-testid="task-users-without-municipality"' in start
    assert "Person Installer" in start
    done = _post(
        client,
        f"/users/{installer.id}/password",
        f"/users/{installer.id}/password",
        {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert login(app.test_client(), installer, NEW_PASSWORD).status_code == 302


def test_api_hides_people_without_municipality_from_a_local_admin(app, client, factories):
    """The users API neither lists nor changes a person without a municipality for an
    administrator of one municipality."""
    _stjordal, _meraker, installer, local, everywhere = _world(factories)
    headers = {"Authorization": f"Bearer {factories.token(local)}"}
    listed = client.get("/api/v1/users?status=all", headers=headers).get_json()["items"]
    assert installer.username not in {u["username"] for u in listed}
    patch = client.patch(
        f"/api/v1/users/{installer.id}", json={"full_name": "Tatt over"}, headers=headers
    )
    assert patch.status_code == 404
    headers = {"Authorization": f"Bearer {factories.token(everywhere)}"}
    listed = client.get("/api/v1/users?status=all", headers=headers).get_json()["items"]
    assert installer.username in {u["username"] for u in listed}


def test_only_an_admin_of_every_municipality_may_remove_someones_last_municipality(
    app, client, factories
):
    """Saving a colleague with no municipality ticked is refused for a local
    administrator (the colleague would slip out of their hands), beside the field;
    an administrator of every municipality may do it."""
    stjordal, _meraker, _installer, local, everywhere = _world(factories)
    colleague = factories.user("technician", municipalities=[stjordal], username="colleague")
    login(client, local)
    data = {"full_name": "Person Colleague", "locale": "nb", "roles": "technician", "version": ""}
    refused = _post(client, f"/users/{colleague.id}", f"/users/{colleague.id}", data)
    assert refused.status_code == 422
    assert "Velg minst én kommune" in refused.text
    assert 'value="Person Colleague"' in refused.text
    # Still in Stjørdal: the local administrator still sees and manages the colleague.
    assert client.get(f"/users/{colleague.id}").status_code == 200

    other = app.test_client()
    login(other, everywhere)
    done = _post(other, f"/users/{colleague.id}", f"/users/{colleague.id}", data)
    assert done.status_code == 302
    assert client.get(f"/users/{colleague.id}").status_code == 404


def test_local_admin_must_give_a_new_user_a_municipality(app, client, factories):
    """A new user created by a local administrator without any municipality is refused,
    with what was typed kept."""
    _stjordal, _meraker, _installer, local, _everywhere = _world(factories)
    login(client, local)
    refused = _post(
        client,
        "/users/new",
        "/users/new",
        {
            "username": "nykommer",
            "full_name": "Ny Kommer",
            "locale": "nb",
            "password": "et langt nok passord",
            "roles": "technician",
        },
    )
    assert refused.status_code == 422
    assert "Velg minst én kommune" in refused.text
    assert 'value="nykommer"' in refused.text
