"""The stages of a batch, in order; ``flows/`` runs them with Prefect, the CLI and the benchmarks call them directly.

1. ``document.process_document`` (``read_document`` without a store): one file → ``DocumentResult``
   (stored) → ``DocumentOutcome`` (counts and ``DocumentFingerprint``), under the ledger protocol.
2. ``batch.BatchIndex.duplicate_findings``: every fingerprint → batch-wide findings per applicant.
3. ``applicant.review_applicant``: ``ApplicantRef`` + its findings → ``ReviewOutcome`` (``Review`` stored).
4. ``applicant.release_reviewed``: ``ApplicantRef`` + ``Review`` → ``ReleaseResult`` (masked copy).
5. ``reports.write_batch_reports``: batch + units → ``ReportsOutcome`` (every report written).
"""
