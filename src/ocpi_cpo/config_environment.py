"""``OCPI_CPO_*`` environment variables over the settings file, read by pydantic-settings.

Imported by :func:`ocpi_cpo.config.load_settings` only when a variable names a setting (or a key
of the file is not a setting's exact name): importing pydantic-settings costs about 50 ms of CPU
here, and most commands run without such a variable (docs/architecture.md, "A fast CLI").
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ocpi_cpo.config import ENV_NESTED_DELIMITER, ENV_PREFIX, Settings


class EnvironmentSettings(BaseSettings, Settings):
    """:class:`~ocpi_cpo.config.Settings` with the environment over the file."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        extra="forbid",
        frozen=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment variables override the file, whose values arrive as init arguments.
        return (env_settings, init_settings)
