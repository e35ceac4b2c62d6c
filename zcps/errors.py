"""Every error zcps reports, typed, with a stable code and a message that says how to fix it.

Modelled on OCRmyPDF's ``exceptions.py``: the code goes into the ledger and the reports,
the message is for the operator. ``transient`` tells the flow whether a retry can help, and
``exit_code`` is what the ``zcps`` process exits with when the error ends a command (the README's
table); subclasses inherit their parent's.
Messages never contain personal data: name the file key, never the applicant.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the ``zcps`` CLI (documented in the README)."""

    ok = 0
    internal_error = 1
    files_failed = 2
    config_error = 3
    input_error = 4
    store_unavailable = 5
    interrupted = 130


class ZcpsError(Exception):
    code: str = "E_INTERNAL"
    exit_code: ExitCode = ExitCode.internal_error  # a bug
    transient: bool = False
    hint: str = "This is a bug in zcps; report it with the file key and the log."

    def __init__(self, detail: str = "", *, hint: str | None = None):
        self.detail = detail
        if hint is not None:
            self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.detail} — {self.hint}" if self.detail else self.hint

    def __reduce__(self):
        return (_rebuild, (type(self), self.detail, self.hint))


def _rebuild(cls, detail, hint):
    return cls(detail, hint=hint)


class ConfigError(ZcpsError):
    code = "E_CONFIG"
    exit_code = ExitCode.config_error
    hint = "Check the ZCPS_* environment variables (see README, 'Configuration')."


class RulesInvalid(ConfigError):
    code = "E_RULES"
    hint = "The rules file named above is invalid; fix the YAML at the place named (docs/rules.md)."


class RulesMissing(RulesInvalid):
    """The batch's year has no rules file: raised before any file of the batch is read."""

    code = "E_RULES_MISSING"
    hint = ("No rules file validators/rules/{year}.yaml for this batch's year. Add that year's file (docs/rules.md, "
            "'Adding a year') or map the batch to an existing year with ZCPS_RULES_YEARS='{\"BATCH\": \"2024\"}'.")


class SpecInvalid(ConfigError):
    code = "E_SPEC"
    hint = ("A document-type spec under extractors/specs/ is invalid or registered twice; fix the YAML at the "
            "place named above (one file per document type).")


class UnknownDocType(ConfigError):
    code = "E_UNKNOWN_DOC_TYPE"
    hint = "No spec is registered for this document type; add extractors/specs/<doc_type>.yaml."


class ModelsMissing(ConfigError):
    code = "E_MODELS_MISSING"
    hint = "Run `zcps models install` (the README's set-up command does it)."


class ResourceMissing(ConfigError):
    """A font, program or server zcps uses from outside its virtual environment is not installed."""

    code = "E_RESOURCE_MISSING"
    hint = ("Install what is named above; `scripts/setup.sh --test` installs every system resource "
            "(they are listed in zcps/resources.py) and `zcps doctor` checks them.")


class InvalidKey(ZcpsError):
    code = "E_BAD_KEY"
    exit_code = ExitCode.config_error  # a key given on the command line, e.g. `zcps rerun KEY`
    hint = ("Object keys are relative paths of non-empty segments without '..', '\\', NUL "
            "or a leading '/'; rename the object.")


class ObjectNotFound(ZcpsError):
    code = "E_NOT_FOUND"
    exit_code = ExitCode.config_error  # a wrong batch name or an unfinished upload
    hint = "Check the batch name and that the intake upload finished."


class StoreUnavailable(ZcpsError):
    code = "E_STORE_UNAVAILABLE"
    exit_code = ExitCode.store_unavailable
    transient = True
    hint = "The object store did not answer; check ZCPS_STORE_URL and that the server is up, then `zcps rerun --failed`."


class FileSystemError(ConfigError):
    code = "E_IO"
    hint = "Check the path named above: that it exists and that this user may read or write it."


class UnknownBatch(ConfigError):
    code = "E_UNKNOWN_BATCH"
    hint = "Check --batch against the batches listed above (the folders under intake/)."


class StoreAccessDenied(ZcpsError):
    code = "E_STORE_DENIED"
    exit_code = ExitCode.config_error  # the README: "a store that refuses access or writes"
    hint = ("The object store refused the credentials or the operation; check ZCPS_S3_ACCESS_KEY / "
            "ZCPS_S3_SECRET_KEY and that the account may read and write the zcps buckets.")


class LeaseConflict(ZcpsError):
    code = "E_LEASE_HELD"
    exit_code = ExitCode.files_failed
    transient = True
    hint = "Another worker holds this file; it is retried once that worker's lease goes stale."


class WriteConflict(ZcpsError):
    code = "E_WRITE_CONFLICT"
    exit_code = ExitCode.store_unavailable  # only after its retries: other writers keep the object busy
    transient = True
    hint = "Another worker changed the object between this worker's read and write; read it again and retry."


class OcrSlotTimeout(ZcpsError):
    code = "E_OCR_SLOT_TIMEOUT"
    exit_code = ExitCode.files_failed  # not transient: a slot stuck this long is not freed by a retry soon
    hint = ("No OCR slot came free within ZCPS_OCR_SLOT_WAIT_SECONDS. Check the limit with "
            "`prefect gcl inspect ocr`: slots held by a run that died stay counted on a standing server "
            "until their lease expires; then `zcps rerun --failed` (docs/operations.md).")


class InputError(ZcpsError):
    """A problem with one submitted file: deterministic, never retried."""

    code = "E_INPUT"
    exit_code = ExitCode.input_error
    hint = "Ask the applicant's unit to re-upload the file."


class EmptyFile(InputError):
    code = "E_EMPTY_FILE"
    hint = "The file has zero bytes; ask the unit to re-upload it."


class UnsupportedFileType(InputError):
    code = "E_UNSUPPORTED_TYPE"
    hint = "Only PDF, JPEG, PNG and TIFF are accepted; ask the unit to re-scan the document as one of these."


class CorruptFile(InputError):
    code = "E_CORRUPT_FILE"
    hint = "The file cannot be decoded; ask the unit to re-export or re-scan it."


class EncryptedPdf(InputError):
    code = "E_ENCRYPTED_PDF"
    hint = "The PDF is password-protected; ask the unit for an unprotected copy."


class LimitExceeded(InputError):
    code = "E_LIMIT"
    hint = ("The file exceeds a safety limit (ZCPS_MAX_IMAGE_PIXELS / ZCPS_MAX_PAGES); "
            "ask for a smaller scan or raise the limit deliberately.")


class ManifestInvalid(InputError):
    code = "E_MANIFEST"
    hint = "Fix manifest.json at the field named above (schema zcps.manifest/1) and re-run the applicant."


class MaskingFailed(ZcpsError):
    code = "E_MASK_VERIFY"
    exit_code = ExitCode.files_failed  # the file was withheld
    hint = "Personal data survived masking; the document was withheld. Mask it by hand and release it manually."


class ReportInputError(ZcpsError):
    code = "E_REPORT_INPUT"
    exit_code = ExitCode.config_error  # an unknown --kind or --format
    hint = ("The report inputs are inconsistent; rebuild the reviews (and, for the committee kind, "
            "the pseudonym map) with `zcps report` after the batch finished.")


class ReviewInputsIncomplete(ZcpsError):
    code = "E_REVIEW_INPUTS"
    exit_code = ExitCode.files_failed
    hint = ("Not every document of the applicant has a readable result, so the review was left as it was "
            "rather than rebuilt from a subset; run `zcps run --batch B` so every document is processed.")


class ReportWriteFailed(ZcpsError):
    code = "E_REPORT_WRITE"
    exit_code = ExitCode.files_failed
    hint = "This report (or one of its formats) could not be written; the others were. Re-run `zcps report`."


class StageFailed(ZcpsError):
    code = "E_STAGE"
    exit_code = ExitCode.files_failed
    hint = "A stage of this applicant failed unexpectedly; the rest of the batch went on. Re-run `zcps run --batch B`."


class PseudonymCollision(ZcpsError):
    code = "E_PSEUDONYM_COLLISION"
    exit_code = ExitCode.config_error  # fixed by another ZCPS_PSEUDONYM_KEY
    hint = ("Two applicants of this batch hash to the same pseudonym; set a different ZCPS_PSEUDONYM_KEY "
            "for the batch and release it again.")


class DecisionsInvalid(ZcpsError):
    code = "E_DECISIONS"
    exit_code = ExitCode.files_failed  # a failure of that applicant's review; the batch goes on
    hint = ("A stored decisions object (results/{batch}/decisions/…) is unreadable; it was left in place. Restore "
            "it from a backup or re-import the reviewers' workbook with `zcps decisions import`.")


class WorkbookRefused(InputError):
    code = "E_WORKBOOK"
    hint = ("Import the findings workbook of this batch as `zcps decisions export` or `zcps report` wrote it "
            "(sheet 问题清单 with its 指纹 column).")


def error_code(exc: BaseException) -> str:
    return exc.code if isinstance(exc, ZcpsError) else ZcpsError.code
