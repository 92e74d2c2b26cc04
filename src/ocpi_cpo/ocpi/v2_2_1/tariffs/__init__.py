"""OCPI 2.2.1 Tariffs module (mod_tariffs), with the Gireve per-eMSP extension."""
