"""Versions module (configuration): our versions list and version details."""
