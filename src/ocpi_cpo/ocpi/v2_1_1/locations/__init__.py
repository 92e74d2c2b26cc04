"""OCPI 2.1.1 locations module."""
