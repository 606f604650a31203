"""The store's tables, declared once with SQLAlchemy for both engines (GeoPackage/SQLite and PostGIS).

Layer data live in one table per layer (``l_<hex>``); ``chaohu_layers`` maps a display name (Chinese, any
characters) to that table, so a rename touches metadata only. Later issues add their tables to ``METADATA``
and write them through ``Store.transaction`` so every change lands in ``chaohu_changes`` with it.
"""

from __future__ import annotations

from sqlalchemy import (Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, Table, Text,
                        UniqueConstraint, func)

METADATA = MetaData()
#: Prefix of every table the store owns besides the per-layer data tables.
PREFIX = "chaohu_"
#: Prefix of the per-layer data tables.
LAYER_TABLE_PREFIX = "l_"

layers = Table(
    "chaohu_layers", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("table_name", Text, nullable=False),
    #: JSON list of the file's column names, in order; stored as c1, c2 … in the data table.
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
#: A display name is unique among the layers not in the recycle bin, compared case-insensitively.
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
    #: JSON text of the value.
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

login_sessions = Table(
    "chaohu_login_sessions", METADATA,
    #: SHA-256 of the random token; the token itself is only ever in the browser's HttpOnly cookie.
    Column("token_hash", Text, primary_key=True),
    Column("account", Text, ForeignKey("chaohu_accounts.name", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    #: The last request seen with it (kept to the minute): the idle lifetime counts from here.
    Column("last_seen_at", DateTime, nullable=False),
    #: The address it logged in from (for 账号管理 and the change log).
    Column("client", Text, nullable=False, default=""),
)

login_counters = Table(
    "chaohu_login_counters", METADATA,
    #: "pair:<account>|<client>", "client:<client>" or "account:<account>".
    Column("key", Text, primary_key=True),
    Column("window_start", DateTime, nullable=False),
    #: Password checks asked for in the window (incremented atomically, before the check).
    Column("attempts", Integer, nullable=False),
)

account_units = Table(
    "chaohu_account_units", METADATA,
    #: A 填报 account reports this lead unit's items only (the unit's name as the plan gives it, e.g. 市经信委).
    Column("account", Text, ForeignKey("chaohu_accounts.name", ondelete="CASCADE"), primary_key=True),
    Column("unit", Text, nullable=False),
)

changes = Table(
    "chaohu_changes", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("user", Text, nullable=False),
    #: What kind of thing changed: layer, document, setting, account, store.
    Column("kind", Text, nullable=False),
    #: The action id (see ``store.base.ACTIONS``).
    Column("action", Text, nullable=False),
    #: What was changed, e.g. the layer's name at the time or the document's name.
    Column("target", Text, nullable=False),
    Column("summary", Text, nullable=False),
    #: JSON of the state before and after (enough to undo where undoing makes sense).
    Column("before", Text),
    Column("after", Text),
)

progress = Table(
    "chaohu_progress", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    #: The trackable item (tracking/items.py): 4.2, 4.1-d1, 4.2-t3 or a place id.
    Column("item_id", Text, nullable=False, index=True),
    #: 进展状态: one of core.progress.STATUSES.
    Column("status", Text, nullable=False),
    #: 完成值, in the target's unit (targets only).
    Column("value", Float),
    Column("note", Text, nullable=False, default=""),
    #: 填报单位 and 填报人.
    Column("unit", Text, nullable=False),
    Column("reporter", Text, nullable=False),
    #: 填报日期 (the day the unit reports the state for).
    Column("reported_on", Date, nullable=False),
    #: The import the record came in (one workbook or one form); withdrawn together.
    Column("batch", Text, nullable=False, index=True),
    Column("source", Text, nullable=False, default=""),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)

progress_withdrawals = Table(
    "chaohu_progress_withdrawals", METADATA,
    #: A withdrawn batch stays in the history (marked 已撤回); its records no longer count.
    Column("batch", Text, primary_key=True),
    Column("reason", Text, nullable=False, default=""),
    Column("withdrawn_by", Text, nullable=False),
    Column("withdrawn_at", DateTime, nullable=False),
)

progress_reviews = Table(
    "chaohu_progress_reviews", METADATA,
    #: A batch without a row here is 待审核 and does not count; 已采纳 (accepted) counts, 已退回 (returned) never does.
    Column("batch", Text, primary_key=True),
    #: "accepted" or "returned" (store.progress.REVIEW_STATES).
    Column("state", Text, nullable=False),
    #: Why the office returned it (shown to the unit); "" for an acceptance.
    Column("reason", Text, nullable=False, default=""),
    Column("reviewed_by", Text, nullable=False),
    Column("reviewed_at", DateTime, nullable=False),
)

progress_evidence = Table(
    "chaohu_progress_evidence", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    #: The report (batch) it came with and the item it shows.
    Column("batch", Text, nullable=False, index=True),
    Column("item_id", Text, nullable=False, index=True),
    #: The uploaded file's name as text (never a path), its checked type (image/jpeg, image/png, application/pdf).
    Column("name", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    #: A photo's EXIF position (WGS84) and date when it has one inside 巢湖市, else null.
    Column("lat", Float),
    Column("lon", Float),
    Column("taken", Text),
    Column("added_by", Text, nullable=False),
    Column("added_at", DateTime, nullable=False),
)

corrections = Table(
    "chaohu_corrections", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    #: The entry's id everywhere: kept when corrections are exported to and imported by another installation.
    Column("uid", Text, nullable=False),
    #: The plan place (data/plan/places.yaml id) and its layer; the shipped data are never changed.
    Column("place_id", Text, nullable=False, index=True),
    Column("layer", Text, nullable=False),
    #: "correct" (a new position) or "revert" (back to the state before the entry `reverts` names).
    Column("action", Text, nullable=False),
    #: The position after this entry: hex WKB in EPSG:4490 (None: a place the plan gives no position).
    Column("geometry", Text),
    Column("accuracy", Text, nullable=False),
    #: 来源 and its date (YYYY-MM-DD) of the position after this entry.
    Column("source", Text, nullable=False),
    Column("source_date", Text, nullable=False),
    #: The position and accuracy before this entry (the shipped ones for a first correction).
    Column("before_geometry", Text),
    Column("before_accuracy", Text, nullable=False),
    #: How the position was made: drawn, edited, adopted from a planner's layer or a file, taken on import.
    Column("method", Text, nullable=False),
    #: The uid of the correction a revert undoes.
    Column("reverts", Text),
    Column("made_by", Text, nullable=False),
    Column("made_at", DateTime, nullable=False),
    #: "" when made here; the file it came from when imported from another installation.
    Column("origin", Text, nullable=False),
    UniqueConstraint("uid", name="chaohu_corrections_uid_uq"),
)

api_tokens = Table(
    "chaohu_api_tokens", METADATA,
    #: SHA-256 of the token given to a desktop client (QGIS, ArcGIS); the token itself is shown once, never stored.
    Column("token_hash", Text, primary_key=True),
    Column("account", Text, ForeignKey("chaohu_accounts.name", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    #: Set when revoked; a revoked token is refused but kept for the record.
    Column("revoked_at", DateTime),
)

reminders = Table(
    "chaohu_reminders", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    #: 催办: the lead unit reminded (its name as the plan gives it, e.g. 市经信委).
    Column("unit", Text, nullable=False, index=True),
    #: JSON list of the tracking item ids the reminder is about.
    Column("items", Text, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("made_by", Text, nullable=False),
    Column("made_at", DateTime, nullable=False),
)

bulletins = Table(
    "chaohu_bulletins", METADATA,
    #: 第 N 期: numbered from 1 in the order published.
    Column("issue", Integer, primary_key=True, autoincrement=False),
    #: The month it reports (2026-11).
    Column("month", Text, nullable=False, index=True),
    #: JSON of the 通报's data as published (headline, tables, notes).
    Column("data", Text, nullable=False),
    #: The files exactly as published: a download later returns these bytes.
    Column("xlsx", LargeBinary, nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    Column("published_by", Text, nullable=False),
    Column("published_at", DateTime, nullable=False),
)
