"""The one switch that rewrites recorded expectations: ``ZCPS_REGENERATE=1`` (tests/README.md).

With it on, the tests that compare against committed data write what the code produces now instead:
golden report JSON (tests/golden/) and the fixture sample with its truth (fixtures/sample/). Review the
diff, then commit it. Under ``CI=true`` the switch is refused (tests/test_regenerate.py), so CI always compares.
"""

from __future__ import annotations

import os

SWITCH = "ZCPS_REGENERATE"


def regenerating() -> bool:
    return os.environ.get(SWITCH, "").strip() == "1"
