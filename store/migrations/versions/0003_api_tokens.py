"""Access tokens for desktop clients (QGIS, ArcGIS): chaohu_api_tokens, the SHA-256 of each token with its account,
who issued it and when, and when it was revoked (store/tokens.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not sa.inspect(op.get_bind()).has_table("chaohu_api_tokens"):
        op.create_table(
            "chaohu_api_tokens",
            sa.Column("token_hash", sa.Text, primary_key=True),
            sa.Column("account", sa.Text, sa.ForeignKey("chaohu_accounts.name", ondelete="CASCADE"), nullable=False),
            sa.Column("created_by", sa.Text, nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("revoked_at", sa.DateTime),
        )
        op.create_index("ix_chaohu_api_tokens_account", "chaohu_api_tokens", ["account"])


def downgrade() -> None:
    op.drop_table("chaohu_api_tokens")
