"""Connection report notes written by a person over the generated note of a commune.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
CREATE TABLE report_notes (
    commune_code  text PRIMARY KEY REFERENCES communes (code),
    note          text NOT NULL CHECK (length(note) BETWEEN 1 AND 2000),
    updated_by    text NOT NULL,
    updated_at    timestamptz NOT NULL
);
"""

DOWNGRADE = """
DROP TABLE report_notes;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
