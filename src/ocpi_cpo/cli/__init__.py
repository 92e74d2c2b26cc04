"""Command line: serve, db, partners, locations, tariffs, outbox, stations, sim, demo."""
