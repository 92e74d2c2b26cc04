"""The one composition root: create_app(settings, *, clock, storage, transport)."""
