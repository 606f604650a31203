"""Sharing corrections between installations: every entry (history included) out as one GeoPackage, and back in.

The export holds one row per history entry with its geometry after the entry, the geometry before it (WKT), who,
when, 来源 and its date, and the entry's uid. An import takes a place's entries when they continue what this
installation has (or it has no correction of that place); when both sides corrected the same place differently,
the place is listed as a conflict and nothing of it is written, unless the editor chooses to take the file's
version (`take`), which is then recorded here as a new correction on top of the local one.
"""

from __future__ import annotations

import os
import tempfile
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo.crs import STORAGE
from corrections.checks import CHOICES, CorrectionError, check_inside, plan_place, plan_places, shaped
from core.clock import BEIJING, local_text
from core.inputs import check_size, upload_name
from store.base import LOCAL_USER, Store
from store.corrections import CORRECT, REVERT, CorrectionEntry, in_effect

#: The table of the exported GeoPackage.
LAYER = "corrections"
#: Its attribute fields, in order (the geometry column holds the position after the entry).
FIELDS = ["uid", "seq", "place_id", "place_name", "layer", "action", "accuracy", "source", "source_date",
          "before_wkt", "before_accuracy", "method", "reverts", "made_by", "made_at", "origin"]
ACCURACIES = ("located", "approximate", "schematic", "")


def export_gpkg(store: Store, path: str | Path) -> int:
    """Write every correction entry of the store into one GeoPackage (replaced atomically); how many entries."""
    entries = store.correction_entries()
    names = {pid: p.name for pid, p in plan_places().items()}
    rows = [{"uid": e.uid, "seq": i + 1, "place_id": e.place_id, "place_name": names.get(e.place_id, ""),
             "layer": e.layer, "action": e.action, "accuracy": e.accuracy, "source": e.source,
             "source_date": e.source_date,
             "before_wkt": "" if e.before_geometry is None else shapely.to_wkt(e.before_geometry, rounding_precision=-1),
             "before_accuracy": e.before_accuracy, "method": e.method, "reverts": e.reverts or "", "made_by": e.made_by,
             "made_at": e.made_at.replace(tzinfo=UTC).astimezone(BEIJING).isoformat(), "origin": e.origin}
            for i, e in enumerate(entries)]
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows, columns=FIELDS), geometry=gpd.GeoSeries([e.geometry for e in entries],
                                                                                       crs=STORAGE), crs=STORAGE)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.tmp.gpkg")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pyogrio.write_dataframe(gdf, tmp, layer=LAYER, driver="GPKG", geometry_type="Unknown",
                                    layer_options={"DESCRIPTION": "巢湖市规划图：位置校正记录（每行一条，含撤销）"})
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(entries)


@dataclass(frozen=True)
class Conflict:
    """A place both installations corrected differently: what is in effect here, and in the file."""

    place_id: str
    name: str
    here: CorrectionEntry
    there: CorrectionEntry | None

    @property
    def text(self) -> str:
        """「名称」：本机为 …；导入文件为 …"""
        def said(e: CorrectionEntry | None) -> str:
            if e is None:
                return "规划随附位置（已撤销校正）"
            return f"来源「{e.source}」（{e.source_date}），{CHOICES.get(e.accuracy, e.accuracy)}，{e.made_by} 于 {local_text(e.made_at)}"
        return f"「{self.name}」（{self.place_id}）：本机为{said(self.here)}；导入文件为{said(self.there)}"


@dataclass
class ImportReport:
    """What an import did: places taken, entries written, conflicts left as they were, rows refused."""

    places: list[str] = field(default_factory=list)
    entries: int = 0
    unchanged: list[str] = field(default_factory=list)
    taken: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _utc(text: str) -> datetime:
    value = datetime.fromisoformat(str(text))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def read_gpkg(path: str | Path, label: str = "") -> tuple[list[CorrectionEntry], list[str]]:
    """The entries of an exported GeoPackage in file order, and the rows refused (Chinese, naming the row).

    label: the file's name as messages and the entries' origin show it (default: the path's name)."""
    path = Path(path)
    label = label or path.name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = pyogrio.read_dataframe(path, layer=LAYER)
    except Exception as exc:  # GDAL says "not there" and "broken" in many ways
        raise CorrectionError(f"「{label}」不是位置校正导出文件（应为本系统导出的 GeoPackage，含 {LAYER} 表）。",
                              detail=str(exc)) from None
    missing = [f for f in FIELDS if f not in gdf.columns]
    if missing:
        raise CorrectionError(f"「{label}」缺少字段 {'、'.join(missing)}，不是本系统导出的位置校正文件。")
    gdf = gdf.sort_values("seq", kind="stable") if len(gdf) else gdf
    gdf = gdf.set_crs(STORAGE) if gdf.crs is None else gdf.to_crs(STORAGE)
    entries, problems, seen = [], [], set()
    for i, (_, r) in enumerate(gdf.iterrows(), start=1):
        where = f"第 {i} 行（{r.get('place_name') or r.get('place_id')}）"
        text = {f: "" if pd.isna(r[f]) else str(r[f]).strip() for f in FIELDS if f != "seq"}
        geometry = r.geometry if r.geometry is not None and not r.geometry.is_empty else None
        try:
            if not text["uid"] or text["uid"] in seen:
                raise ValueError("uid 为空或重复")
            if text["action"] not in (CORRECT, REVERT) or text["accuracy"] not in ACCURACIES:
                raise ValueError(f"操作「{text['action']}」或位置精度「{text['accuracy']}」不可识别")
            before = shapely.from_wkt(text["before_wkt"]) if text["before_wkt"] else None
            entries.append(CorrectionEntry(
                id=i, uid=text["uid"], place_id=text["place_id"], layer=text["layer"], action=text["action"],
                geometry=geometry, accuracy=text["accuracy"], source=text["source"], source_date=text["source_date"],
                before_geometry=before, before_accuracy=text["before_accuracy"], method=text["method"],
                reverts=text["reverts"] or None, made_by=text["made_by"] or LOCAL_USER, made_at=_utc(text["made_at"]),
                origin=text["origin"] or label))
            seen.add(text["uid"])
        except (ValueError, TypeError, shapely.errors.GEOSException) as exc:
            problems.append(f"{where}无法读取（{exc}），未导入。")
    return entries, problems


def _valid(entries: list[CorrectionEntry]) -> str:
    """'' when a place's entries from a file may be stored here, else why not (each correction checked as a new one)."""
    try:
        place = plan_place(entries[0].place_id)
        for e in entries:
            if e.action == CORRECT:
                if e.accuracy not in CHOICES or not e.source:
                    raise CorrectionError(f"「{place.name}」有一条校正缺少来源或精度不可选")
                check_inside(shaped(e.geometry, place), place)
    except CorrectionError as exc:
        return exc.message
    return ""


def _same(a: CorrectionEntry | None, b: CorrectionEntry | None) -> bool:
    """Whether two states put the place in the same position with the same accuracy."""
    if a is None or b is None:
        return a is b
    return a.accuracy == b.accuracy and a.geometry is not None and b.geometry is not None \
        and a.geometry.equals_exact(b.geometry, 1e-9)


def _row(e: CorrectionEntry) -> dict:
    """An entry as the column → value dict ``Store.add_imported`` writes."""
    return {"uid": e.uid, "place_id": e.place_id, "layer": e.layer, "action": e.action, "geometry": e.geometry,
            "accuracy": e.accuracy, "source": e.source, "source_date": e.source_date, "before_geometry": e.before_geometry,
            "before_accuracy": e.before_accuracy, "method": e.method, "reverts": e.reverts, "made_by": e.made_by,
            "made_at": e.made_at, "origin": e.origin}


def import_gpkg(store: Store, path: str | Path, user: str = LOCAL_USER, take=(), label: str = "") -> ImportReport:
    """Take the corrections of an exported GeoPackage into the store in one transaction; conflicts are listed, not written.

    `take`: place ids whose conflicting correction from the file should win (recorded here as a new correction);
    `label`: the file's name as the change log and messages show it (default: the path's name).
    """
    path = Path(path)
    label = label or path.name
    check_size("corrections", label, path.stat().st_size)
    entries, problems = read_gpkg(path, label)
    report = ImportReport(problems=problems)
    by_place: dict[str, list[CorrectionEntry]] = {}
    for e in entries:
        by_place.setdefault(e.place_id, []).append(e)
    local_all = store.correction_entries()
    rows, expected = [], {}
    for pid, theirs in by_place.items():
        why = _valid(theirs)
        if why:
            report.problems.append(f"{why}，该地点未导入。")
            continue
        ours = [e for e in local_all if e.place_id == pid]
        here, there = in_effect(ours), in_effect(theirs)
        known, their_uids = {e.uid for e in ours}, {e.uid for e in theirs}
        fresh = [e for e in theirs if e.uid not in known]
        if not fresh:
            report.unchanged.append(pid)
            continue
        expected[pid] = here.uid if here else None
        if here is None or here.uid in their_uids or _same(here, there):
            rows += [_row(e) for e in fresh]
            report.places.append(pid)
        elif pid in take and there is not None:
            rows.append(dict(_row(there), uid=uuid.uuid4().hex, before_geometry=here.geometry, before_accuracy=here.accuracy,
                             method=f"导入时采用「{label}」中的校正（{there.made_by} 于 {local_text(there.made_at)}）",
                             made_by=user or LOCAL_USER, made_at=store.clock(), origin=""))
            report.taken.append(pid)
        else:
            report.conflicts.append(Conflict(pid, plan_place(pid).name, here, there))
            expected.pop(pid)
    if rows:
        names = plan_places()
        listed = "、".join(names[p].name for p in report.places + report.taken)
        summary = f"从「{label}」导入位置校正：{listed}" + (f"；{len(report.conflicts)} 个地点有冲突，未导入" if report.conflicts else "")
        report.entries = store.add_imported(rows, user or LOCAL_USER, label, summary, expected=expected)
    return report


def import_upload(store: Store, data: bytes, name: str, user: str = LOCAL_USER, take=()) -> ImportReport:
    """Import an uploaded GeoPackage: its bytes are saved under a name this function makes, in a private temporary
    folder (the client's `name` is only shown, never used as a path), and imported from there."""
    label = upload_name(name)
    check_size("corrections", label, len(data))
    with tempfile.TemporaryDirectory(prefix="chaohu-corrections-") as tmp:
        path = Path(tmp) / f"{uuid.uuid4().hex}.gpkg"
        path.write_bytes(data)
        return import_gpkg(store, path, user, take, label=label)
