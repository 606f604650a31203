"""Progress reports as the tests need them on the board: stored and accepted by the office (only accepted reports
count)."""

from __future__ import annotations


def accepted(store, reports, unit="市半岛建设办", user="张三", **kw):
    """A batch stored and accepted by the office (only accepted reports count on the board)."""
    batch = store.add_progress(reports, unit, user, **kw)
    store.review_progress(batch.batch, "办公室", accept=True)
    return batch
