"""Whether the tests run under CI (``CI=true``): missing resources fail instead of skipping there."""

from __future__ import annotations

import os


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
