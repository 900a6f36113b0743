"""The UI shell: error pages, start page per role, accessibility and local assets."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import login
from vftops import create_app


def test_404_page_is_norwegian(client, factories):
    """A wrong address shows a Norwegian page with a way back."""
    login(client, factories.user("technician"))
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Vi fant ikke siden" in html
    assert "Gå til startsiden" in html


def test_403_page_explains_in_norwegian(client, factories):
    """A page outside one's role explains why and whom to ask."""
    login(client, factories.user("technician"))
    response = client.get("/audit")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Du har ikke tilgang til denne siden" in html
    assert "Spør en administrator" in html


def test_500_page_is_norwegian_and_says_nothing_was_saved(database_factory, backend):
    """An unexpected error shows a calm Norwegian page and rolls back."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_factory(backend))

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    with app.app_context():
        from flask_migrate import upgrade

        from vftops.extensions import db

        upgrade()
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Noe gikk galt hos oss" in html
    assert "Ingenting ble lagret" in html
    assert "RuntimeError" not in html
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("role", "expected", "absent"),
    [
        ("admin", ["Brukere som aldri har logget inn", "Opprett en bruker"], []),
        ("auditor", ["Revisjonslogg"], ["Opprett en bruker"]),
        (
            "technician",
            ["Ingenting trenger oppfølging fra deg akkurat nå."],
            ["Revisjonslogg", "Brukere"],
        ),
    ],
)
def test_start_page_is_made_for_the_role(client, factories, role, expected, absent):
    """Each role's start page shows its own tasks and shortcuts, and an honest empty state."""
    m = factories.municipality(name="Stjørdal", number="5035")
    factories.user("technician", municipalities=[m], username="fresh")  # never logged in
    login(client, factories.user(role, municipalities=[m], username="me"))
    html = client.get("/").get_data(as_text=True)
    for text in expected:
        assert text in html, text
    for text in absent:
        assert text not in html, text
    assert "Stjørdal" in html  # one's municipalities


def test_start_page_says_when_user_has_no_municipality(client, factories):
    """Someone not yet added to a municipality is told why they see nothing."""
    login(client, factories.user("servicedesk"))
    html = client.get("/").get_data(as_text=True)
    assert "Du er ikke medlem av noen kommune" in html


class _Audit(HTMLParser):
    """Collects inputs, labels and landmarks of a page."""

    def __init__(self):
        super().__init__()
        self.inputs, self.label_for, self.landmarks, self.links = [], set(), set(), []
        self._fieldset_depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("header", "nav", "main", "footer"):
            self.landmarks.add(tag)
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.inputs.append(a)
        if tag in ("link", "script", "img") and (a.get("href") or a.get("src")):
            self.links.append(a.get("href") or a.get("src"))


PAGES = [
    "/",
    "/account",
    "/account/tokens",
    "/users",
    "/users/new",
    "/org/municipalities",
    "/org/municipalities/{m}",
    "/org/municipalities/{m}/edit",
    "/org/municipalities/{m}/units/new",
    "/audit",
    "/api/v1/docs",
]


def test_every_page_has_labels_landmarks_and_only_local_assets(app, client, factories):
    """Screen readers find a label for every input and the page landmarks; nothing loads from the internet."""
    m = factories.municipality()
    factories.unit(m)
    login(client, factories.user("admin", "auditor", municipalities=[m]))
    for path in [*PAGES, "/login"]:
        if path == "/login":
            client = app.test_client()  # logged out
        html = client.get(path.format(m=m.id)).get_data(as_text=True)
        page = _Audit()
        page.feed(html)
        assert {"header", "main", "footer"} <= page.landmarks, path
        for field in page.inputs:
            labelled = field.get("id") in page.label_for or field.get("aria-label")
            assert labelled, f"{path}: input {field} has no label"
        for url in page.links:
            assert not re.match(r"^(https?:)?//", url), f"{path} loads {url}"


def test_bootstrap_is_served_locally(client):
    """The stylesheet and script come from vftops itself, so the UI works without internet."""
    html = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/bootstrap/static/[^"]+\.css)"', html).group(1)
    js = re.search(r'src="(/bootstrap/static/[^"]+\.js)"', html).group(1)
    for url in (css, js, "/static/css/vftops.css"):
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert len(response.get_data()) > 1000, url


def test_security_headers_are_set(client):
    """Pages cannot be framed or load foreign scripts."""
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_work_on_a_phone(client):
    """The layout declares a device-width viewport so phones do not zoom out."""
    html = client.get("/login").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_form_fields_carry_no_empty_attributes(client, factories):
    """Fields are not all marked invalid or autofocused: no attribute is written as «None»."""
    login(client, factories.user("technician"))
    html = client.get("/account").get_data(as_text=True)
    assert '="None"' not in html
    assert html.count("autofocus") == 0
    assert 'aria-invalid="true"' not in html
