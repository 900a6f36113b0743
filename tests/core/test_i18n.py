"""Languages and time zone: Norwegian Bokmål first, English second, Europe/Oslo time."""

from __future__ import annotations

import os
import re
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import csrf_from, login
from vftops.settings import PROJECT_ROOT

NB_PO = PROJECT_ROOT / "vftops" / "translations" / "nb" / "LC_MESSAGES" / "messages.po"
SKIPPED_DIRS = {".venv", ".git", "node_modules", "instance"}


def _walk_only_source(dirpath: str) -> bool:
    # Like pybabel's default filter (no hidden or underscore directories) and
    # never into the virtualenv or other bulky non-source trees.
    name = os.path.basename(dirpath)
    return name not in SKIPPED_DIRS and not name.startswith((".", "_"))


def _extracted_messages() -> list[tuple[str | tuple[str, ...], str | None, str]]:
    """Every message `make translations` extracts: (msgid, context, where)."""
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
    found = []
    for filename, lineno, message, _comments, context in extract_from_dir(
        dirname=PROJECT_ROOT,
        method_map=[
            ("vftops/**.py", "python"),
            ("templates/**.html", "jinja2"),
            ("templates/**.txt", "jinja2"),
        ],
        keywords=keywords,
        directory_filter=_walk_only_source,
    ):
        found.append((message, context, f"{filename}:{lineno}"))
    return found


@pytest.fixture(scope="module")
def nb_catalog():
    with NB_PO.open("rb") as f:
        return read_po(f, locale="nb")


def test_every_message_has_a_norwegian_translation(nb_catalog):
    """No English text leaks into the Norwegian interface: every string is translated."""
    messages = _extracted_messages()
    distinct = {(m, c) for m, c, _where in messages}
    assert len(distinct) > 200, f"only {len(distinct)} messages extracted; is the walk right?"

    missing = []
    for message, context, where in messages:
        entry = nb_catalog.get(message, context=context)
        if entry is None:
            missing.append(f"{where}: {message!r} (not in messages.po)")
            continue
        if isinstance(message, tuple):
            if not isinstance(entry.id, tuple) or tuple(entry.id) != tuple(message):
                missing.append(f"{where}: {message!r} (plural differs: {entry.id!r})")
                continue
            strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
            if len(strings) != nb_catalog.num_plurals or not all(strings):
                missing.append(f"{where}: {message!r} (plural forms untranslated)")
                continue
        elif not entry.string:
            missing.append(f"{where}: {message!r} (empty translation)")
            continue
        if entry.fuzzy:
            missing.append(f"{where}: {message!r} (fuzzy)")
    assert not missing, "untranslated messages:\n" + "\n".join(sorted(set(missing)))


def test_norwegian_placeholders_match_the_english_ones(nb_catalog):
    """Names and numbers appear in the Norwegian text where the English text has them."""
    problems = [
        f"{message.id!r}: {', '.join(str(e) for e in errors)}"
        for message, errors in nb_catalog.check()
        if errors
    ]
    assert not problems, "translations with broken placeholders:\n" + "\n".join(problems)


def test_user_with_english_locale_sees_english_pages(client, factories):
    """A user who chose English gets the start page and menu in English."""
    user = factories.user("technician", locale="en")
    assert login(client, user).status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Good to see you, Person " in html
    assert "Log out" in html
    assert "Velkommen" not in html
    assert "Logg ut" not in html


def test_user_with_norwegian_locale_sees_norwegian_pages(client, factories):
    """A user who keeps Norwegian gets the start page and menu in Bokmål."""
    user = factories.user("technician", locale="nb")
    assert login(client, user).status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="nb">' in html
    assert "Velkommen, Person " in html
    assert "Logg ut" in html
    assert "Good to see you" not in html
    assert "Log out" not in html


def test_anonymous_visitor_can_switch_login_page_to_english(client):
    """Someone not logged in can switch the login page from Norwegian to English."""
    page = client.get("/login").get_data(as_text=True)
    assert "Logg inn i vftops" in page
    assert '<html lang="nb">' in page

    response = client.post(
        "/language", data={"lang": "en", "next": "/login", "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")

    page = client.get("/login").get_data(as_text=True)
    assert "Log in to vftops" in page
    assert '<html lang="en">' in page
    assert "Logg inn i vftops" not in page


def test_times_are_shown_in_oslo_time(app, client, factories):
    """The user page shows when the account was created in Norwegian local time, not UTC."""
    from vftops.auth.models import User
    from vftops.extensions import db

    m = factories.municipality()
    target = factories.user("technician", municipalities=[m])
    admin = factories.user("admin", municipalities=[m])
    with app.app_context():
        created_at = db.session.get(User, target.id).created_at
    assert created_at.tzinfo is not None
    expected = created_at.astimezone(ZoneInfo("Europe/Oslo")).strftime("%d.%m.%Y %H:%M")
    as_utc = created_at.astimezone(ZoneInfo("UTC")).strftime("%d.%m.%Y %H:%M")
    assert expected != as_utc  # Oslo is always one or two hours ahead of UTC

    assert login(client, admin).status_code == 302
    html = client.get(f"/users/{target.id}").get_data(as_text=True)
    assert re.search(rf"Opprettet</dt>\s*<dd[^>]*>{re.escape(expected)}</dd>", html), (
        f"expected 'Opprettet' {expected} (Europe/Oslo) in the user page"
    )
    assert as_utc not in html
