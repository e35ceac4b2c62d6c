"""Structured logs: every record carries batch, unit, applicant pseudonym, file and stage as fields.

The fields come from the Prefect run the record was logged in (the task's ``ref`` or
``applicant`` parameter, the task name as the stage, the flow's ``batch`` parameter), or from
``log_context(...)`` outside Prefect. The applicant appears only as the keyed pseudonym of
``masking.pseudonym``: log sinks are read by operators and shipped to log stores, and a name, ID
number or phone must never reach them. ``ZCPS_LOG_FORMAT`` picks JSON lines or ``key=value`` text.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache

from zcps.pseudonym import make_pseudonym
from zcps.settings import get_settings

FIELDS = ("batch", "unit", "applicant", "file", "stage")
# Prefect's own run records carry these; kept so JSON lines still say which run they belong to.
PREFECT_FIELDS = ("flow_run_name", "task_run_name")

_bound: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("zcps_log_fields", default={})


@contextlib.contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Attach fields to every record logged inside the block (``applicant`` is the real id; it is pseudonymised)."""
    token = _bound.set({**_bound.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _bound.reset(token)


@lru_cache(maxsize=4096)
def _pseudonym(secret: str, batch: str, applicant: str) -> str:
    return make_pseudonym(secret, batch, applicant)


def _prefect_fields() -> dict[str, str]:
    context = sys.modules.get("prefect.context")
    if context is None:
        return {}
    fields: dict[str, str] = {}
    flow_run = context.FlowRunContext.get()
    if flow_run is not None and flow_run.flow_run is not None:
        batch = (flow_run.flow_run.parameters or {}).get("batch")
        if isinstance(batch, str):
            fields["batch"] = batch
    task_run = context.TaskRunContext.get()
    if task_run is not None:
        fields["stage"] = task_run.task.name
        parameters = task_run.parameters or {}
        source = parameters.get("ref") or parameters.get("applicant")
        for name in ("batch", "unit", "applicant"):
            value = getattr(source, name, None)
            if isinstance(value, str):
                fields[name] = value
        # A file name can carry a name and an ID number: the field is the key's hash (DocumentRef.log_id).
        if isinstance(getattr(source, "file", None), str):
            fields["file"] = source.log_id
        if isinstance(parameters.get("batch"), str):
            fields["batch"] = parameters["batch"]
    return fields


class ContextFilter(logging.Filter):
    """Adds the FIELDS to each record (never drops one); the applicant becomes its pseudonym."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = {**_prefect_fields(), **_bound.get()}
        # Prefect logs a task's final state after its run context has closed; its record names the task.
        task_name = getattr(record, "task_name", None)
        if "stage" not in fields and isinstance(task_name, str):
            fields["stage"] = task_name
        applicant = fields.pop("applicant", None)
        if applicant is not None and "batch" in fields:
            secret = get_settings().pseudonym_key.get_secret_value()
            fields["applicant"] = _pseudonym(secret, fields["batch"], applicant)
        for name in FIELDS:
            setattr(record, name, fields.get(name))
        return True


def _extra_fields(record: logging.LogRecord) -> dict[str, str]:
    names = FIELDS + PREFECT_FIELDS
    return {name: value for name in names if (value := getattr(record, name, None)) is not None}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                **_extra_fields(record)}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        pairs = " ".join(f"{name}={_quoted(value)}" for name, value in _extra_fields(record).items())
        text = super().format(record)
        return f"{text} {pairs}" if pairs else text


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False) if any(ch in value for ch in ' "=') else value


def make_formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else KeyValueFormatter()


def install(handler: logging.Handler, log_format: str | None = None) -> logging.Handler:
    """Give a handler the zcps formatter and the context filter (once)."""
    handler.setFormatter(make_formatter(log_format or get_settings().log_format))
    if not any(isinstance(f, ContextFilter) for f in handler.filters):
        handler.addFilter(ContextFilter())
    return handler


class ConsoleHandler(logging.StreamHandler):
    """The zcps console handler; Prefect's logging set-up keeps a root handler like this one in place."""


def configure_logging(level: int, log_format: str | None = None) -> None:
    """Format the console with the zcps formatter: ours, or Prefect's if Prefect already set up logging.

    Prefect's flow- and task-run records propagate to the root, so they get the same format and fields.
    """
    root = logging.getLogger()
    consoles = [h for h in root.handlers if isinstance(h, ConsoleHandler) or type(h).__name__ == "PrefectConsoleHandler"]
    if not consoles:
        consoles = [ConsoleHandler(sys.stderr)]
        root.addHandler(consoles[0])
    for handler in consoles:
        install(handler, log_format)
    root.setLevel(min(level, logging.WARNING))
    logging.getLogger("zcps").setLevel(level)
