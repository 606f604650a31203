"""Move a whole store to another engine (GeoPackage → PostGIS, or back for a backup): everything, ids kept.

Layers (with their recycle bin), documents, settings, accounts (password hashes as they are) and the change
log are copied; sessions and login failures are not (everyone logs in again). The target must be empty. The whole
copy is one transaction on either engine: it lands completely or not at all.
"""

from __future__ import annotations

import json

from sqlalchemy import insert, select

from store import schema as t
from store.base import Store, storable
from store.errors import StoreError

#: The metadata tables copied row by row, in an order that respects foreign keys.
COPIED = (t.documents, t.settings, t.accounts, t.account_units, t.changes, t.progress, t.progress_withdrawals,
          t.progress_reviews, t.progress_evidence, t.corrections, t.reminders, t.bulletins)


def migrate(source: Store, target: Store, user: str) -> dict:
    """Copy everything from `source` into the empty `target`; counts of what was copied."""
    if source is target:
        raise StoreError("源与目标是同一个数据库。")
    if not target.is_empty():
        raise StoreError(f"目标（{target.describe()}）中已有数据，为避免覆盖，迁移只写入空的数据库。")
    with source.reading() as conn:
        layer_rows = [dict(r._mapping) for r in conn.execute(select(t.layers).order_by(t.layers.c.id))]
        others = {table.name: [dict(r._mapping) for r in conn.execute(select(table))] for table in COPIED}
    data = {}
    for row in layer_rows:  # re-stored as c1…cN (layers adopted from an old workspace keep their own column names)
        data[row["table_name"]], pairs = storable(source.read_layer(source.layer_by_id(row["id"])))
        row["columns"] = json.dumps(pairs, ensure_ascii=False)
    counts = {"layers": sum(r["removed_at"] is None for r in layer_rows),
              "recycle_bin": sum(r["removed_at"] is not None for r in layer_rows),
              **{table.name.removeprefix(t.PREFIX): len(others[table.name]) for table in COPIED}}
    with target.transaction(user, "store", "store.migrate", target.describe()) as change:
        for row in layer_rows:
            target._data_in(change.conn, row["table_name"], data[row["table_name"]])
        if layer_rows:
            change.conn.execute(insert(t.layers), layer_rows)
        for table in COPIED:
            if others[table.name]:
                change.conn.execute(insert(table), others[table.name])
        target._after_copy(change.conn)
        change.summary = (f"从{source.describe()}迁移到{target.describe()}：图层 {counts['layers']} 个、回收站 "
                          f"{counts['recycle_bin']} 个、文档 {counts['documents']} 个、设置 {counts['settings']} 项、"
                          f"账号 {counts['accounts']} 个、变更记录 {counts['changes']} 条")
        change.after = counts
    return counts
