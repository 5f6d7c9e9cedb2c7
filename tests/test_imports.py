"""The app's modules depend on each other in one direction: no import cycles, no hidden imports.

A cycle means two modules each need the other, so neither can be read, tested or moved alone,
and which one loads first decides whether the app starts. The graph has an edge for every
import that runs, at module level or inside a function, and for each package whose __init__
Python runs first (importing coachapp.api.schemas runs coachapp/api/__init__.py). Imports
under `if TYPE_CHECKING:` never run and do not count. An import inside a function body hides a
dependency from the reader and was the way to dodge a cycle, so it is refused too, unless
listed below with its reason.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

import coachapp

PACKAGE_DIR = Path(coachapp.__file__).resolve().parent

# Function-level imports of coachapp modules that are on purpose: "module:function" -> why.
# They still count as edges of the graph, so none of them can hide a cycle.
FACTORY = (
    "The app factory assembles the app when it is called, as flaskr's create_app does. Python "
    "runs coachapp/__init__.py before any module of the package, so imported at its top these "
    "would load every view, the API and the CLI for whoever imports one model or helper (a "
    "migration, a unit test), and `python -m coachapp.devserver` (make run) would find the "
    "module it runs already imported through cli.py."
)
LAZY_IMPORTS_ALLOWED: dict[str, str] = {
    "coachapp:create_app": FACTORY,
    "coachapp:_register_blueprints": FACTORY,
}


@dataclass(frozen=True)
class Import:
    """One import statement's resolved target within the package."""

    importer: str
    target: str
    line: int
    function: str | None  # the enclosing function's name, or None at module level
    # Importing a.b.c first runs a/__init__ and a/b/__init__: an edge to each package that
    # is not already running because the importer sits inside it.
    package_init: bool = False


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package under `root` (its directory), by dotted name."""
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join([package, *parts])] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(
    nodes: list[ast.AST], function: str | None = None
) -> Iterator[tuple[ast.Import | ast.ImportFrom, str | None]]:
    """Import statements that run, with the function they sit in (None: module level)."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, function
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _statements(list(node.orelse), function)  # the body never runs
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            name = getattr(node, "name", "<lambda>")
            inner = name if function is None else f"{function}.{name}"
            yield from _statements(list(ast.iter_child_nodes(node)), inner)
        else:
            yield from _statements(list(ast.iter_child_nodes(node)), function)


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module `name` loads: itself, or its longest prefix that is a module of the package."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def package_imports(root: Path, package: str) -> list[Import]:
    """Every import from one module of the package to another, at module or function level."""
    modules = module_names(root, package)
    found: list[Import] = []
    for importer, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for stmt, function in _statements([tree]):
            targets: list[str | None] = []
            if isinstance(stmt, ast.Import):
                targets = [_resolve(alias.name, modules) for alias in stmt.names]
            else:
                if stmt.level:
                    base = importer if is_package else importer.rpartition(".")[0]
                    for _ in range(stmt.level - 1):
                        base = base.rpartition(".")[0]
                    source = f"{base}.{stmt.module}" if stmt.module else base
                else:
                    source = stmt.module or ""
                # `from pkg import name` loads the submodule pkg.name when there is one.
                targets = [
                    f"{source}.{alias.name}"
                    if f"{source}.{alias.name}" in modules
                    else _resolve(source, modules)
                    for alias in stmt.names
                ]
            for target in dict.fromkeys(targets):
                if target is None or target == importer:
                    continue
                found.append(Import(importer, target, stmt.lineno, function))
                package = target.rpartition(".")[0]
                while package and not f"{importer}.".startswith(f"{package}."):
                    found.append(Import(importer, package, stmt.lineno, function, True))
                    package = package.rpartition(".")[0]
    return found


def strongly_connected_components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative), components of more than one module only."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph.get(succ, ())))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def shortest_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One shortest cycle through the component, as a path that returns to its first module."""
    members = set(component)
    best: list[str] = []
    for start in component:
        parents: dict[str, str] = {}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if start in graph[node]:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                cycle = [*reversed(path), start]
                if not best or len(cycle) < len(best):
                    best = cycle
                break
            for succ in sorted(graph[node] & members):
                if succ not in parents and succ != start:
                    parents[succ] = node
                    queue.append(succ)
    return best


def import_cycles(imports: list[Import]) -> list[str]:
    """One line per cycle: 'a -> b -> a', with the line of each import."""
    graph: dict[str, set[str]] = {}
    where: dict[tuple[str, str], str] = {}
    for imp in sorted(imports, key=lambda imp: imp.package_init):  # a direct import first
        graph.setdefault(imp.importer, set()).add(imp.target)
        graph.setdefault(imp.target, set())
        how = f"line {imp.line}" + (", runs the package" if imp.package_init else "")
        where.setdefault((imp.importer, imp.target), how)
    lines = []
    for component in strongly_connected_components(graph):
        cycle = shortest_cycle(graph, component)
        steps = " -> ".join(f"{a} ({where[a, b]})" for a, b in pairwise(cycle))
        lines.append(f"{steps} -> {cycle[0]}  [component of {len(component)}: {component}]")
    return lines


def lazy_imports(imports: list[Import], allowed: dict[str, str]) -> list[str]:
    return sorted(
        f"{imp.importer}:{imp.line} in {imp.function}() imports {imp.target}"
        for imp in imports
        if imp.function is not None
        and not imp.package_init
        and f"{imp.importer}:{imp.function}" not in allowed
    )


@pytest.fixture(scope="module")
def app_imports() -> list[Import]:
    """The app's imports, read once for the three tests below (each module parsed once)."""
    return package_imports(PACKAGE_DIR, "coachapp")


def test_no_import_cycles_between_the_apps_modules(app_imports: list[Import]) -> None:
    cycles = import_cycles(app_imports)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_module_imported_inside_a_function(app_imports: list[Import]) -> None:
    lazy = lazy_imports(app_imports, LAZY_IMPORTS_ALLOWED)
    assert not lazy, "imports inside functions (import at the top instead):\n" + "\n".join(lazy)


def test_every_allowed_lazy_import_still_exists(app_imports: list[Import]) -> None:
    present = {f"{imp.importer}:{imp.function}" for imp in app_imports if imp.function is not None}
    assert set(LAZY_IMPORTS_ALLOWED) <= present


def write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "shop" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "shop"


def test_a_cycle_through_a_package_and_relative_imports_is_named(tmp_path: Path) -> None:
    root = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "orders/__init__.py": "from . import basket\n",
            "orders/basket.py": "from ..prices import rules\n",
            "prices/__init__.py": "",
            "prices/rules.py": "import shop.orders\n",
            "prices/tax.py": "from shop.prices import rules\n",  # into the cycle, not part of it
        },
    )
    cycles = import_cycles(package_imports(root, "shop"))
    assert len(cycles) == 1
    assert cycles[0].startswith("shop.orders (line 1) -> shop.orders.basket (line 1)")
    assert "shop.prices.rules (line 1) -> shop.orders  [component of 3" in cycles[0]


def test_a_cycle_through_a_name_of_a_package_init_is_named(tmp_path: Path) -> None:
    # `from shop.models import Order` loads shop.models (its __init__), not a module `Order`.
    root = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "models/__init__.py": "from shop.models.order import Order\n",
            "models/order.py": "from shop.service import total\nclass Order: ...\n",
            "service.py": "from shop.models import Order\ndef total(): ...\n",
        },
    )
    cycles = import_cycles(package_imports(root, "shop"))
    assert len(cycles) == 1
    assert "shop.service (line 1) -> shop.models" in cycles[0]


def test_a_cycle_through_a_package_init_that_runs_first_is_named(tmp_path: Path) -> None:
    # extensions needs api.schemas, whose package __init__ runs first and needs extensions.
    root = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "api/__init__.py": "from shop.extensions import csrf\n",
            "api/schemas.py": "class ErrorSchema: ...\n",
            "extensions.py": "from shop.api.schemas import ErrorSchema\ncsrf = object()\n",
        },
    )
    assert import_cycles(package_imports(root, "shop")) == [
        "shop.api (line 1) -> shop.extensions (line 1, runs the package) -> shop.api"
        "  [component of 2: ['shop.api', 'shop.extensions']]"
    ]


def test_a_module_importing_its_sibling_does_not_run_its_own_package_again(
    tmp_path: Path,
) -> None:
    root = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "orders/__init__.py": "from shop.orders.views import bp\n",
            "orders/views.py": "from shop.orders import service\nbp = object()\n",
            "orders/service.py": "import shop.orders.rules\n",
            "orders/rules.py": "",
        },
    )
    assert import_cycles(package_imports(root, "shop")) == []


def test_type_checking_imports_do_not_count_and_function_imports_are_listed(
    tmp_path: Path,
) -> None:
    root = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from shop import b\n"
                "else:\n"
                "    import json\n"
            ),
            "b.py": "def f():\n    from shop.a import x\n    return x\n",
            "c.py": "import typing\nif typing.TYPE_CHECKING:\n    import shop.b\n",
        },
    )
    imports = package_imports(root, "shop")
    assert import_cycles(imports) == []  # a -> b exists only for the type checker
    assert lazy_imports(imports, {}) == ["shop.b:2 in f() imports shop.a"]
    assert lazy_imports(imports, {"shop.b:f": "why"}) == []
    # Hidden in a function, the cycle is still one.
    (root / "a.py").write_text("from shop import b\n", encoding="utf-8")
    assert len(import_cycles(package_imports(root, "shop"))) == 1
