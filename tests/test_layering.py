"""Imports go downward only: every ``import`` of every module (those inside functions too) is checked
against one layer order, and no two packages, nor two modules of one package, may import each other
through any chain (so ``cli.main`` registers the command modules and none of them imports it back).

The order, bottom to top, is ``LAYERS``; docs/architecture.md ("Layers") describes the same order.
A package may import its own layer's peers and anything lower. A failure names file:line.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Bottom → top. Packages in one tuple share a layer. ``pipeline`` (the stage functions) sits under
# ``flows``, which only sequences them with Prefect; ``fixtures`` is the generator benchmarks may drive.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("zcps",),
    ("storage",),
    ("validators",),
    ("extractors",),
    ("masking", "reports", "review"),
    ("pipeline",),
    ("flows",),
    ("fixtures",),
    ("benchmarks",),
    ("cli",),
)
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}


def imported_modules(source: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, module, names taken from it) of every import in ``source``, at any depth; relative modules
    keep their leading dots (``absolute`` resolves them)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or ""), tuple(a.name for a in node.names)))
    return found


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def absolute(imported: str, importer: str, is_package: bool) -> str:
    level = len(imported) - len(imported.lstrip("."))
    if not level:
        return imported
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join([*base, imported.lstrip(".")] if imported.lstrip(".") else base)


def violations(sources: dict[str, str]) -> list[str]:
    """Every upward import, every cycle between packages and every cycle between modules of one package.

    ``sources`` maps a repository-relative file name (``storage/s3.py``) to its text; only files in a
    package of ``LAYERS`` are checked, and only imports of such packages count."""
    files = {Path(file): text for file, text in sorted(sources.items())
             if Path(file).parts[0] in RANK and file.endswith(".py")}
    modules = {module_name(path, Path(".")) for path in files}
    problems: list[str] = []
    packages: dict[str, dict[str, str]] = defaultdict(dict)  # package → imported package → first file:line
    within: dict[str, dict[str, str]] = defaultdict(dict)  # module → module of the same package → file:line
    for path, text in files.items():
        package, importer = path.parts[0], module_name(path, Path("."))
        for line, imported, names in imported_modules(text):
            target = absolute(imported, importer, path.name == "__init__.py")
            top, where = target.split(".")[0], f"{path.as_posix()}:{line}"
            if top not in RANK:
                continue
            if top == package:
                for name in [f"{target}.{name}" for name in names] or [target]:
                    module = _known_module(name, modules)
                    # a module's own enclosing packages are imported before it anyway
                    if module and module != importer and not importer.startswith(f"{module}."):
                        within[importer].setdefault(module, where)
                continue
            packages[package].setdefault(top, where)
            if RANK[top] > RANK[package]:
                problems.append(f"{where}: {package} (layer {RANK[package]}) imports {target} "
                                f"(layer {RANK[top]}, higher)")
    return problems + _cycles(packages) + _cycles(within)


def _known_module(name: str, modules: set[str]) -> str | None:
    """The module ``name`` refers to: itself, or for ``from pkg import thing`` the closest enclosing module."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _cycles(edges: dict[str, dict[str, str]]) -> list[str]:
    """One message per cycle, naming the file:line of each import on it."""
    found, seen = [], set()
    for start in sorted(edges):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(edges.get(node, {})):
                if nxt == start:
                    cycle = path + [start]
                    key = frozenset(cycle)
                    if key not in seen:
                        seen.add(key)
                        found.append("import cycle " + " → ".join(cycle) + ": " + ", ".join(
                            edges[a][b] for a, b in zip(cycle, cycle[1:])))
                elif nxt not in path:
                    stack.append((nxt, path + [nxt]))
    return found


def repository_sources() -> dict[str, str]:
    return {path.relative_to(REPO).as_posix(): path.read_text(encoding="utf-8")
            for package in RANK for path in sorted((REPO / package).rglob("*.py"))}


def test_every_import_in_the_repository_goes_downward():
    sources = repository_sources()
    assert {"zcps/models.py", "cli/main.py", "storage/factory.py"} <= set(sources), "the walk found the packages"
    assert violations(sources) == []


@pytest.mark.parametrize(("sources", "expected"), [
    # downward and same-layer imports pass
    ({"storage/a.py": "from zcps.models import Field\n", "masking/b.py": "import reports.build\n"}, []),
    # an import a function makes counts as much as one at the top
    ({"zcps/logs.py": "def f():\n    from masking.pseudonym import make_pseudonym\n"},
     ["zcps/logs.py:2: zcps (layer 0) imports masking.pseudonym (layer 4, higher)"]),
    ({"storage/s3.py": "import os\nimport flows.batch as b\n"},
     ["storage/s3.py:2: storage (layer 1) imports flows.batch (layer 6, higher)"]),
    # flows may not reach the CLI; a near miss: a module merely named like a package does not count
    ({"flows/x.py": "from cli.batch import run\n", "flows/y.py": "import click\n"},
     ["flows/x.py:1: flows (layer 6) imports cli.batch (layer 9, higher)"]),
    # a relative import resolves inside its own package
    ({"storage/__init__.py": "from . import s3\n", "storage/s3.py": "from .base import ObjectStore\n"}, []),
    # two peers importing each other: no upward import, still a cycle
    ({"masking/a.py": "def f():\n    import reports.model\n", "reports/b.py": "from masking.detect import x\n"},
     ["import cycle masking → reports → masking: masking/a.py:2, reports/b.py:1"]),
    # a command module importing the app back, even from inside a function
    ({"cli/ops.py": "def f():\n    from cli.main import app\n", "cli/main.py": "from cli import ops\n"},
     ["import cycle cli.main → cli.ops → cli.main: cli/main.py:1, cli/ops.py:2"]),
    # near miss: the app importing its command modules, one way only
    ({"cli/ops.py": "import typer\n", "cli/main.py": "from cli import ops\nfrom cli.options import VERBOSE\n",
      "cli/options.py": ""}, []),
    # a store rebuilding itself through the factory that imports it
    ({"storage/factory.py": "from storage.s3 import S3Store\n",
      "storage/s3.py": "def _rebuild(url):\n    from storage.factory import open_store\n"},
     ["import cycle storage.factory → storage.s3 → storage.factory: storage/factory.py:1, storage/s3.py:2"]),
    # files outside the layered packages (tests, docs) are not checked
    ({"tests/t.py": "import cli.main\n"}, []),
])
def test_the_check_names_each_violation(sources, expected):
    assert violations(sources) == expected
