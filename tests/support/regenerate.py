"""The one switch that rewrites recorded expectations: ``ZCPS_REGENERATE=1`` (tests/README.md).

With it on, the tests that compare against committed data write what the code produces now instead:
golden report JSON (tests/golden/), the fixture sample with its truth (fixtures/sample/) and recorded OCR
with its stamp (tests/data/ocr/family-clean-mid/, support/recorded_ocr.py). Review the
diff, then commit it. Under ``CI=true`` the switch is refused (tests/test_regenerate.py), so CI always compares.
"""

from __future__ import annotations

import os

SWITCH = "ZCPS_REGENERATE"


def regenerating() -> bool:
    return os.environ.get(SWITCH, "").strip() == "1"
