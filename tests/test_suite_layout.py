"""The suite's scheduling lists in tests/conftest.py name tests that exist: a renamed module
or test would otherwise silently lose its `slow` mark or its early start."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import LONG_MODULES, SLOW_MODULES

TESTS = Path(__file__).parent


def test_every_listed_module_and_test_exists() -> None:
    functions: dict[str, set[str]] = {}  # module file name: its functions (in any folder)
    for path in TESTS.rglob("test_*.py"):
        tree = ast.parse(path.read_text())
        found = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        functions.setdefault(path.name, set()).update(found)
    missing = []
    for entry in sorted(SLOW_MODULES | LONG_MODULES):
        name, _, test = entry.partition("::")
        if name not in functions or (test and test not in functions[name]):
            missing.append(entry)
    assert not missing, f"tests/conftest.py lists tests that do not exist: {missing}"
