"""Headless Chromium for the console's end-to-end tests: Debian's ``chromium`` driven by
Playwright (never a browser downloaded by Playwright: ``executable_path`` points at the system's).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """The system Chromium, or None (``OCPI_CPO_CHROMIUM`` may name another)."""
    named = os.environ.get("OCPI_CPO_CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    for candidate in CANDIDATES:
        if Path(candidate).exists():
            return candidate
    found = shutil.which("chromium")
    return found
