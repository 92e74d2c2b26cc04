"""OCPI 2.1.1 cdrs module."""
