"""The Alembic history is one line: exactly one head, each revision with one parent after the merge."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from ocpi_cpo.storage.sql.migrate import _config, head_revisions


def test_one_head() -> None:
    assert len(head_revisions()) == 1, f"several heads {sorted(head_revisions())}: revise the head"


def test_linear_after_the_merge() -> None:
    script = ScriptDirectory.from_config(_config())
    merges = [rev.revision for rev in script.walk_revisions() if rev.is_merge_point]
    assert merges == ["0009"], f"merge revisions {merges}: new migrations revise the single head"
