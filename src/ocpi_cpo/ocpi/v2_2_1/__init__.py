"""OCPI 2.2.1: one package per module (schemas, mapping, server, client) and the MODULES registry."""
