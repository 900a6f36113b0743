"""The README stays true: its role matrix and demo users match the code."""

from __future__ import annotations

from pathlib import Path

import vftops.modules  # noqa: F401  (the modules declare their permissions)
from vftops.core.permissions import Role, declared_permissions, role_permissions
from vftops.demo import DEMO_PASSWORD, DEMO_USERS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_readme_role_matrix_matches_the_code():
    """A newcomer reading the role table in the README sees what the code enforces."""
    lines = [line for line in README.splitlines() if line.startswith("| permission |")]
    assert lines, "README has no role matrix"
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header[1:] == [r.value for r in Role]
    rows = {}
    for line in README.splitlines():
        if line.startswith("| `") and "`" in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            name = cells[0].strip("`")
            if name in {p.value for p in declared_permissions()}:
                rows[name] = cells[1:]
    assert set(rows) == {p.value for p in declared_permissions()}
    matrix = role_permissions()
    for permission in declared_permissions():
        for role, cell in zip(Role, rows[permission.value], strict=True):
            assert (cell == "✓") == (permission in matrix[role]), (permission, role)


def test_readme_lists_the_demo_users_and_password():
    """The demo users and password printed by `make run` are the ones in the README."""
    for username, *_ in DEMO_USERS:
        assert f"| `{username}` |" in README, username
    assert DEMO_PASSWORD in README
    assert "make run" in README
    assert "make test" in README
