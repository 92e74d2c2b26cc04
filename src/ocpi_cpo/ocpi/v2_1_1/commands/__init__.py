"""OCPI 2.1.1 commands module."""
