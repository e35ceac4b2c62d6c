"""A non-editable install (``pip install .``, a wheel) carries every package and every data file the
code reads next to itself: the rules, the document specs, zcps/data and the report templates.

Checked with setuptools' own package finder against pyproject.toml, so a new top-level package (say
``pipeline/``) or a new data folder fails here instead of in the first installed ``zcps`` run.
``fixtures/`` (the generator and the sample batch) and ``tests/`` are used from a clone only.
"""

from __future__ import annotations

import glob
import subprocess
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

REPO = Path(__file__).resolve().parents[1]
CLONE_ONLY = ("fixtures", "tests")


def setuptools_config(pyproject: Path = REPO / "pyproject.toml") -> dict:
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]


def packaged(root: Path, include: list[str]) -> set[str]:
    return set(find_packages(where=str(root), include=include))


def shipped_data(root: Path, packages: set[str], package_data: dict[str, list[str]]) -> set[str]:
    """Repository-relative paths of the data files setuptools puts into the wheel."""
    files = set()
    for package, patterns in package_data.items():
        if package not in packages:
            continue
        folder = root / package.replace(".", "/")
        for pattern in patterns:
            files.update(f"{package.replace('.', '/')}/{name}" for name in glob.glob(pattern, root_dir=folder)
                         if (folder / name).is_file())
    return files


def tracked_data(root: Path, packages: set[str]) -> set[str]:
    """Non-Python files git tracks inside the packaged packages (their nearest package is packaged)."""
    listed = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout
    tops = {package.split(".")[0] for package in packages}
    return {path for path in listed.splitlines() if path.split("/")[0] in tops and "/" in path
            and not path.endswith(".py")}


def test_every_top_level_package_is_packaged():
    include = setuptools_config()["packages"]["find"]["include"]
    tops = {init.parent.name for init in REPO.glob("*/__init__.py")}
    missing = sorted(tops - set(CLONE_ONLY) - packaged(REPO, include))
    assert not missing, f"add {[f'{name}*' for name in missing]} to [tool.setuptools.packages.find] include"
    assert not packaged(REPO, include) & set(CLONE_ONLY)


def test_every_tracked_data_file_is_package_data():
    config = setuptools_config()
    packages = packaged(REPO, config["packages"]["find"]["include"])
    unshipped = sorted(tracked_data(REPO, packages) - shipped_data(REPO, packages, config["package-data"]))
    assert not unshipped, f"add these to [tool.setuptools.package-data]: {unshipped}"


@pytest.mark.parametrize(("include", "package_data", "shipped", "not_shipped"), [
    (["demo*"], {"demo": ["rules/*.yaml"]}, {"demo/rules/2024.yaml"}, {"demo/templates/page.j2"}),
    (["demo*"], {"demo": ["rules/*.yaml", "templates/*"]}, {"demo/rules/2024.yaml", "demo/templates/page.j2"}, set()),
    (["demo*"], {"demo": ["*.yaml"]}, set(), {"demo/rules/2024.yaml"}),  # a glob does not descend into folders
    (["other*"], {"demo": ["rules/*.yaml"]}, set(), {"demo/rules/2024.yaml"}),  # data of an unpackaged package
])
def test_shipped_data_follows_setuptools_globs(tmp_path, include, package_data, shipped, not_shipped):
    for path in ("demo/__init__.py", "demo/rules/2024.yaml", "demo/templates/page.j2"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x", encoding="utf-8")
    files = shipped_data(tmp_path, packaged(tmp_path, include), package_data)
    assert shipped <= files and not files & not_shipped
