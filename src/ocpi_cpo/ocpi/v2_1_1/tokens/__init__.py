"""OCPI 2.1.1 tokens module."""
