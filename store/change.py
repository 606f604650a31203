"""The change being made inside ``Store.transaction`` (what the change log will say about it); no imports of ours."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Change:
    """The change being made inside ``Store.transaction``: its connection, and what the log should say about it."""

    conn: object
    user: str
    kind: str
    action: str
    target: str
    summary: str = ""
    before: dict | None = None
    after: dict | None = None
    #: Set False to write nothing to the log (e.g. the change turned out to be a no-op).
    record: bool = True
    extra: dict = field(default_factory=dict)
