"""The in-process network of the API tests serves here too."""

from tests.integration.api.conftest import network

__all__ = ["network"]
