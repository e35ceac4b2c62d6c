"""Options several command modules share; the command modules import these, never ``cli.main``."""

from __future__ import annotations

import typer

VERBOSE = typer.Option(False, "--verbose", "-v", help="Show progress logs (never personal data).")
STORE = typer.Option(None, "--store", help="file://DIR or s3://HOST:PORT (default: ZCPS_STORE_URL).")
