"""Baseline: the store's schema as it was before migrations (chaohu_layers … chaohu_corrections).

A frozen copy of store/schema.py at that time (later revisions change the schema, never this file). Each table,
with its indexes, is created only when missing: a store made by the code before migrations (tables, no
alembic_version) gets what it lacks and keeps every row, then carries this revision like a new one.

Revision ID: 0001
Revises:
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import (Column, Date, DateTime, Float, ForeignKey, Index, Integer, MetaData, Table, Text, UniqueConstraint,
                        func)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

METADATA = MetaData()

layers = Table(
    "chaohu_layers", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("table_name", Text, nullable=False),
    Column("columns", Text, nullable=False),
    Column("features", Integer, nullable=False),
    Column("geometry_type", Text, nullable=False, default=""),
    Column("source", Text, nullable=False, default=""),
    Column("added_by", Text, nullable=False),
    Column("added_at", DateTime, nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("removed_by", Text),
    Column("removed_at", DateTime),
    UniqueConstraint("table_name", name="chaohu_layers_table_uq"),
)
Index("chaohu_layers_name_uq", func.lower(layers.c.name), unique=True,
      sqlite_where=layers.c.removed_at.is_(None), postgresql_where=layers.c.removed_at.is_(None))

documents = Table(
    "chaohu_documents", METADATA,
    Column("name", Text, primary_key=True),
    Column("content", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

settings = Table(
    "chaohu_settings", METADATA,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

accounts = Table(
    "chaohu_accounts", METADATA,
    Column("name", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

sessions = Table(
    "chaohu_sessions", METADATA,
    Column("token_hash", Text, primary_key=True),
    Column("account", Text, ForeignKey("chaohu_accounts.name", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

login_failures = Table(
    "chaohu_login_failures", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, index=True),
    Column("at", DateTime, nullable=False),
)

changes = Table(
    "chaohu_changes", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("user", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("before", Text),
    Column("after", Text),
)

progress = Table(
    "chaohu_progress", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Text, nullable=False, index=True),
    Column("status", Text, nullable=False),
    Column("value", Float),
    Column("note", Text, nullable=False, default=""),
    Column("unit", Text, nullable=False),
    Column("reporter", Text, nullable=False),
    Column("reported_on", Date, nullable=False),
    Column("batch", Text, nullable=False, index=True),
    Column("source", Text, nullable=False, default=""),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)

progress_withdrawals = Table(
    "chaohu_progress_withdrawals", METADATA,
    Column("batch", Text, primary_key=True),
    Column("reason", Text, nullable=False, default=""),
    Column("withdrawn_by", Text, nullable=False),
    Column("withdrawn_at", DateTime, nullable=False),
)

corrections = Table(
    "chaohu_corrections", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uid", Text, nullable=False),
    Column("place_id", Text, nullable=False, index=True),
    Column("layer", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("geometry", Text),
    Column("accuracy", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("source_date", Text, nullable=False),
    Column("before_geometry", Text),
    Column("before_accuracy", Text, nullable=False),
    Column("method", Text, nullable=False),
    Column("reverts", Text),
    Column("made_by", Text, nullable=False),
    Column("made_at", DateTime, nullable=False),
    Column("origin", Text, nullable=False),
    UniqueConstraint("uid", name="chaohu_corrections_uid_uq"),
)


def upgrade() -> None:
    METADATA.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    METADATA.drop_all(op.get_bind(), checkfirst=True)
