"""OCPI 2.2.1 Locations module (mod_locations)."""
