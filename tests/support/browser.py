"""Headless Debian Chromium for report tests (flags as this machine needs them: no background traffic).

The binary comes from ``zcps.resources``; when it is missing the test is skipped locally, or fails
under ``CI=true``, naming the package (see the skip policy in ``conftest.py``).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from zcps.resources import chromium_path


def chromium(tmp_path: Path, html: str, *args: str, height: int = 3000,
             width: int = 1400) -> subprocess.CompletedProcess:
    binary = chromium_path()
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    command = [str(binary), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},{height}", *args, page.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return result
