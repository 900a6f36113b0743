"""Every page of every role, as a phone shows it: nothing wider than the screen, lists as
stacked cards, and no serious or critical accessibility problem by axe-core.

The walk follows the links a role sees, from the start page, one page per kind of
address (/devices/17 and /devices/18 are one kind), on the demo data. axe-core comes
from the npm package (`npm ci` puts it in node_modules) and is handed to the page by
the test, never loaded from the network.
"""

from __future__ import annotations

import json
import os
import re
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.test_roles_in_browser import PHONE, log_in, nb

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP = {"width": 1366, "height": 900}
# The people who use vftops on a phone first: each walks what they can reach.
ROLES = ["lagerleder", "servicedesk", "tekniker", "admin", "innkjop", "leder", "revisor", "it"]
# Downloads, printouts and the API are not pages to lay out; logging out ends the walk.
NOT_PAGES = re.compile(
    r"/logout|/export|\.csv|\.xlsx|/download|/labels|/attachments/|/api/|format=|/print"
)
MAX_PAGES_PER_ROLE = 90
SERIOUS = {"serious", "critical"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# One walk per address kind for the whole module: a kind another role has walked is
# not walked again (the admin sees most of them; the others add their own).
_walked: set[str] = set()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        message = f"axe-core is not installed ({AXE}); run `npm ci`"
        if os.environ.get("VFTOPS_REQUIRE_ALL") == "1":
            pytest.fail(f"{message} and VFTOPS_REQUIRE_ALL=1")
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def _kind(path: str) -> str:
    parts = urlsplit(path)
    return re.sub(r"\d+", "N", parts.path)


def _problems_on(page, axe_source: str, width: int) -> list[str]:
    """What is wrong with the page as shown: too wide, a list scrolling sideways, and
    axe's serious and critical violations, each named by rule and element."""
    problems = []
    page_width = page.evaluate("document.documentElement.scrollWidth")
    if page_width > width:
        problems.append(f"the page is {page_width} px wide on a {width} px screen")
    for scroller in page.evaluate(
        """[...document.querySelectorAll('.table-responsive')]
             .filter(e => e.scrollWidth > e.clientWidth + 1)
             .map(e => (e.querySelector('table')?.dataset.testid || 'table') + ' ' + e.scrollWidth)"""
    ):
        problems.append(f"a list scrolls sideways instead of stacking: {scroller} px")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    for violation in result["violations"]:
        if violation["impact"] in SERIOUS:
            targets = [" ".join(map(str, n["target"])) for n in violation["nodes"][:3]]
            problems.append(
                f"axe {violation['id']} ({violation['impact']}): {violation['help']} — "
                f"{len(violation['nodes'])} × e.g. {json.dumps(targets, ensure_ascii=False)}"
            )
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_role_reaches_fits_a_phone_and_passes_axe(
    new_page, live_server, axe_source, username
):
    page = new_page(viewport=PHONE)
    log_in(page, username)
    page.wait_for_url(f"{live_server}/")
    queue, walked, found = deque(["/"]), 0, {}
    while queue and walked < MAX_PAGES_PER_ROLE:
        path = queue.popleft()
        kind = _kind(path)
        if kind in _walked:
            continue
        _walked.add(kind)
        response = page.goto(path)
        walked += 1
        assert response is not None
        assert response.status < 500, f"{path} answered {response.status}"
        problems = _problems_on(page, axe_source, PHONE["width"])
        if problems:
            found[path] = problems
        for href in page.eval_on_selector_all(
            "main a[href], header a[href]", "links => links.map(a => a.getAttribute('href'))"
        ):
            if href.startswith("/") and not href.startswith("//") and not NOT_PAGES.search(href):
                queue.append(href.split("#")[0])
    report = "\n".join(f"{path}:\n  " + "\n  ".join(p) for path, p in found.items())
    assert not found, f"{len(found)} of {walked} pages as {username}:\n{report}"


@pytest.mark.browser
@pytest.mark.parametrize("username", ["admin", "lagerleder", "tekniker"])
def test_the_menu_fits_a_laptop_and_keeps_search_usable(
    new_page, live_server, axe_source, username
):
    """The user with the most roles and the ones with the longest menus: the top bar is
    no wider than the laptop's screen, the search box is wide enough to read a serial
    number, «Logg ut» is whole, and every menu group opens without an axe problem."""
    page = new_page(viewport=LAPTOP)
    log_in(page, username)
    page.wait_for_url(f"{live_server}/")
    bar = page.locator("header nav").bounding_box()
    assert bar["width"] <= LAPTOP["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    search = page.locator("#header-search").bounding_box()
    assert search["width"] >= 180, f"the search box is {search['width']} px"
    logout = page.get_by_role("button", name=nb("Log out"), exact=True).bounding_box()
    assert logout["x"] + logout["width"] <= LAPTOP["width"]
    toggles = page.locator("header .dropdown-toggle")
    for index in range(toggles.count()):
        toggles.nth(index).click()
        menu = page.locator("header .dropdown-menu.show")
        assert menu.count() == 1
        box = menu.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= LAPTOP["width"]
        assert _problems_on(page, axe_source, LAPTOP["width"]) == []
        page.keyboard.press("Escape")
