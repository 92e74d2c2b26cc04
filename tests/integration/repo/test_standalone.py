"""The repository stands alone: a clone in an empty folder collects the whole suite.

Users clone the repository by itself; nothing in it may read a file beside it. The test clones the
committed tree (what CI and users get) into an empty temporary folder and collects the tests there
with that clone's sources first on the path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import ROOT


def test_a_clone_in_an_empty_folder_collects_every_test(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: nothing to clone")
    clone = tmp_path / "alone" / "ocpi-cpo"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert sorted(p.name for p in (tmp_path / "alone").iterdir()) == ["ocpi-cpo"]
    env = {**os.environ, "PYTHONPATH": str(clone / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "error" not in done.stdout.lower().splitlines()[-1], done.stdout[-2000:]
    assert " tests collected" in done.stdout or "tests collected" in done.stdout


def test_nothing_reads_or_links_outside_the_repository() -> None:
    """No file names a folder that sits beside this checkout (a user's clone has none)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    beside = sorted(p for p in ROOT.parent.iterdir() if p.is_dir() and p != ROOT)
    if not beside:
        pytest.skip("no folder beside the checkout to look for")
    patterns: list[str] = []
    for folder in beside:
        patterns += ["-e", f"../{folder.name}/", "-e", f"{folder}/"]
    outside = subprocess.run(
        ["git", "grep", "-l", "-F", *patterns, "--", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert outside == []
