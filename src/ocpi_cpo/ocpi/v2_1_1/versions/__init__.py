"""OCPI 2.1.1 versions module."""
