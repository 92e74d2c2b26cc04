"""The Alembic history is one line: exactly one head, each revision with one parent after the merge."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from ocpi_cpo.storage.sql.migrate import _config, head_revisions
from ocpi_cpo.storage.sql.revision import quick_head


def test_one_head() -> None:
    assert len(head_revisions()) == 1, f"several heads {sorted(head_revisions())}: revise the head"


def test_linear_after_the_merge() -> None:
    script = ScriptDirectory.from_config(_config())
    merges = [rev.revision for rev in script.walk_revisions() if rev.is_merge_point]
    assert merges == ["0009"], f"merge revisions {merges}: new migrations revise the single head"


def test_file_names_give_the_revision_and_the_head() -> None:
    """``storage.sql.revision`` reads the head from the file names, without Alembic (fast CLI):
    each script ``NNNN_what.py`` must hold revision ``NNNN`` and the highest must be the head."""
    script = ScriptDirectory.from_config(_config())
    for rev in script.walk_revisions():
        assert rev.path is not None
        name = Path(rev.path).name
        assert name.startswith(f"{rev.revision}_"), f"{name} holds revision {rev.revision}"
    assert quick_head() == script.get_current_head()
