"""Alembic entry point for the audit schema; run via `python -m tncam_mesh.migrate_cli`."""

from alembic import context

from tncam_mesh.migrations import run_migrations_online

run_migrations_online(context.config, schema="audit", target_metadata=None)
