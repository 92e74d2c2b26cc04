"""Credentials module (configuration): registration in both directions."""
