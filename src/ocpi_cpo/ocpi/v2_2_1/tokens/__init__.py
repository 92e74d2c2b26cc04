"""OCPI 2.2.1 Tokens module (mod_tokens)."""
