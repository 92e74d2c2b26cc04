"""OCPI 2.2.1 Sessions module (mod_sessions)."""
