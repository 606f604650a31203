"""Reports are reviewed before they count, and carry evidence.

- chaohu_progress_reviews: a batch's review by the office (accepted, or returned with a reason); a batch without one is
  待审核. Every batch already in the store counted before this revision, so each is recorded as accepted here.
- chaohu_progress_evidence: photos and PDFs attached to a report, their bytes in the store (never a path).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Who the migration records as the reviewer of the batches that counted before reviews existed.
EARLIER = "迁移（审核前已计入）"


def _has(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if not _has("chaohu_progress_reviews"):
        reviews = op.create_table(
            "chaohu_progress_reviews",
            sa.Column("batch", sa.Text, primary_key=True),
            sa.Column("state", sa.Text, nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("reviewed_by", sa.Text, nullable=False),
            sa.Column("reviewed_at", sa.DateTime, nullable=False),
        )
        if _has("chaohu_progress"):
            batches = op.get_bind().execute(sa.text("SELECT DISTINCT batch FROM chaohu_progress")).scalars().all()
            if batches:
                now = datetime.now(UTC).replace(tzinfo=None)
                op.bulk_insert(reviews, [{"batch": b, "state": "accepted", "reason": "", "reviewed_by": EARLIER,
                                          "reviewed_at": now} for b in batches])
    if not _has("chaohu_progress_evidence"):
        op.create_table(
            "chaohu_progress_evidence",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("batch", sa.Text, nullable=False),
            sa.Column("item_id", sa.Text, nullable=False),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("content_type", sa.Text, nullable=False),
            sa.Column("size", sa.Integer, nullable=False),
            sa.Column("data", sa.LargeBinary, nullable=False),
            sa.Column("lat", sa.Float),
            sa.Column("lon", sa.Float),
            sa.Column("taken", sa.Text),
            sa.Column("added_by", sa.Text, nullable=False),
            sa.Column("added_at", sa.DateTime, nullable=False),
        )
        op.create_index("ix_chaohu_progress_evidence_batch", "chaohu_progress_evidence", ["batch"])
        op.create_index("ix_chaohu_progress_evidence_item_id", "chaohu_progress_evidence", ["item_id"])


def downgrade() -> None:
    for name in ("chaohu_progress_evidence", "chaohu_progress_reviews"):
        op.drop_table(name)
