"""Every error class carries the exit code the README gives it, and ``cli.main.main`` exits with it.

The README's table is the specification: the test reads it, so a code added to ``ExitCode`` without a
README line (or the reverse) fails here. Each error class is raised inside a real ``zcps status`` run
(one subprocess for the whole table) and the process exit code is what the README says. The codes no
error class carries are provoked through the real CLI elsewhere: 0 and 2 (tests/test_ops_cli.py, the
batch runs), 1 (tests/test_ops_cli.py, a bug), 4 and 130 (tests/test_cli.py).
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from zcps import errors
from zcps.errors import ExitCode

README = Path(__file__).resolve().parents[1] / "README.md"

EXPECTED = {
    errors.ZcpsError: ExitCode.internal_error,  # E_INTERNAL: a bug
    errors.ConfigError: ExitCode.config_error,
    errors.RulesInvalid: ExitCode.config_error,
    errors.RulesMissing: ExitCode.config_error,
    errors.SpecInvalid: ExitCode.config_error,
    errors.UnknownDocType: ExitCode.config_error,
    errors.ModelsMissing: ExitCode.config_error,
    errors.ResourceMissing: ExitCode.config_error,
    errors.FileSystemError: ExitCode.config_error,
    errors.UnknownBatch: ExitCode.config_error,
    errors.InvalidKey: ExitCode.config_error,
    errors.ObjectNotFound: ExitCode.config_error,
    errors.StoreAccessDenied: ExitCode.config_error,  # the README: "a store that refuses access or writes"
    errors.PseudonymCollision: ExitCode.config_error,  # fixed by setting another ZCPS_PSEUDONYM_KEY
    errors.ReportInputError: ExitCode.config_error,  # an unknown --kind or --format
    errors.StoreUnavailable: ExitCode.store_unavailable,
    errors.WriteConflict: ExitCode.store_unavailable,
    errors.LeaseConflict: ExitCode.files_failed,
    errors.MaskingFailed: ExitCode.files_failed,  # the file was withheld; the others went on
    errors.ReviewInputsIncomplete: ExitCode.files_failed,
    errors.ReportWriteFailed: ExitCode.files_failed,
    errors.StageFailed: ExitCode.files_failed,
    errors.OcrSlotTimeout: ExitCode.files_failed,  # that file fails; `zcps rerun --failed` once slots free
    errors.DecisionsInvalid: ExitCode.files_failed,  # that applicant's review fails; the batch goes on
    errors.InputError: ExitCode.input_error,
    errors.EmptyFile: ExitCode.input_error,
    errors.UnsupportedFileType: ExitCode.input_error,
    errors.CorruptFile: ExitCode.input_error,
    errors.EncryptedPdf: ExitCode.input_error,
    errors.LimitExceeded: ExitCode.input_error,
    errors.ManifestInvalid: ExitCode.input_error,
    errors.WorkbookRefused: ExitCode.input_error,  # another batch's or a committee workbook
}

PROBE = """
import json, sys
from cli import main, status_view
from zcps import errors

codes = {}
for name in sys.argv[2:]:
    def broken(*args, _cls=getattr(errors, name), **kwargs):
        raise _cls("probe")
    status_view.print_status = broken
    sys.argv = ["zcps", "status", "--batch", "2024", "--store", sys.argv[1]]
    try:
        main.main()
    except SystemExit as exc:
        codes[name] = exc.code
print(json.dumps(codes))
"""


def readme_exit_codes() -> set[int]:
    section = README.read_text(encoding="utf-8").split("Exit codes (`zcps.errors.ExitCode`):", 1)[1]
    table = section.split("\n\n", 2)[1]
    return {int(code) for code in re.findall(r"^\| `(\d+)` \|", table, flags=re.MULTILINE)}


def test_the_readme_lists_exactly_the_exit_codes_there_are():
    assert readme_exit_codes() == {code.value for code in ExitCode}


def test_the_table_covers_every_error_class():
    classes = {cls for _, cls in inspect.getmembers(errors, inspect.isclass) if issubclass(cls, errors.ZcpsError)}
    assert classes == set(EXPECTED)


@pytest.fixture(scope="module")
def exit_codes_of_main(tmp_path_factory) -> dict[str, int]:
    store = tmp_path_factory.mktemp("store").as_uri()
    result = subprocess.run([sys.executable, "-c", PROBE, store, *(cls.__name__ for cls in EXPECTED)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("error", "code"), EXPECTED.items(), ids=[cls.__name__ for cls in EXPECTED])
def test_each_error_exits_with_its_code(exit_codes_of_main, error, code):
    assert error.exit_code == code
    assert exit_codes_of_main[error.__name__] == code
