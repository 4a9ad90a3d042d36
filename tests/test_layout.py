"""The direction data flows: page → extraction → archive → exports, never back.

``archive/`` and ``exports/`` are read by Datasette, sqlite-utils and re-extraction without a
crawl, so they must import nothing of ``scraper/`` (nor exports of the archive's users).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: package -> the packages it must never import.
FORBIDDEN = {"archive": ("scraper", "exports"), "exports": ("scraper",)}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages one module imports, at any depth of its code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_never_imports_upstream(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & set(FORBIDDEN[package]))
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}
