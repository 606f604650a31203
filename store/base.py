"""The store's interface and the logic both engines share: layers, recycle bin, documents, settings, change log.

Every change runs in ``Store.transaction``: one database transaction (under the workspace file lock for the
GeoPackage engine) that also writes the change-log row (who, when, what, before → after), so a change and its
record land together or not at all. Engines (``gpkg.py``, ``postgis.py``) supply only how a layer's data table
is written, read and dropped, how writers are serialised and what "unavailable" means for them.
"""

from __future__ import annotations

import contextlib
import json
import math
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, UTC

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import Engine, and_, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from core.clock import local_iso, local_text
from geo.crs import STORAGE
from store import schema as t
from store.change import Change
from store.progress import ProgressMixin
from store.reminders import RemindersMixin
from store.accounts import AccountsMixin
from store.corrections import CorrectionsMixin
from store.errors import ConflictError, StoreError, StoreUnavailable
from store.labels import ACTIONS, DOCUMENT_NAMES, KINDS, LOCAL_USER, action_label, setting_label, undoable  # noqa: F401  (re-exported)

#: How long a removed layer stays in the recycle bin.
RECYCLE_DAYS = 30
MAX_NAME = 60


def utcnow() -> datetime:
    """Now, as the naive UTC datetime the store keeps (SQLite has no time zones)."""
    return datetime.now(UTC).replace(tzinfo=None)


def clean_name(name: str) -> str:
    """A usable display name: whitespace collapsed, '/' as '·', at most 60 characters, not empty."""
    name = " ".join(str(name).replace("/", "·").split())[:MAX_NAME]
    if not name:
        raise StoreError("图层名称不能为空。")
    return name


def numbered(name: str, i: int) -> str:
    """The i-th candidate for a name that is taken: 名称, 名称（2）, 名称（3）…"""
    if i == 1:
        return name
    suffix = f"（{i}）"
    return name[:MAX_NAME - len(suffix)] + suffix


def renamed_note(wanted: str, given: str) -> str:
    """Why a layer is stored under another name than the one asked for (a layer of that name exists: 名称（2）…), in
    Chinese; "" when it kept its name."""
    wanted = " ".join(str(wanted).replace("/", "·").split())[:MAX_NAME]
    return "" if given == wanted else f"已有名为「{wanted}」的图层，为不覆盖它，此图层命名为「{given}」。"


@dataclass(frozen=True)
class LayerInfo:
    """One planner's layer as listed: its name, size and who added, renamed or removed it when."""

    id: int
    name: str
    features: int
    geometry_type: str
    #: [file column, stored column] pairs.
    columns: tuple[tuple[str, str], ...]
    source: str
    added_by: str
    added_at: datetime
    updated_by: str
    updated_at: datetime
    removed_by: str | None = None
    removed_at: datetime | None = None
    table_name: str = ""

    def to_dict(self) -> dict:
        """JSON-ready: times in Beijing time, no storage details."""
        out = asdict(self)
        out.pop("table_name")
        out["columns"] = [name for name, _ in self.columns]
        for key in ("added_at", "updated_at", "removed_at"):
            out[key] = local_iso(out[key])
        return out


@dataclass(frozen=True)
class Document:
    """A named text (e.g. the 汇报 tour as YAML) with the version a later save must name to avoid lost updates."""

    name: str
    content: str
    version: int
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class ChangeRecord:
    """One line of the change log."""

    id: int
    at: datetime
    user: str
    kind: str
    action: str
    target: str
    summary: str
    before: dict | None
    after: dict | None

    @property
    def label(self) -> str:
        """The action in Chinese."""
        return action_label(self.action)

    def to_dict(self) -> dict:
        """JSON-ready, times in Beijing time."""
        return {**asdict(self), "at": local_iso(self.at), "label": self.label}


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _unjson(text: str | None):
    return None if text is None else json.loads(text)


def storable(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[list[str]]]:
    """A layer as stored, and its [file column, stored column] pairs: EPSG:4490, columns c1…cN (any file column
    name is fine, in any database), geometry `geom` (all 2D when 2D and 3D are mixed), a `fid` keeping the file's order."""
    gdf = gdf.set_crs(STORAGE) if gdf.crs is None else gdf.to_crs(STORAGE)
    data, pairs = {}, []
    for i, col in enumerate(c for c in gdf.columns if c != gdf.geometry.name):
        values = gdf[col]
        if values.dtype == object:  # mixed or non-scalar values: kept as their text
            values = values.map(lambda v: v if v is None or isinstance(v, (str, int, float, bool)) else str(v))
        data[f"c{i + 1}"] = values.to_numpy()
        pairs.append([str(col), f"c{i + 1}"])
    geoms = gdf.geometry.values
    has_z = shapely.has_z(np.asarray(geoms))
    if has_z.any() and not has_z[~shapely.is_missing(np.asarray(geoms))].all():
        geoms = shapely.force_2d(np.asarray(geoms))  # some with heights, some without: a database column takes one kind
    out = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=STORAGE), index=range(len(gdf)))
    out = out.rename_geometry("geom")
    out.insert(0, "fid", range(1, len(out) + 1))
    return out, pairs


def restored(stored: gpd.GeoDataFrame, pairs: list[list[str]]) -> gpd.GeoDataFrame:
    """A stored layer back with the file's column names (from its pairs), geometry `geometry`, EPSG:4490."""
    stored = stored.sort_values("fid") if "fid" in stored.columns else stored
    data = {name: stored[col].to_numpy() for name, col in pairs if col in stored.columns}
    gdf = gpd.GeoDataFrame(data, geometry=stored.geometry.values, crs=stored.crs or STORAGE, index=range(len(stored)))
    return gdf if gdf.crs == STORAGE else gdf.to_crs(STORAGE)


def geometry_kind(gdf: gpd.GeoDataFrame) -> str:
    """The layer's geometry types, e.g. 'Point' or 'MultiPolygon, Polygon'."""
    return ", ".join(sorted(set(gdf.geom_type.dropna())))


class Store(CorrectionsMixin, AccountsMixin, ProgressMixin, RemindersMixin):
    """The office's shared data, behind one interface for both engines (see the module docstring)."""

    #: "gpkg" or "postgis".
    kind = ""
    #: Where the data are, in Chinese (for messages and the sidebar).
    where = ""

    def __init__(self, engine: Engine, clock=utcnow):
        self.engine = engine
        self.clock = clock

    # ------------------------------------------------------------ what engines provide

    def _write_lock(self):
        """A context serialising writers (the GeoPackage file lock); nothing for PostGIS."""
        return contextlib.nullcontext()

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        """The Chinese error for a lost database or an unreadable file."""
        raise NotImplementedError

    def _data_in(self, conn, table: str, stored: gpd.GeoDataFrame) -> None:
        """Write a layer's data table inside the transaction that registers and logs it."""
        raise NotImplementedError

    def _drop_data(self, conn, table: str) -> None:
        """Drop a layer's data table inside a transaction."""
        raise NotImplementedError

    def _read_data(self, table: str) -> gpd.GeoDataFrame:
        """A layer's stored data."""
        raise NotImplementedError

    def _after_copy(self, conn) -> None:
        """Bring id sequences past copied ids (PostGIS) after ``migrate`` inserted rows with their ids."""

    def cleanup(self, upload_age: timedelta = timedelta(hours=1)) -> dict:
        """Remove leftovers: expired sessions, old login failures, recycle-bin layers past 30 days, stale upload copies."""
        from store.cleanup import stale_upload_copies

        out = {"uploads": stale_upload_copies(upload_age)}
        out["purged"] = self.purge_recycle_bin()
        out.update(self.expire_sessions())
        return out

    # ------------------------------------------------------------ transactions

    @contextlib.contextmanager
    def guard(self):
        """Turn a lost connection or a locked/broken file into StoreUnavailable (Chinese, retryable)."""
        try:
            yield
        except (OperationalError, InterfaceError) as exc:
            raise self._unavailable(exc) from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise self._unavailable(exc) from exc
            raise

    @contextlib.contextmanager
    def transaction(self, user: str, kind: str, action: str, target: str):
        """One change: a transaction yielding a ``Change``; its log row is written in the same transaction."""
        with self.guard(), self._write_lock(), self.engine.begin() as conn:
            change = Change(conn=conn, user=user or LOCAL_USER, kind=kind, action=action, target=target)
            yield change
            if change.record:
                self._log(conn, change)

    def _log(self, conn, change: Change) -> None:
        conn.execute(insert(t.changes).values(
            at=self.clock(), user=change.user, kind=change.kind, action=change.action, target=change.target,
            summary=change.summary or action_label(change.action),
            before=_json(change.before), after=_json(change.after)))

    @contextlib.contextmanager
    def reading(self):
        """A connection for reads (no lock), errors turned into StoreUnavailable."""
        with self.guard(), self.engine.connect() as conn:
            yield conn

    # ------------------------------------------------------------ layers

    def _info(self, row) -> LayerInfo:
        return LayerInfo(id=row.id, name=row.name, features=row.features, geometry_type=row.geometry_type,
                         columns=tuple(tuple(p) for p in json.loads(row.columns)), source=row.source, added_by=row.added_by,
                         added_at=row.added_at, updated_by=row.updated_by, updated_at=row.updated_at,
                         removed_by=row.removed_by, removed_at=row.removed_at, table_name=row.table_name)

    def layers(self) -> list[LayerInfo]:
        """The layers on the map (not in the recycle bin), in the order they were added."""
        with self.reading() as conn:
            rows = conn.execute(select(t.layers).where(t.layers.c.removed_at.is_(None)).order_by(t.layers.c.id))
            return [self._info(r) for r in rows]

    def layer_names(self) -> list[str]:
        """The names of the layers on the map, in the order they were added."""
        return [info.name for info in self.layers()]

    def recycle_bin(self) -> list[LayerInfo]:
        """Removed layers that can still be restored (removed within 30 days), most recently removed first."""
        since = self.clock() - timedelta(days=RECYCLE_DAYS)
        with self.reading() as conn:
            rows = conn.execute(select(t.layers).where(t.layers.c.removed_at > since)
                                .order_by(t.layers.c.removed_at.desc(), t.layers.c.id.desc()))
            return [self._info(r) for r in rows]

    def layer(self, name: str) -> LayerInfo:
        """The layer on the map with this exact name; StoreError (Chinese) when there is none."""
        with self.reading() as conn:
            row = conn.execute(select(t.layers).where(t.layers.c.name == name, t.layers.c.removed_at.is_(None))).first()
        if row is None:
            raise StoreError(f"工作空间中没有名为「{name}」的图层。")
        return self._info(row)

    def read_layer(self, name: str | LayerInfo) -> gpd.GeoDataFrame:
        """One layer's features in EPSG:4490 with the file's own column names."""
        info = name if isinstance(name, LayerInfo) else self.layer(name)
        with self.guard():
            return restored(self._read_data(info.table_name), [list(p) for p in info.columns])

    def read_all(self) -> list[tuple[str, gpd.GeoDataFrame]]:
        """(name, features) of every layer on the map."""
        return [(info.name, self.read_layer(info)) for info in self.layers()]

    def _taken(self, conn) -> set[str]:
        rows = conn.execute(select(func.lower(t.layers.c.name)).where(t.layers.c.removed_at.is_(None)))
        return {r[0] for r in rows}

    def _claim_name(self, conn, name: str, values: dict | None = None, layer_id: int | None = None) -> str:
        """Give a new row (values) or a restored row (layer_id) the first free name among 名称, 名称（2）…

        The unique index on lower(name) decides races: a name taken by a concurrent transaction makes the
        insert fail inside a savepoint, and the next candidate is tried.
        """
        for _attempt in range(50):
            taken = self._taken(conn)
            i = 1
            while numbered(name, i).lower() in taken:
                i += 1
            candidate = numbered(name, i)
            try:
                with conn.begin_nested():
                    if layer_id is None:
                        conn.execute(insert(t.layers).values(**values, name=candidate))
                    else:
                        conn.execute(update(t.layers).where(t.layers.c.id == layer_id)
                                     .values(name=candidate, removed_at=None, removed_by=None, **(values or {})))
                return candidate
            except IntegrityError:
                continue
        raise StoreError(f"无法为图层「{name}」取得不重复的名称，请换一个名称再试。")

    def add_layer(self, name: str, gdf: gpd.GeoDataFrame, user: str = LOCAL_USER, source: str = "") -> LayerInfo:
        """Store a new layer under `name` (or 名称（2）… when taken) in one transaction; never replaces another layer."""
        name = clean_name(name)
        if gdf is None or len(gdf) == 0:
            raise StoreError("空图层无法加入工作空间。")
        stored, columns = storable(gdf)
        table = f"{t.LAYER_TABLE_PREFIX}{uuid.uuid4().hex[:20]}"
        kind = geometry_kind(gdf)
        with self.transaction(user, "layer", "layer.add", name) as change:
            self._data_in(change.conn, table, stored)
            now = self.clock()
            values = dict(table_name=table, columns=json.dumps(columns, ensure_ascii=False), features=len(stored),
                          geometry_type=kind, source=str(source or ""), added_by=change.user, added_at=now,
                          updated_by=change.user, updated_at=now)
            final = self._claim_name(change.conn, name, values)
            layer_id = change.conn.execute(select(t.layers.c.id).where(t.layers.c.table_name == table)).scalar_one()
            change.target = final
            renamed = f"（「{name}」已被占用）" if final != name else ""
            change.summary = f"添加图层「{final}」{renamed}，{len(stored)} 个要素"
            change.after = {"layer_id": layer_id, "name": final, "features": len(stored), "source": str(source or "")}
        return self.layer_by_id(layer_id)

    def layer_by_id(self, layer_id: int) -> LayerInfo:
        """A layer (on the map or in the recycle bin) by its id."""
        with self.reading() as conn:
            row = conn.execute(select(t.layers).where(t.layers.c.id == layer_id)).first()
        if row is None:
            raise StoreError(f"没有编号为 {layer_id} 的图层。")
        return self._info(row)

    def rename_layer(self, old: str, new: str, user: str = LOCAL_USER) -> str:
        """Rename a layer (metadata only); the new name; StoreError when another layer has it."""
        new = clean_name(new)
        with self.transaction(user, "layer", "layer.rename", old) as change:
            row = change.conn.execute(select(t.layers).where(t.layers.c.name == old, t.layers.c.removed_at.is_(None))).first()
            if row is None:
                raise StoreError(f"工作空间中没有名为「{old}」的图层。")
            if new == old:
                change.record = False
                return old
            clash = change.conn.execute(select(t.layers.c.id).where(func.lower(t.layers.c.name) == new.lower(),
                                                                    t.layers.c.removed_at.is_(None), t.layers.c.id != row.id)).first()
            if clash is not None:
                raise StoreError(f"工作空间中已有名为「{new}」的图层。")
            try:
                with change.conn.begin_nested():
                    change.conn.execute(update(t.layers).where(t.layers.c.id == row.id)
                                        .values(name=new, updated_by=change.user, updated_at=self.clock()))
            except IntegrityError:  # taken by a concurrent add or rename that committed first
                raise StoreError(f"工作空间中已有名为「{new}」的图层。") from None
            change.summary = f"图层「{old}」改名为「{new}」"
            change.before, change.after = {"layer_id": row.id, "name": old}, {"layer_id": row.id, "name": new}
        return new

    def remove_layer(self, name: str, user: str = LOCAL_USER) -> LayerInfo:
        """Move a layer to the recycle bin (restorable for 30 days); its data stay untouched until then."""
        with self.transaction(user, "layer", "layer.remove", name) as change:
            row = change.conn.execute(select(t.layers).where(t.layers.c.name == name, t.layers.c.removed_at.is_(None))).first()
            if row is None:
                raise StoreError(f"工作空间中没有名为「{name}」的图层。")
            change.conn.execute(update(t.layers).where(t.layers.c.id == row.id)
                                .values(removed_at=self.clock(), removed_by=change.user))
            change.summary = f"删除图层「{name}」（{row.features} 个要素），{RECYCLE_DAYS} 天内可恢复"
            change.before, change.after = {"layer_id": row.id, "name": name}, {"layer_id": row.id, "removed": True}
        return self.layer_by_id(row.id)

    def restore_layer(self, name_or_id: str | int, user: str = LOCAL_USER) -> LayerInfo:
        """Bring a removed layer back (the most recently removed of that name, or by id); renamed 名称（2）… if taken."""
        since = self.clock() - timedelta(days=RECYCLE_DAYS)
        label = f"编号 {name_or_id}" if isinstance(name_or_id, int) else f"「{name_or_id}」"
        with self.transaction(user, "layer", "layer.restore", str(name_or_id)) as change:
            cond = t.layers.c.id == name_or_id if isinstance(name_or_id, int) else t.layers.c.name == name_or_id
            row = change.conn.execute(select(t.layers).where(cond, t.layers.c.removed_at.is_not(None))
                                      .order_by(t.layers.c.removed_at.desc(), t.layers.c.id.desc())).first()
            if row is None:
                raise StoreError(f"回收站中没有{label}图层。")
            if row.removed_at <= since:
                raise StoreError(f"图层{label}已删除超过 {RECYCLE_DAYS} 天，无法恢复。")
            final = self._claim_name(change.conn, row.name, {"updated_by": change.user, "updated_at": self.clock()},
                                     layer_id=row.id)
            change.target = final
            note = f"（原名「{row.name}」已被占用）" if final != row.name else ""
            change.summary = f"从回收站恢复图层「{final}」{note}"
            change.before, change.after = {"layer_id": row.id, "removed": True}, {"layer_id": row.id, "name": final}
        return self.layer_by_id(row.id)

    def purge_recycle_bin(self, user: str = LOCAL_USER) -> list[str]:
        """Drop the data of layers removed more than 30 days ago (recorded in the change log); their names."""
        since = self.clock() - timedelta(days=RECYCLE_DAYS)
        with self.reading() as conn:
            rows = conn.execute(select(t.layers).where(t.layers.c.removed_at <= since)).all()
        purged = []
        for row in rows:
            with self.transaction(user, "layer", "layer.purge", row.name) as change:
                if change.conn.execute(delete(t.layers).where(t.layers.c.id == row.id,
                                                              t.layers.c.removed_at <= since)).rowcount != 1:
                    change.record = False
                    continue
                self._drop_data(change.conn, row.table_name)
                change.summary = f"图层「{row.name}」在回收站超过 {RECYCLE_DAYS} 天，已彻底删除"
                change.before = {"layer_id": row.id, "name": row.name, "features": row.features}
                purged.append(row.name)
        return purged

    # ------------------------------------------------------------ documents

    def document(self, name: str) -> Document | None:
        """A stored document (e.g. "tour"), or None when it was never saved."""
        with self.reading() as conn:
            row = conn.execute(select(t.documents).where(t.documents.c.name == name)).first()
        return None if row is None else Document(row.name, row.content, row.version, row.updated_by, row.updated_at)

    def put_document(self, name: str, content: str, user: str = LOCAL_USER, expected_version: int | None = None,
                     what: str = "") -> Document:
        """Save a document; with `expected_version` (the version it was read at) a newer save by someone else is a
        ConflictError. `what` says in the change log what changed (e.g. which slides), after the version saved."""
        label = DOCUMENT_NAMES.get(name, name)
        with self.transaction(user, "document", "document.put", name) as change:
            row = change.conn.execute(select(t.documents).where(t.documents.c.name == name)).first()
            current = row.version if row is not None else 0
            if expected_version is not None and expected_version != current:
                who = f"{row.updated_by} 于 {local_text(row.updated_at)} " if row is not None else ""
                raise ConflictError(f"「{label}」已被{who}修改（现为第 {current} 版，您编辑的是第 {expected_version} 版）。"
                                    "请刷新后在最新版本上修改，您的改动尚未保存。")
            if row is not None and row.content == content:
                change.record = False
                return Document(name, content, current, row.updated_by, row.updated_at)
            now = self.clock()
            values = dict(content=content, version=current + 1, updated_by=change.user, updated_at=now)
            if row is None:
                change.conn.execute(insert(t.documents).values(name=name, **values))
            else:
                change.conn.execute(update(t.documents).where(t.documents.c.name == name, t.documents.c.version == current)
                                    .values(**values))
            change.summary = f"保存「{label}」第 {current + 1} 版{f'：{what}' if what else ''}"
            change.before = None if row is None else {"version": current, "content": row.content}
            change.after = {"version": current + 1, "content": content}
        return Document(name, content, current + 1, change.user, now)

    # ------------------------------------------------------------ settings

    def settings(self) -> dict:
        """Every office setting (key → value)."""
        with self.reading() as conn:
            return {r.key: json.loads(r.value) for r in conn.execute(select(t.settings))}

    def setting(self, key: str, default=None):
        """One office setting, or `default` when unset."""
        return self.settings().get(key, default)

    def put_setting(self, key: str, value, user: str = LOCAL_USER) -> None:
        """Set an office setting (any JSON value), recorded before → after."""
        if isinstance(value, float) and not math.isfinite(value):
            raise StoreError(f"设置「{setting_label(key)}」的值必须是有限数值。")
        text = json.dumps(value, ensure_ascii=False)
        with self.transaction(user, "setting", "setting.put", key) as change:
            row = change.conn.execute(select(t.settings).where(t.settings.c.key == key)).first()
            if row is not None and row.value == text:
                change.record = False
                return
            values = dict(value=text, updated_by=change.user, updated_at=self.clock())
            if row is None:
                change.conn.execute(insert(t.settings).values(key=key, **values))
            else:
                change.conn.execute(update(t.settings).where(t.settings.c.key == key).values(**values))
            change.before = None if row is None else {"value": json.loads(row.value)}
            change.after = {"value": value}
            change.summary = f"设置「{setting_label(key)}」：{'（未设置）' if row is None else row.value} → {text}"

    # ------------------------------------------------------------ the change log

    def changes(self, kind: str | None = None, action: str | None = None, user: str | None = None,
                target: str | None = None, since: datetime | None = None, until: datetime | None = None,
                limit: int = 500) -> list[ChangeRecord]:
        """Change-log entries, newest first, filtered by kind, action, user, target (substring) and time (naive UTC)."""
        c = t.changes.c
        conds = [cond for cond in (
            c.kind == kind if kind else None, c.action == action if action else None, c.user == user if user else None,
            c.target.contains(target, autoescape=True) if target else None,
            c.at >= since if since else None, c.at < until if until else None) if cond is not None]
        query = select(t.changes).where(and_(True, *conds)).order_by(c.id.desc()).limit(limit)
        with self.reading() as conn:
            return [ChangeRecord(r.id, r.at, r.user, r.kind, r.action, r.target, r.summary, _unjson(r.before),
                                 _unjson(r.after)) for r in conn.execute(query)]

    def change_users(self) -> list[str]:
        """Everyone who appears in the change log (for the log page's filter)."""
        with self.reading() as conn:
            return sorted(r[0] for r in conn.execute(select(t.changes.c.user).distinct()))

    def undo(self, change_id: int, user: str = LOCAL_USER) -> str:
        """Reverse one logged change where its action declares how (``store.labels.ACTIONS``); what was done."""
        found = [r for r in self.changes(limit=1_000_000) if r.id == change_id]
        if not found:
            raise StoreError(f"变更记录中没有编号 {change_id}。")
        rec = found[0]
        action = undoable(rec.action, rec.before)
        if action is None:
            raise StoreError(f"「{rec.label}」这类变更不能撤销。")
        return getattr(self, action.undo)(rec, user)

    def _undo_layer_add(self, rec: ChangeRecord, user: str) -> str:
        """Undo of an added or restored layer: back into the recycle bin."""
        info = self.layer_by_id(rec.after["layer_id"])
        if info.removed_at is not None:
            raise StoreError(f"图层「{info.name}」已在回收站中。")
        self.remove_layer(info.name, user)
        return f"已将图层「{info.name}」移入回收站"

    def _undo_layer_rename(self, rec: ChangeRecord, user: str) -> str:
        info = self.layer_by_id(rec.after["layer_id"])
        if info.removed_at is not None:
            raise StoreError(f"图层「{info.name}」在回收站中，请先恢复。")
        self.rename_layer(info.name, rec.before["name"], user)
        return f"已将图层「{info.name}」改回「{rec.before['name']}」"

    def _undo_layer_remove(self, rec: ChangeRecord, user: str) -> str:
        info = self.restore_layer(int(rec.after["layer_id"]), user)
        return f"已恢复图层「{info.name}」"

    def _undo_document_put(self, rec: ChangeRecord, user: str) -> str:
        doc = self.put_document(rec.target, rec.before["content"], user)
        return (f"已将「{DOCUMENT_NAMES.get(rec.target, rec.target)}」恢复为第 {rec.before['version']} 版的内容"
                f"（现为第 {doc.version} 版）")

    def _undo_setting_put(self, rec: ChangeRecord, user: str) -> str:
        self.put_setting(rec.target, rec.before["value"], user)
        return f"已将设置「{setting_label(rec.target)}」恢复为 {json.dumps(rec.before['value'], ensure_ascii=False)}"

    # ------------------------------------------------------------ whole-store

    def is_empty(self) -> bool:
        """Whether the store holds nothing yet (no layer, document, setting, account or change)."""
        with self.reading() as conn:
            return all(conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
                       for table in (t.layers, t.documents, t.settings, t.accounts, t.changes, t.corrections))

    def describe(self) -> str:
        """Where the store is, for messages."""
        return self.where
