"""OCPI 2.1.1 sessions module."""
