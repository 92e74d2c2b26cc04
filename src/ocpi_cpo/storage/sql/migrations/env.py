"""Alembic environment: run with the connection that ``ocpi_cpo.storage.sql.migrate`` hands in."""

from __future__ import annotations

from alembic import context

from ocpi_cpo.storage.sql.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with 'ocpi-cpo db upgrade', which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
