"""``zcps bench …``: each command calls one benchmark of the ``benchmarks`` package and prints its numbers."""

from __future__ import annotations

from typing import Optional

import typer

from cli.options import VERBOSE

bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks that print numbers.")

SAMPLE_DIR = "fixtures/sample"
SAMPLE = typer.Option(SAMPLE_DIR, "--fixtures", help="Fixture batch with truth/ beside intake/.")


@bench_app.command("extraction")
def bench_extraction(
        fixtures: str = SAMPLE,
        holdout_layouts: bool = typer.Option(False, "--holdout-layouts",
                                             help="Also score the layout family: tuning and held-out layouts."),
        work: Optional[str] = typer.Option(None, "--work-dir", help="OCR cache and rendered family "
                                           "(default ~/.cache/zcps/bench-ocr)."),
        per_layout: int = typer.Option(2, "--per-layout", help="Documents rendered per layout."),
        xfund: Optional[str] = typer.Option(None, "--xfund", envvar="ZCPS_XFUND_DIR",
                                            help="XFUND zh_train folder for date recall on real forms."),
        xfund_limit: Optional[int] = typer.Option(None, "--xfund-limit", help="Score only the first N XFUND pages."),
        split: list[str] = typer.Option([], "--split", help="With --holdout-layouts: score only these splits "
                                        "(sample, tuning, held_out, new_held_out); repeatable. Default: all."),
        verbose: bool = VERBOSE) -> None:
    """Document-type accuracy, exact-match accuracy per field family and OCR CER on the fixtures."""
    from cli import runtime

    runtime.configure(verbose)
    if holdout_layouts:
        from benchmarks.extraction_holdout import run_holdout_bench

        from benchmarks.extraction_holdout import SPLITS

        try:
            report = run_holdout_bench(fixtures, work=work, per_layout=per_layout, xfund=xfund,
                                       xfund_limit=xfund_limit, only=tuple(split) or SPLITS)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--split") from exc
        typer.echo(report.table())
        return
    from benchmarks.extraction import run_extraction_bench

    typer.echo(run_extraction_bench(fixtures).table())


@bench_app.command("review")
def bench_review(fixtures: list[str] = typer.Option([], "--fixtures",
                                                    help="Fixture tree (intake/ + truth/); repeatable. "
                                                         "Default: the sample batch. Add unseen-layout trees here."),
                 source: str = typer.Option("truth,ocr", "--source",
                                            help="truth (fixture truth as readings) and/or ocr (real OCR, cached)."),
                 verbose: bool = VERBOSE) -> None:
    """Verdict confusion matrix, false blocks, review rate on eligible and every doubtful block."""
    from cli import runtime

    runtime.configure(verbose)
    from benchmarks.review import run_review_bench

    for tree in fixtures or [SAMPLE_DIR]:
        for kind in [s.strip() for s in source.split(",") if s.strip()]:
            if kind not in ("truth", "ocr"):
                raise typer.BadParameter(f"unknown source {kind!r}: use truth or ocr", param_hint="--source")
            typer.echo(run_review_bench(tree, source=kind).table())


@bench_app.command("masking")
def bench_masking(fixtures: str = SAMPLE, mode: Optional[str] = typer.Option(None, "--verify-mode"),
                  holdout_layouts: bool = typer.Option(
                      False, "--holdout-layouts", help="Also score layouts masking was never tuned on, side by side."),
                  layouts: Optional[str] = typer.Option(
                      None, "--layouts", help="Held-out fixture batch (intake/ + truth/) instead of rendering "
                                              "fixtures/generator/holdout.py's layouts."),
                  limit: Optional[int] = typer.Option(None, "--limit", help="At most this many documents per batch."),
                  ocr_cache: bool = typer.Option(
                      False, "--ocr-cache", help="Read each document's first OCR from the extraction benchmark's "
                                                 "cache (~/.cache/zcps/bench-ocr); OCR speed is then not measured."),
                  verbose: bool = VERBOSE) -> None:
    """PII recall/precision per type, redaction coverage, protected fields masked, dossier time."""
    from cli import runtime

    runtime.configure(verbose)
    from benchmarks.extraction import DEFAULT_CACHE
    from benchmarks.masking import run_holdout_bench, run_mask_bench
    from storage.local import LocalStore

    cache = LocalStore(DEFAULT_CACHE) if ocr_cache else None
    if holdout_layouts or layouts:
        typer.echo(str(run_holdout_bench(fixtures, layouts, verify_mode=mode, limit=limit, ocr_cache=cache)))
    else:
        typer.echo(str(run_mask_bench(fixtures, verify_mode=mode, limit=limit, ocr_cache=cache)))


@bench_app.command("verify")
def bench_verify(fixtures: str = SAMPLE, pages: int = typer.Option(12, "--pages", help="Released pages to check."),
                 verbose: bool = VERBOSE) -> None:
    """Seconds per released page of the masking re-OCR check per mode (regions, page, full) and of
    the PDF text-layer spot OCR, on the same pages."""
    from cli import runtime

    runtime.configure(verbose)
    from benchmarks.verify_cost import run_verify_bench

    typer.echo(run_verify_bench(fixtures, pages=pages).table())


@bench_app.command("pipeline")
def bench_pipeline(pages: int = typer.Option(20, "--pages", help="Scanned pages to measure (whole applicants)."),
                   out: str = typer.Option("bench-pipeline.json", "--out", help="Where to write the JSON."),
                   scale: str = typer.Option("10,100,500", "--scale",
                                             help="Batch sizes for time per applicant; empty to skip."),
                   fixtures: str = SAMPLE, seed: int = typer.Option(2024, "--seed", help="Generator seed for --scale."),
                   verbose: bool = VERBOSE) -> None:
    """OCR, pipeline, masking, digital-PDF, re-run and scale throughput on the same pages; prints and writes JSON."""
    from pathlib import Path

    from cli import runtime

    runtime.configure(verbose)
    from benchmarks.pipeline import run_pipeline_bench

    sizes = [int(size) for size in scale.split(",") if size.strip()]
    result = run_pipeline_bench(pages=pages, scale=sizes, fixtures=fixtures, seed=seed, out=Path(out))
    typer.echo(result.table())
    typer.echo(f"wrote {out}")


@bench_app.command("ocr")
def bench_ocr(fixtures: str = SAMPLE,
              docs: int = typer.Option(10, "--docs", help="Scanned documents of the fixture batch to read."),
              candidate: Optional[list[str]] = typer.Option(
                  None, "--candidate", help="Engine settings as key=value,… (repeat); default: the built-in list."),
              no_candidates: bool = typer.Option(False, "--no-candidates", help="Only the memory curve."),
              rss_pages: str = typer.Option("", "--rss-pages", help="e.g. 20,100,500: one worker's memory curve."),
              rss_candidate: Optional[str] = typer.Option(None, "--rss-candidate",
                                                          help="Settings of the memory curve (default: ZCPS_OCR_*)."),
              out: str = typer.Option("bench-ocr.json", "--out", help="Where to write the JSON."),
              verbose: bool = VERBOSE) -> None:
    """OCR engine settings side by side on the same scans: pages/s, CPU s/page, peak RSS, CER, field accuracy."""
    from pathlib import Path

    from cli import runtime

    runtime.configure(verbose)
    from benchmarks.ocr_settings import DEFAULT_CANDIDATES, run_ocr_bench

    candidates = [] if no_candidates else list(candidate or DEFAULT_CANDIDATES)
    checkpoints = [int(part) for part in rss_pages.split(",") if part.strip()]
    bench = run_ocr_bench(Path(fixtures), candidates, docs, checkpoints, rss_candidate, out=Path(out))
    typer.echo(bench.table())
    typer.echo(f"wrote {out}")


@bench_app.command("preprocess")
def bench_preprocess(pages: int = typer.Option(3, "--pages", min=1, help="Certificates to draw and degrade."),
                     variants: list[str] = typer.Option([], "--variant",
                                                        help="Degradation to measure; repeatable. Default: all."),
                     fixtures: Optional[str] = typer.Option(
                         None, "--fixtures", help="Read this fixture batch (intake/ + truth/) instead of drawn pages."),
                     docs: int = typer.Option(12, "--docs", min=1, help="Image documents read with --fixtures."),
                     verbose: bool = VERBOSE) -> None:
    """CER, date hits and seconds per page with every preprocessing step on, one switched off, and none."""
    from cli import runtime

    runtime.configure(verbose)
    from benchmarks.preprocess import VARIANTS, run_fixture_preprocess_bench, run_preprocess_bench

    unknown = [name for name in variants if name not in VARIANTS]
    if unknown:
        raise typer.BadParameter(f"unknown {', '.join(unknown)}: use {', '.join(VARIANTS)}", param_hint="--variant")
    if fixtures:
        typer.echo(run_fixture_preprocess_bench(fixtures, limit=docs).table())
    else:
        typer.echo(run_preprocess_bench(pages=pages, variants=variants or None).table())


@bench_app.command("scale")
def bench_scale(applicants: str = typer.Option("500,2000,5000", "--applicants", help="Batch sizes, comma-separated."),
                stores: str = typer.Option("local,s3", "--stores", help="local, s3 (a loopback rclone server), or both."),
                seed: int = typer.Option(2024, "--seed", help="Generator seed."),
                out: str = typer.Option("bench-scale.json", "--out", help="Where to write the JSON."),
                generated: Optional[str] = typer.Option(None, "--generated",
                                                        help="An existing fixtures.generator tree to use."),
                unique: Optional[int] = typer.Option(None, "--unique",
                                                     help="Applicants to generate (default: the largest size); "
                                                          "larger sizes repeat them under new ids."),
                verbose: bool = VERBOSE) -> None:
    """Per applicant: wall and flow seconds, flow-process peak RSS, listing/ledger/status/review/report
    times, Prefect task and flow runs, store requests, report sizes; cached OCR recorded from the
    generator's truth, so it measures orchestration, store and report cost, not OCR."""
    import json
    from pathlib import Path

    from cli import runtime

    runtime.configure(verbose)
    from benchmarks.scale_model import table
    from benchmarks.scale_run import run_scale_bench

    sizes = [int(size) for size in applicants.split(",") if size.strip()]
    def write(runs) -> None:  # after every point, so a run stopped at its deadline keeps the points it made
        Path(out).write_text(json.dumps([run.model_dump() for run in runs], indent=2), encoding="utf-8")

    runs = run_scale_bench(sizes, stores=tuple(kind.strip() for kind in stores.split(",") if kind.strip()), seed=seed,
                           generated=Path(generated) if generated else None, unique=unique, on_point=write)
    write(runs)
    typer.echo(table(runs, sizes))
    typer.echo(f"wrote {out}")
