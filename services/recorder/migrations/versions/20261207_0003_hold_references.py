"""Legal holds carry the authority's document number (R6); decommissionings carry the
technical department's sign-off beside the machine certificate (Art. 11.4).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "legal_holds",
        sa.Column("document_number", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("legal_holds_placed_at", "legal_holds", ["placed_at"])
    op.add_column(
        "deletion_certificates",
        sa.Column(
            "public_key", sa.LargeBinary(), nullable=False, server_default=sa.text("''::bytea")
        ),
    )
    op.create_table(
        "decommission_signoffs",
        sa.Column(
            "certificate_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey("deletion_certificates.certificate_id"),
            primary_key=True,
        ),
        sa.Column("signer_name", sa.Text(), nullable=False),
        sa.Column("signer_role", sa.Text(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("recorded_by", pg.JSONB(), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("decommission_signoffs")
    op.drop_column("deletion_certificates", "public_key")
    op.drop_index("legal_holds_placed_at", table_name="legal_holds")
    op.drop_column("legal_holds", "document_number")
