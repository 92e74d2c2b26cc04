"""OCPI 2.2.1 Commands module (mod_commands)."""
