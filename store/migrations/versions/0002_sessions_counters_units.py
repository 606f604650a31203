"""Sessions that last, login limits that hold, accounts bound to a unit.

- chaohu_login_sessions: the session cookie's token hash with the account, created, last seen and client (replaces
  chaohu_sessions, whose tokens lived in one tab's memory: those logins end, as a restart ended them before);
- chaohu_login_counters: the atomic per account+client / client / account counters of password checks (replaces the
  read-then-write chaohu_login_failures rows);
- chaohu_account_units: the lead unit a 填报 account reports for.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _has(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if not _has("chaohu_login_sessions"):
        op.create_table(
            "chaohu_login_sessions",
            sa.Column("token_hash", sa.Text, primary_key=True),
            sa.Column("account", sa.Text, sa.ForeignKey("chaohu_accounts.name", ondelete="CASCADE"), nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("last_seen_at", sa.DateTime, nullable=False),
            sa.Column("client", sa.Text, nullable=False),
        )
        op.create_index("ix_chaohu_login_sessions_account", "chaohu_login_sessions", ["account"])
    if not _has("chaohu_login_counters"):
        op.create_table(
            "chaohu_login_counters",
            sa.Column("key", sa.Text, primary_key=True),
            sa.Column("window_start", sa.DateTime, nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
        )
    if not _has("chaohu_account_units"):
        op.create_table(
            "chaohu_account_units",
            sa.Column("account", sa.Text, sa.ForeignKey("chaohu_accounts.name", ondelete="CASCADE"), primary_key=True),
            sa.Column("unit", sa.Text, nullable=False),
        )
    for old in ("chaohu_sessions", "chaohu_login_failures"):
        if _has(old):
            op.drop_table(old)


def downgrade() -> None:
    for name in ("chaohu_account_units", "chaohu_login_counters", "chaohu_login_sessions"):
        op.drop_table(name)
