"""The simulators' error, alone so that the CLI can name it without loading websockets."""

from __future__ import annotations


class SimError(Exception):
    """The station could not do what the scenario asked (the message says what)."""
