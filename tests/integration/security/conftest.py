"""The in-process network of the API tests serves here too."""

from tests.integration.api.conftest import network
from tests.integration.security.ownership_support import world

__all__ = ["network", "world"]
