"""Position corrections in the store: an append-only history per plan place, replayed to the position in effect.

Each entry says who, when, the 来源 and its date, the accuracy chosen, and the geometry before and after. A revert is
an entry too (it names the correction it undoes), so nothing is ever deleted and the shipped data never change.
Writes go through ``Store.transaction`` (the change-log row lands with the entry) under one lock for all correction
writes (the workspace file lock; a transaction-scoped advisory lock on PostGIS), so "what is in effect" is checked and
the new entry written without a race.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import shapely
from shapely.geometry import mapping
from sqlalchemy import func, insert, select, text

from core.clock import local_text
from store import schema as t
from store.errors import ConflictError, StoreError

CORRECT, REVERT = "correct", "revert"
#: Serialises correction writes on PostGIS (the GeoPackage engine holds its file lock already).
LOCK_KEY = 0x636F7272  # "corr"
#: Pass as `expected` to write whatever is in effect now (no lost-update check).
ANY = object()


def to_hex(geometry) -> str | None:
    """A geometry as stored: 2-D hex WKB (None stays None)."""
    return None if geometry is None else shapely.to_wkb(geometry, hex=True, output_dimension=2)


def from_hex(value: str | None):
    """A stored geometry back (None stays None)."""
    return None if not value else shapely.from_wkb(value)


@dataclass(frozen=True)
class CorrectionEntry:
    """One line of a place's correction history: a new position, or a revert of one."""

    id: int
    uid: str
    place_id: str
    layer: str
    action: str
    geometry: object
    accuracy: str
    source: str
    source_date: str
    before_geometry: object
    before_accuracy: str
    method: str
    reverts: str | None
    made_by: str
    made_at: datetime
    origin: str = ""

    @property
    def label(self) -> str:
        """校正位置 / 撤销校正, as the history shows it."""
        return "撤销校正" if self.action == REVERT else "校正位置"


def in_effect(entries: list[CorrectionEntry]) -> CorrectionEntry | None:
    """The correction in effect after these entries of one place (oldest first); None means the shipped position.

    A correction goes on top; a revert takes off the correction it names when that one is on top (a revert of
    anything else changes nothing).
    """
    stack: list[CorrectionEntry] = []
    for entry in entries:
        if entry.action == CORRECT:
            stack.append(entry)
        elif entry.action == REVERT and stack and stack[-1].uid == entry.reverts:
            stack.pop()
    return stack[-1] if stack else None


def _entry(row) -> CorrectionEntry:
    return CorrectionEntry(id=row.id, uid=row.uid, place_id=row.place_id, layer=row.layer, action=row.action,
                           geometry=from_hex(row.geometry), accuracy=row.accuracy, source=row.source,
                           source_date=row.source_date, before_geometry=from_hex(row.before_geometry),
                           before_accuracy=row.before_accuracy, method=row.method, reverts=row.reverts,
                           made_by=row.made_by, made_at=row.made_at, origin=row.origin)


def entry_geojson(geometry) -> dict | None:
    """A stored geometry as a GeoJSON geometry (for the command line and the change log)."""
    return None if geometry is None else mapping(geometry)


class CorrectionsMixin:
    """The store's corrections: read the history, add a correction, revert one, take entries from another installation."""

    def _lock_corrections(self, conn) -> None:
        if self.kind == "postgis":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})

    def _entries(self, conn, place_id: str | None = None) -> list[CorrectionEntry]:
        query = select(t.corrections).order_by(t.corrections.c.id)
        if place_id is not None:
            query = query.where(t.corrections.c.place_id == place_id)
        return [_entry(r) for r in conn.execute(query)]

    def correction_entries(self, place_id: str | None = None) -> list[CorrectionEntry]:
        """Every entry (of one place, or of all), oldest first."""
        with self.reading() as conn:
            return self._entries(conn, place_id)

    def corrections_in_effect(self) -> dict[str, CorrectionEntry]:
        """Place id → the correction in effect, for every place whose position is corrected now."""
        by_place: dict[str, list[CorrectionEntry]] = {}
        for entry in self.correction_entries():
            by_place.setdefault(entry.place_id, []).append(entry)
        return {pid: cur for pid, entries in by_place.items() if (cur := in_effect(entries)) is not None}

    def corrections_stamp(self) -> tuple[int, int]:
        """(entries, newest id): changes whenever a correction, a revert or an import is written (cheap to ask)."""
        with self.reading() as conn:
            count, newest = conn.execute(select(func.count(), func.max(t.corrections.c.id))).one()
        return int(count), int(newest or 0)

    def _check_expected(self, current: CorrectionEntry | None, expected, name: str) -> None:
        """Refuse (ConflictError) when the place changed since the editor read it (`expected`: uid in effect then, or None)."""
        if expected is ANY or (current.uid if current else None) == expected:
            return
        if current is None:
            what = "已被撤销校正，现为规划随附位置"
        else:
            what = f"已被{current.made_by}于 {_local(current.made_at)} 校正"
        raise ConflictError(f"「{name}」的位置{what}，与您开始编辑时不同。请刷新后在最新位置上校正，您的改动尚未保存。")

    def add_correction(self, place_id: str, layer: str, name: str, geometry, accuracy: str, source: str,
                       source_date: str, method: str, shipped_geometry, shipped_accuracy: str, user: str,
                       expected=ANY, summary: str = "") -> CorrectionEntry:
        """Record a new position for a place (on top of whatever is in effect); `expected` guards against lost updates."""
        if geometry is None or geometry.is_empty:
            raise StoreError(f"「{name}」的新位置为空，未保存。")
        with self.transaction(user, "correction", "correction.add", place_id) as change:
            self._lock_corrections(change.conn)
            current = in_effect(self._entries(change.conn, place_id))
            self._check_expected(current, expected, name)
            before, before_accuracy = (current.geometry, current.accuracy) if current else (shipped_geometry, shipped_accuracy)
            values = {"uid": uuid.uuid4().hex, "place_id": place_id, "layer": layer, "action": CORRECT,
                      "geometry": to_hex(geometry), "accuracy": accuracy, "source": source, "source_date": source_date,
                      "before_geometry": to_hex(before), "before_accuracy": before_accuracy or "", "method": method,
                      "reverts": None, "made_by": change.user, "made_at": self.clock(), "origin": ""}
            new_id = change.conn.execute(insert(t.corrections).values(**values)).inserted_primary_key[0]
            change.summary = summary or f"校正「{name}」的位置，来源「{source}」（{source_date}）"
            change.before = {"uid": current.uid if current else None, "accuracy": before_accuracy}
            change.after = {"uid": values["uid"], "accuracy": accuracy, "source": source, "source_date": source_date,
                            "method": method}
        return self._entry_by_id(new_id)

    def revert_correction(self, place_id: str, name: str, user: str, expected=ANY, summary: str = "") -> CorrectionEntry:
        """Undo the correction in effect: the place goes back to its position before it (recorded as an entry)."""
        with self.transaction(user, "correction", "correction.revert", place_id) as change:
            self._lock_corrections(change.conn)
            entries = self._entries(change.conn, place_id)
            current = in_effect(entries)
            self._check_expected(current, expected, name)
            if current is None:
                raise StoreError(f"「{name}」没有生效的校正，无需撤销（现为规划随附位置）。")
            previous = in_effect([*entries, _revert_of(current)])
            values = {"uid": uuid.uuid4().hex, "place_id": place_id, "layer": current.layer, "action": REVERT,
                      "geometry": to_hex(current.before_geometry), "accuracy": current.before_accuracy,
                      "source": previous.source if previous else "", "source_date": previous.source_date if previous else "",
                      "before_geometry": to_hex(current.geometry), "before_accuracy": current.accuracy, "method": "",
                      "reverts": current.uid, "made_by": change.user, "made_at": self.clock(), "origin": ""}
            new_id = change.conn.execute(insert(t.corrections).values(**values)).inserted_primary_key[0]
            change.summary = summary or f"撤销「{name}」的校正（{current.made_by} 于 {_local(current.made_at)}）"
            change.before = {"uid": current.uid, "accuracy": current.accuracy}
            change.after = {"uid": previous.uid if previous else None, "accuracy": current.before_accuracy, "reverts": current.uid}
        return self._entry_by_id(new_id)

    def add_imported(self, rows: list[dict], user: str, origin: str, summary: str, expected: dict | None = None) -> int:
        """Write entries taken from another installation (their uid, who and when kept) in one transaction; how many.

        `rows` are column → value dicts of ``chaohu_corrections`` (geometries as shapely objects; `origin` defaults to
        the file); entries whose uid is here already are skipped. `expected` (place id → uid in effect when the import
        was planned, or None) refuses the whole import with ConflictError when a place changed meanwhile.
        """
        with self.transaction(user, "correction", "correction.import", origin) as change:
            self._lock_corrections(change.conn)
            for place_id, uid in (expected or {}).items():
                current = in_effect(self._entries(change.conn, place_id))
                if (current.uid if current else None) != uid:
                    raise ConflictError(f"导入期间地点「{place_id}」的位置被其他人修改，本次导入没有写入任何内容，请重新导入。")
            known = {r[0] for r in change.conn.execute(select(t.corrections.c.uid))}
            fresh = [r for r in rows if r["uid"] not in known]
            if not fresh:
                change.record = False
                return 0
            change.conn.execute(insert(t.corrections), [
                {**r, "geometry": to_hex(r["geometry"]), "before_geometry": to_hex(r["before_geometry"]),
                 "origin": r.get("origin", origin)} for r in fresh])
            change.summary = summary
            change.after = {"entries": len(fresh), "places": sorted({r["place_id"] for r in fresh})}
        return len(fresh)

    def _entry_by_id(self, entry_id: int) -> CorrectionEntry:
        with self.reading() as conn:
            return _entry(conn.execute(select(t.corrections).where(t.corrections.c.id == entry_id)).one())


def _revert_of(entry: CorrectionEntry) -> CorrectionEntry:
    """A stand-in revert entry of `entry` (to replay what is in effect after reverting it)."""
    return CorrectionEntry(id=0, uid="", place_id=entry.place_id, layer=entry.layer, action=REVERT, geometry=None,
                           accuracy="", source="", source_date="", before_geometry=None, before_accuracy="", method="",
                           reverts=entry.uid, made_by="", made_at=entry.made_at)


def _local(value: datetime) -> str:
    return local_text(value)
