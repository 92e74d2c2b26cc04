"""The admin token: from the settings, the environment or ``admin_token_file``; only its SHA-256
digest is kept and compared (config.admin_token_matches)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from ocpi_cpo.config import SettingsError, admin_token_matches, load_settings

TOKEN = "admin-token-from-a-file-0123456789"


def test_the_token_is_kept_only_as_its_digest(tmp_path: Path) -> None:
    settings = load_settings(admin_token=TOKEN)
    assert settings.admin_token is None
    assert settings.admin_token_sha256 == hashlib.sha256(TOKEN.encode()).hexdigest()
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert TOKEN not in shown
    assert admin_token_matches(settings, TOKEN)
    assert not admin_token_matches(settings, TOKEN + "x")
    assert not admin_token_matches(load_settings(), TOKEN)  # no admin token: nobody matches


def test_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "admin.token"
    path.write_text(f"  {TOKEN}\n")
    settings = load_settings(admin_token_file=str(path))
    assert admin_token_matches(settings, TOKEN) and settings.admin_token is None


def test_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCPI_CPO_ADMIN_TOKEN", TOKEN)
    assert admin_token_matches(load_settings(), TOKEN)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"admin_token": "short"}, "admin_token: expected at least 16 characters"),
        ({"admin_token_file": "/nonexistent/token"}, "admin_token_file: cannot read"),
        ({"admin_token_file": "EMPTY"}, "is empty"),
        ({"admin_token_file": "FILE", "admin_token": TOKEN}, "set only one of them"),
        ({"admin_token_sha256": "not-hex"}, "admin_token_sha256"),
    ],
)
def test_bad_settings_say_what_to_fix(
    tmp_path: Path, settings: dict[str, str], expected: str
) -> None:
    (tmp_path / "empty").write_text("\n")
    (tmp_path / "file").write_text(TOKEN)
    paths = {"EMPTY": str(tmp_path / "empty"), "FILE": str(tmp_path / "file")}
    given: dict[str, Any] = {k: paths.get(v, v) for k, v in settings.items()}
    with pytest.raises(SettingsError) as refused:
        load_settings(**given)
    text = " ".join(refused.value.lines)
    assert expected in text and TOKEN not in text
