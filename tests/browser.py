"""Headless Debian Chromium for report tests (flags as this machine needs them: no background traffic)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"


def chromium(tmp_path: Path, html: str, *args: str, height: int = 3000) -> subprocess.CompletedProcess:
    binary = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if binary is None:
        pytest.skip("headless chromium is not installed (apt install chromium)")
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", f"--window-size=1400,{height}", *args, page.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return result
