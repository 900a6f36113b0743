"""`flask vftops …`: the commands an operator runs on the server."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.conftest import login

DEMO_USERNAMES = [
    "admin",
    "it",
    "servicedesk",
    "tekniker",
    "innkjop",
    "lagerleder",
    "leder",
    "revisor",
]
DEMO_PASSWORD = "vftops-demo-2026"
ADMIN_PASSWORD = "fjellvann-og-furu-42"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=["vftops", *args])

    return run


def _count_users(app) -> int:
    from vftops.auth.models import User
    from vftops.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_demo_loads_organisation_and_one_user_per_role(app, cli):
    """`vftops demo` on an empty database gives two municipalities and users who can log in."""
    from vftops.auth.models import User
    from vftops.extensions import db
    from vftops.org.models import Municipality

    result = cli("demo")
    assert result.exit_code == 0, result.output
    assert "Demo data loaded" in result.output
    for username in DEMO_USERNAMES:
        assert f"  {username} " in result.output, f"{username} not listed"
    assert f"Password for all: {DEMO_PASSWORD}" in result.output

    with app.app_context():
        municipalities = {
            m.number: (m.name, sorted(u.name for u in m.units))
            for m in db.session.scalars(select(Municipality))
        }
        leder = db.session.scalar(select(User).where(User.username == "leder"))
        leder_municipalities = [m.municipality.name for m in leder.memberships]
        leder_units = [m.unit.name for m in leder.unit_memberships]
        # Those who can log in (the access demo has two who left, their login closed).
        usernames = set(db.session.scalars(select(User.username).where(User.is_active_user)))
    assert set(municipalities) == {"5035", "5034"}
    assert municipalities["5035"][0] == "Stjørdal"
    assert municipalities["5034"][0] == "Meråker"
    assert "Hjemmetjenesten sone nord" in municipalities["5035"][1]
    assert len(municipalities["5035"][1]) == 5
    assert "Meråker sykehjem" in municipalities["5034"][1]
    assert len(municipalities["5034"][1]) == 3
    assert usernames == set(DEMO_USERNAMES)
    assert leder_municipalities == ["Stjørdal"]
    assert leder_units == ["Hjemmetjenesten sone nord"]

    for username in DEMO_USERNAMES:
        response = login(
            app.test_client(), SimpleNamespace(username=username, password=DEMO_PASSWORD)
        )
        assert response.status_code == 302, f"{username} cannot log in"


def test_demo_refuses_a_database_with_data(app, cli):
    """Running `vftops demo` twice fails without touching the data; --if-empty just skips."""
    assert cli("demo").exit_code == 0
    before = _count_users(app)

    result = cli("demo")
    assert result.exit_code != 0
    assert "already has data" in result.output
    assert _count_users(app) == before

    result = cli("demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "demo data not loaded" in result.output
    assert _count_users(app) == before


def test_create_admin_makes_an_administrator_who_can_log_in(app, client, cli):
    """`vftops create-admin` gives the operator a working administrator account."""
    from vftops.auth.models import User
    from vftops.extensions import db

    result = cli(
        "create-admin",
        "--username",
        "ola",
        "--full-name",
        "Ola Nordmann",
        "--password",
        ADMIN_PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert "Administrator ola created." in result.output

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "ola"))
        assert user is not None
        assert user.full_name == "Ola Nordmann"
        assert sorted(r.role for r in user.role_rows) == ["admin"]

    response = login(client, SimpleNamespace(username="ola", password=ADMIN_PASSWORD))
    assert response.status_code == 302
    assert client.get("/api/v1/users/me").get_json()["username"] == "ola"


def test_create_admin_refuses_a_short_password(app, cli):
    """A too-short password is refused with the rule, and no account is created."""
    result = cli(
        "create-admin", "--username", "kari", "--full-name", "Kari Nordmann", "--password", "kort"
    )
    assert result.exit_code != 0
    assert _count_users(app) == 0
    # Outside a request the default language (Bokmål) is used.
    assert "minst 12 tegn" in result.output, result.output or repr(result.exception)


def test_token_create_prints_a_working_api_token(cli, client, factories):
    """`vftops token create` prints a token that the API accepts as that user."""
    user = factories.user("technician")

    result = cli("token", "create", user.username)
    assert result.exit_code == 0, result.output
    token = result.stdout.splitlines()[0].strip()
    assert token.startswith("vft_")

    response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["username"] == user.username


def test_token_create_refuses_an_unknown_user(cli):
    """Asking for a token for a user who does not exist fails with a clear message."""
    result = cli("token", "create", "finnesikke")
    assert result.exit_code != 0
    assert "No active user finnesikke" in result.output
    assert "vft_" not in result.output


def test_init_on_a_migrated_database_says_it_is_current(app, cli):
    """`vftops init` is safe to run again and says the schema is the newest."""
    result = cli("init")
    assert result.exit_code == 0, result.output
    assert "Database is at the newest schema." in result.output
    assert _count_users(app) == 0


def test_a_checkout_set_up_by_make_run_runs_the_commands_in_development(tmp_path):
    """After `make run`, the README's `flask vftops …` commands work in the checkout
    without exporting anything; where `make run` was never run, production still
    refuses to start without its settings."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from vftops.settings import PROJECT_ROOT

    made = subprocess.run(
        ["make", "-s", "-f", str(PROJECT_ROOT / "Makefile"), "-C", str(tmp_path), ".flaskenv"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    assert "VFTOPS_CONFIG=development" in (tmp_path / ".flaskenv").read_text().splitlines()
    unset = {"VFTOPS_CONFIG", "SECRET_KEY", "DATABASE_URL", "VFTOPS_BASE_URL", "FLASK_APP"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["VFTOPS_INSTANCE_DIR"] = str(tmp_path / "instance")
    flask = str(Path(sys.executable).parent / "flask")

    def run(*args):
        return subprocess.run(
            [flask, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )

    initialised = run("vftops", "init")
    assert initialised.returncode == 0, initialised.stderr
    # It says where it works, so a command in the wrong environment shows it.
    assert "vftops: development configuration, database sqlite:///" in initialised.stderr
    assert (tmp_path / "instance" / "vftops.sqlite").is_file()

    (tmp_path / ".flaskenv").unlink()
    refused = run("--app", "vftops", "vftops", "init")
    assert refused.returncode != 0
    assert "refuses to start in production" in refused.stderr
