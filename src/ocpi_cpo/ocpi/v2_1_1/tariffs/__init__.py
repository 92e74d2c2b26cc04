"""OCPI 2.1.1 tariffs module."""
