"""OCPP 1.6J and 2.0.1 station handlers feeding the services."""
