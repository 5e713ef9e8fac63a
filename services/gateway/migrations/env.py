"""Alembic entry point for the gateway schema; run via `python -m tncam_mesh.migrate_cli`."""

from alembic import context

from tncam_mesh.migrations import run_migrations_online

run_migrations_online(context.config, schema="gateway", target_metadata=None)
