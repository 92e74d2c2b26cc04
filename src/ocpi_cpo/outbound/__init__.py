"""Calls to partners: the one outbound transport, the outbox worker, the credentials handshake."""
