"""``ocpi-cpo --version`` prints the one version the package is built with (issue 22 item 8)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import ocpi_cpo


def test_version_is_the_package_version() -> None:
    script = str(Path(sys.executable).with_name("ocpi-cpo"))
    done = subprocess.run(
        [script, "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"ocpi-cpo {ocpi_cpo.__version__}"
    assert version("ocpi-cpo") == ocpi_cpo.__version__


def test_changelog_names_the_version() -> None:
    changelog = Path(__file__).resolve().parents[3] / "CHANGELOG.md"
    assert f"## {ocpi_cpo.__version__} " in changelog.read_text(encoding="utf-8")
