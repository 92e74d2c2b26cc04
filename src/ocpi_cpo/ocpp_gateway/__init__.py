"""OCPP 1.6J and 2.0.1 station handlers feeding the services.

``mount_gateway(app, context, events) -> OcppDriver`` serves stations on the FastAPI app; what they
report goes to ``events`` (``services.ports.StationEvents``), commands go through the returned
driver (``services.ports.StationDriver``).
"""

from ocpi_cpo.ocpp_gateway.driver import OcppDriver
from ocpi_cpo.ocpp_gateway.gateway import mount_gateway

__all__ = ["OcppDriver", "mount_gateway"]
