"""Alembic's entry point for OneScreen's own store: run by access.store.upgrade on the connection it hands over."""
from alembic import context

from access.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table="os_alembic_version",
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
