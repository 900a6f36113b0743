"""The packages depend in one direction, and each declares itself as a module.

The order is the one the README states; an import against it fails here with the
file and the import, before it turns into a circle nobody can untangle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from vftops.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "vftops"


def readme_order() -> list[str]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    line = re.search(r"\*\*Package order: ([^*]+?)\.\*\*", text, re.S)
    assert line, "the README states the package order"
    return [name.strip() for name in re.sub(r"\s+", " ", line.group(1)).split("→")]


def imported_modules(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def test_no_package_imports_one_after_it_in_the_order():
    order = readme_order()
    rank = {name: n for n, name in enumerate(order)}
    against = []
    for package in order:
        for path in sorted((PACKAGE / package).rglob("*.py")):
            for module in imported_modules(path):
                parts = module.split(".")
                if (
                    parts[0] == "vftops"
                    and len(parts) > 1
                    and rank.get(parts[1], -1) > rank[package]
                ):
                    against.append(f"{path.relative_to(PROJECT_ROOT)} imports {module}")
    assert not against, "imports against the package order:\n" + "\n".join(against)


def test_every_package_is_a_declared_module_in_the_stated_order():
    from vftops.modules import MODULES

    order = readme_order()
    assert [m.name for m in MODULES] == order
    packages = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert sorted(order) == [p for p in packages if (PACKAGE / p / "module.py").is_file()]
    assert set(packages) - set(order) <= {"static", "translations"}
