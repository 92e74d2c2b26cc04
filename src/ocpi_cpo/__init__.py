"""ocpi-cpo: an OCPI 2.2.1 roaming platform for Charge Point Operators (Gireve IOP ready)."""

__version__ = "0.1.0"
