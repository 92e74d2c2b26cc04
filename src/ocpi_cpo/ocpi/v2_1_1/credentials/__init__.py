"""OCPI 2.1.1 credentials module."""
