"""催办 and published 通报: chaohu_reminders (which unit was reminded of which items, by whom, when, with a note) and
chaohu_bulletins (each 通报 published once, 第 N 期: its month, data as JSON and the xlsx and PDF bytes as published).

Revision ID: 0005
Revises: 0004 (0003 on the branch that wrote it, until merged)
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _has(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if not _has("chaohu_reminders"):
        op.create_table(
            "chaohu_reminders",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("unit", sa.Text, nullable=False),
            sa.Column("items", sa.Text, nullable=False),
            sa.Column("note", sa.Text, nullable=False),
            sa.Column("made_by", sa.Text, nullable=False),
            sa.Column("made_at", sa.DateTime, nullable=False),
        )
        op.create_index("ix_chaohu_reminders_unit", "chaohu_reminders", ["unit"])
    if not _has("chaohu_bulletins"):
        op.create_table(
            "chaohu_bulletins",
            sa.Column("issue", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("month", sa.Text, nullable=False),
            sa.Column("data", sa.Text, nullable=False),
            sa.Column("xlsx", sa.LargeBinary, nullable=False),
            sa.Column("pdf", sa.LargeBinary, nullable=False),
            sa.Column("published_by", sa.Text, nullable=False),
            sa.Column("published_at", sa.DateTime, nullable=False),
        )
        op.create_index("ix_chaohu_bulletins_month", "chaohu_bulletins", ["month"])


def downgrade() -> None:
    for name in ("chaohu_bulletins", "chaohu_reminders"):
        op.drop_table(name)
