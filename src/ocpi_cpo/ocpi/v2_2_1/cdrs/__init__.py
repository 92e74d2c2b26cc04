"""OCPI 2.2.1 CDRs module (mod_cdrs)."""
